//! `simface liveness`: for each face, whether it is a live person or a photo or screen held up to the camera.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use simface::liveness::{LivenessModel, upright_crop};
use simface::report::FaceRecord;

use crate::GlobalOptions;
use crate::pipeline::load_image;
use crate::report::{LivenessFace, LivenessImage, file_name, print_json};

pub fn run(g: &GlobalOptions, images: &[PathBuf], crops: Option<&Path>) -> anyhow::Result<()> {
    let mut pipeline = g.pipeline()?;
    let mut checker = g.liveness_checker()?;
    if let Some(dir) = crops {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut report = Vec::new();
    for path in images {
        let image = load_image(path)?;
        let faces = pollster::block_on(pipeline.detect_faces(&image)).with_context(|| format!("{}", path.display()))?;
        let mut judged = Vec::with_capacity(faces.len());
        for (i, face) in faces.iter().enumerate() {
            let start = Instant::now();
            let liveness = pollster::block_on(checker.check(&image, face))
                .with_context(|| format!("{}: face {i}", path.display()))?;
            let ms = start.elapsed().as_secs_f64() * 1000.0;
            if let Some(dir) = crops {
                let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                for model in LivenessModel::ALL {
                    if let Some(c) = upright_crop(&image, face, model) {
                        let out = dir.join(format!("{stem}_{i}_{}.png", model.name()));
                        c.save(&out).with_context(|| format!("writing {}", out.display()))?;
                    }
                }
            }
            judged.push((face, liveness, ms));
        }
        if g.json {
            report.push(LivenessImage {
                file: file_name(path),
                width: image.width(),
                height: image.height(),
                faces: judged
                    .into_iter()
                    .enumerate()
                    .map(|(i, (f, liveness, ms))| LivenessFace {
                        face: FaceRecord::new(i, f).with_liveness(liveness),
                        liveness_ms: ms,
                    })
                    .collect(),
            });
            continue;
        }
        println!("{}: {}×{}, {} face(s)", path.display(), image.width(), image.height(), faces.len());
        for (i, (_, l, ms)) in judged.iter().enumerate() {
            let verdict = if l.live { "live face" } else { "possible photo of a photo or screen" };
            let each: Vec<String> =
                l.models.iter().map(|m| format!("{} {:.3}", m.model.name(), m.probabilities[1])).collect();
            println!(
                "  #{i} real {:.3} (threshold {}): {verdict}; {}; {ms:.1} ms",
                l.real,
                l.threshold,
                each.join(", ")
            );
        }
    }
    if g.json {
        print_json(&report)?;
    }
    Ok(())
}
