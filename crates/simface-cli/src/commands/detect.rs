//! `simface detect`: boxes, landmarks and scores of every face, optionally drawn on the first image.

use std::path::{Path, PathBuf};

use anyhow::Context;
use image::{Rgb, RgbImage};
use imageproc::drawing::{draw_filled_circle_mut, draw_hollow_rect_mut};
use imageproc::rect::Rect;
use simface::Face;
use simface::report::{FaceRecord, ImageRecord};

use crate::GlobalOptions;
use crate::pipeline::load_image;
use crate::report::{DetectedImage, file_name, print_json};

pub fn run(g: &GlobalOptions, images: &[PathBuf], draw: Option<&Path>) -> anyhow::Result<()> {
    let mut pipeline = g.pipeline()?;
    let mut report = Vec::new();
    for (n, path) in images.iter().enumerate() {
        let image = load_image(path)?;
        let faces = pollster::block_on(pipeline.detect_faces(&image))?;
        if n == 0
            && let Some(out) = draw
        {
            draw_faces(&image, &faces).save(out).with_context(|| format!("writing {}", out.display()))?;
        }
        if g.json {
            report.push(DetectedImage {
                image: ImageRecord {
                    file: file_name(path),
                    width: image.width(),
                    height: image.height(),
                    faces: faces.iter().enumerate().map(|(i, f)| FaceRecord::new(i, f)).collect(),
                },
                detector: g.detector,
            });
            continue;
        }
        println!("{}: {}×{}, {} face(s)", path.display(), image.width(), image.height(), faces.len());
        for (i, f) in faces.iter().enumerate() {
            let b = f.bbox;
            let lm: Vec<String> = f.landmarks.iter().map(|p| format!("({:.1},{:.1})", p.x, p.y)).collect();
            println!(
                "  #{i} box x={:.1} y={:.1} w={:.1} h={:.1} score={:.3} landmarks {}",
                b.x,
                b.y,
                b.width,
                b.height,
                f.score,
                lm.join(" ")
            );
        }
    }
    if g.json {
        print_json(&report)?;
    }
    Ok(())
}

/// The image with every face's box (green, the largest in yellow) and landmarks (red) drawn.
fn draw_faces(image: &RgbImage, faces: &[Face]) -> RgbImage {
    let mut out = image.clone();
    let thickness = (image.width().max(image.height()) / 400).max(1) as i32;
    for (i, f) in faces.iter().enumerate() {
        let colour = if i == 0 { Rgb([255, 220, 0]) } else { Rgb([0, 220, 0]) };
        for t in 0..thickness {
            let w = (f.bbox.width as i32 - 2 * t).max(1) as u32;
            let h = (f.bbox.height as i32 - 2 * t).max(1) as u32;
            let rect = Rect::at(f.bbox.x as i32 + t, f.bbox.y as i32 + t).of_size(w, h);
            draw_hollow_rect_mut(&mut out, rect, colour);
        }
        for p in &f.landmarks {
            draw_filled_circle_mut(&mut out, (p.x.round() as i32, p.y.round() as i32), thickness + 1, Rgb([255, 0, 0]));
        }
    }
    out
}
