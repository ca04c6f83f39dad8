//! `simface quality`: whether each face is good enough to enrol, and what to fix if not.

use std::path::PathBuf;

use anyhow::Context;
use simface::report::FaceRecord;
use simface::{FacePipeline, Quality, QualityConfig, assess};

use crate::GlobalOptions;
use crate::pipeline::load_image;
use crate::report::{JudgedFace, JudgedImage, file_name, print_json};

pub fn run(g: &GlobalOptions, images: &[PathBuf]) -> anyhow::Result<()> {
    let mut pipeline = g.pipeline()?;
    let config = QualityConfig::default();
    let mut report = Vec::new();
    for path in images {
        let image = load_image(path)?;
        let faces = pollster::block_on(pipeline.detect_faces(&image))?;
        let crops = FacePipeline::align_faces(&image, &faces).with_context(|| format!("{}", path.display()))?;
        let judged: Vec<Quality> = faces.iter().zip(&crops).map(|(f, crop)| assess(f, crop, &config)).collect();
        if g.json {
            report.push(JudgedImage {
                file: file_name(path),
                width: image.width(),
                height: image.height(),
                detector: g.detector,
                faces: faces
                    .iter()
                    .zip(judged)
                    .enumerate()
                    .map(|(i, (f, q))| JudgedFace {
                        passes: q.passes(),
                        advice: q.issues.iter().map(|issue| issue.advice()).collect(),
                        face: FaceRecord::new(i, f).with_quality(q),
                    })
                    .collect(),
            });
            continue;
        }
        println!("{}: {}×{}, {} face(s)", path.display(), image.width(), image.height(), faces.len());
        for (i, q) in judged.iter().enumerate() {
            let verdict = if q.passes() {
                "good".to_string()
            } else {
                let advice: Vec<&str> = q.issues.iter().map(|issue| issue.advice()).collect();
                format!("not good enough: {}", advice.join("; "))
            };
            println!("  #{i} score {:.3}: {verdict}", q.score);
            println!(
                "     face {:.0} px, sharpness {:.1}, brightness {:.1}, contrast {:.1}, yaw {:+.1}° pitch {:+.1}° roll {:+.1}°",
                q.face_px, q.sharpness, q.brightness, q.contrast, q.pose.yaw, q.pose.pitch, q.pose.roll
            );
        }
    }
    if g.json {
        print_json(&report)?;
    }
    Ok(())
}
