//! `simface align`: the aligned 112×112 crop of every face, written as PNG files.

use std::path::Path;

use anyhow::{Context, bail};
use simface::FacePipeline;

use crate::GlobalOptions;
use crate::pipeline::load_image;
use crate::report::{AlignedImage, file_name, print_json};

pub fn run(g: &GlobalOptions, path: &Path, out: &Path) -> anyhow::Result<()> {
    let mut pipeline = g.pipeline()?;
    let image = load_image(path)?;
    let faces = pollster::block_on(pipeline.detect_faces(&image))?;
    if faces.is_empty() {
        bail!("{}: {}", path.display(), simface::Error::NoFace);
    }
    let crops = FacePipeline::align_faces(&image, &faces)?;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "face".into());
    let mut written = Vec::new();
    for (i, crop) in crops.iter().enumerate() {
        let file = out.join(format!("{stem}_face{i}.png"));
        crop.save(&file).with_context(|| format!("writing {}", file.display()))?;
        written.push(file);
    }
    if g.json {
        return print_json(&AlignedImage { file: file_name(path), crops: written });
    }
    for f in &written {
        println!("{}", f.display());
    }
    Ok(())
}
