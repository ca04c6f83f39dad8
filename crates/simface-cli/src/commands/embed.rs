//! `simface embed`: the embedding of the largest face of each image.

use std::path::PathBuf;

use anyhow::Context;
use simface::report::{FaceRecord, ImageRecord};

use crate::GlobalOptions;
use crate::pipeline::load_image;
use crate::report::{EmbeddedImage, file_name, print_json};

pub fn run(g: &GlobalOptions, images: &[PathBuf]) -> anyhow::Result<()> {
    let mut pipeline = g.pipeline()?;
    let model = pipeline.embedder_model();
    let mut report: Vec<EmbeddedImage> = Vec::new();
    for path in images {
        let image = load_image(path)?;
        let face = pollster::block_on(pipeline.embed_face(&image, 0)).with_context(|| format!("{}", path.display()))?;
        if g.json {
            report.push(ImageRecord {
                file: file_name(path),
                width: image.width(),
                height: image.height(),
                faces: vec![FaceRecord::new(0, &face.face).with_embedding(model, face.embedding)],
            });
            continue;
        }
        let v = face.embedding.as_slice();
        let head: Vec<String> = v.iter().take(8).map(|x| format!("{x:+.4}")).collect();
        println!("{}: {}-d [{} …]", path.display(), v.len(), head.join(", "));
    }
    if g.json {
        print_json(&report)?;
    }
    Ok(())
}
