//! `simface embed`: the embedding of the largest face of each image, or of every face (`--all`).

use std::path::PathBuf;

use anyhow::Context;
use simface::report::{FaceRecord, ImageRecord};

use crate::GlobalOptions;
use crate::pipeline::load_image;
use crate::report::{EmbeddedImage, file_name, print_json};

pub fn run(g: &GlobalOptions, images: &[PathBuf], all: bool) -> anyhow::Result<()> {
    let mut pipeline = g.pipeline()?;
    let model = pipeline.embedder_model();
    let mut report: Vec<EmbeddedImage> = Vec::new();
    for path in images {
        let image = load_image(path)?;
        let context = || format!("{}", path.display());
        let faces = if all {
            let faces = pollster::block_on(pipeline.analyze(&image)).with_context(context)?;
            anyhow::ensure!(!faces.is_empty(), "{}: {}", path.display(), simface::Error::NoFace);
            faces
        } else {
            vec![pollster::block_on(pipeline.embed_face(&image, 0)).with_context(context)?]
        };
        if g.json {
            report.push(ImageRecord {
                file: file_name(path),
                width: image.width(),
                height: image.height(),
                faces: faces
                    .into_iter()
                    .enumerate()
                    .map(|(i, face)| FaceRecord::new(i, &face.face).with_embedding(model, face.embedding))
                    .collect(),
            });
            continue;
        }
        for (i, face) in faces.iter().enumerate() {
            let v = face.embedding.as_slice();
            let head: Vec<String> = v.iter().take(8).map(|x| format!("{x:+.4}")).collect();
            let which = if all { format!(" face {i}") } else { String::new() };
            println!("{}{which}: {}-d [{} …]", path.display(), v.len(), head.join(", "));
        }
    }
    if g.json {
        print_json(&report)?;
    }
    Ok(())
}
