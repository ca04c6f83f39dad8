//! `simface detect`: boxes, landmarks and scores of every face, optionally drawn on the first image, and with
//! `--liveness` each face's liveness.

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

pub fn run(g: &GlobalOptions, images: &[PathBuf], draw: Option<&Path>, liveness: bool) -> anyhow::Result<()> {
    let mut pipeline = g.pipeline()?;
    let mut checker = if liveness { Some(g.liveness_checker()?) } else { None };
    let mut report = Vec::new();
    for (n, path) in images.iter().enumerate() {
        let image = load_image(path)?;
        let faces = pollster::block_on(pipeline.detect_faces(&image))?;
        if n == 0
            && let Some(out) = draw
        {
            draw_faces(&image, &faces).save(out).with_context(|| format!("writing {}", out.display()))?;
        }
        let mut records: Vec<FaceRecord> = faces.iter().enumerate().map(|(i, f)| FaceRecord::new(i, f)).collect();
        if let Some(checker) = checker.as_mut() {
            for (record, face) in records.iter_mut().zip(&faces) {
                let l = pollster::block_on(checker.check(&image, face))
                    .with_context(|| format!("{}: face {}", path.display(), record.index))?;
                record.liveness = Some(l);
            }
        }
        if g.json {
            report.push(DetectedImage {
                image: ImageRecord {
                    file: file_name(path),
                    width: image.width(),
                    height: image.height(),
                    faces: records,
                },
                detector: g.detector,
            });
            continue;
        }
        println!("{}: {}×{}, {} face(s)", path.display(), image.width(), image.height(), faces.len());
        for (i, (f, record)) in faces.iter().zip(&records).enumerate() {
            let b = f.bbox;
            let lm: Vec<String> = f.landmarks.iter().map(|p| format!("({:.1},{:.1})", p.x, p.y)).collect();
            let live = record.liveness.as_ref().map_or(String::new(), |l| {
                format!(" {} (real {:.3})", if l.live { "live" } else { "possible photo of a photo or screen" }, l.real)
            });
            let turned = match f.turn.degrees() {
                0 => String::new(),
                d => format!(" (found with the image turned {d}° clockwise)"),
            };
            println!(
                "  #{i} box x={:.1} y={:.1} w={:.1} h={:.1} score={:.3} landmarks {}{turned}{live}",
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
