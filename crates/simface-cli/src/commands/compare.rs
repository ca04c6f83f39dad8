//! `simface compare`: whether a face of one photo and a face of another are the same person.

use std::path::Path;

use anyhow::Context;
use simface::report::FaceRecord;
use simface::verification_score;

use crate::GlobalOptions;
use crate::pipeline::load_image;
use crate::report::{ComparedFace, Comparison, file_name, print_json};

pub fn run(
    g: &GlobalOptions,
    a: &Path,
    b: &Path,
    face_a: usize,
    face_b: usize,
    threshold: Option<f32>,
) -> anyhow::Result<()> {
    let mut pipeline = g.pipeline()?;
    let (ia, ib) = (load_image(a)?, load_image(b)?);
    let fa = pollster::block_on(pipeline.embed_face(&ia, face_a)).with_context(|| format!("{}", a.display()))?;
    let fb = pollster::block_on(pipeline.embed_face(&ib, face_b)).with_context(|| format!("{}", b.display()))?;
    let model = pipeline.embedder_model();
    let mut verdict = verification_score(&fa.embedding, &fb.embedding, model)?;
    if let Some(t) = threshold {
        verdict = simface::matching::verify(verdict.similarity, t);
    }
    if g.json {
        return print_json(&Comparison {
            a: ComparedFace { file: file_name(a), face: FaceRecord::new(face_a, &fa.face) },
            b: ComparedFace { file: file_name(b), face: FaceRecord::new(face_b, &fb.face) },
            model,
            detector: g.detector,
            similarity: verdict.similarity,
            threshold: verdict.threshold,
            same_person: verdict.same_person,
            confidence: verdict.confidence,
            decision: verdict.label,
        });
    }
    println!(
        "similarity {:.4} (threshold {:.3}, {}): {} (confidence {:.0} %)",
        verdict.similarity,
        verdict.threshold,
        model.name(),
        verdict.label,
        verdict.confidence * 100.0
    );
    println!("  A: {} face #{face_a} score {:.3}", a.display(), fa.face.score);
    println!("  B: {} face #{face_b} score {:.3}", b.display(), fb.face.score);
    Ok(())
}
