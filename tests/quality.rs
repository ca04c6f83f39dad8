//! The quality gate on real photos: the shared portraits pass, degraded copies of a good portrait fail with
//! the issue that names the degradation, and the head pose reads the way a mirror or a squash predicts.
//! Every measure is printed (`--nocapture`): these are the numbers `QualityConfig::default` rests on. The
//! tests named `regression_pin_*` check constants against the very photos they were fitted on.
// These tests run the native pipeline (files, ONNX Runtime); the wasm32 build has its browser tests in e2e/.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::path::PathBuf;

use common::*;
use image::{Rgb, RgbImage, imageops};
use imageproc::geometric_transformations::{Border, Interpolation, rotate_about_center};
use simface::detect::DetectorKind;
use simface::quality::{FRONTAL_NOSE_HEIGHT, Quality, QualityConfig, QualityIssue, assess, estimate_pose};
use simface::{EmbedderModel, Face, FacePipeline};

fn yunet() -> FacePipeline {
    pipeline(DetectorKind::Yunet, EmbedderModel::EdgefaceXxs, 640)
}

/// The largest face of an image and its verdict under the default configuration.
fn judge(pipeline: &mut FacePipeline, image: &RgbImage) -> Option<(Face, Quality)> {
    let face = block_on(pipeline.detect_faces(image)).expect("detection runs").into_iter().next()?;
    let crop = FacePipeline::align_faces(image, std::slice::from_ref(&face)).expect("the face aligns").pop()?;
    let quality = assess(&face, &crop, &QualityConfig::default());
    Some((face, quality))
}

fn line(label: &str, q: &Quality) -> String {
    format!(
        "{label:<44} score {:.3} face {:6.1} px  sharp {:7.1}  bright {:5.1}  contrast {:5.1}  yaw {:+6.1} pitch {:+6.1} roll {:+6.1}  {:?}",
        q.score, q.face_px, q.sharpness, q.brightness, q.contrast, q.pose.yaw, q.pose.pitch, q.pose.roll, q.issues
    )
}

fn good_face() -> RgbImage {
    load_rgb(&faces_dir().join("simface/royalty_free_good_face.jpg"))
}

/// Every shared single-person photo: gallery/, probe/, edgeface/ and the good example face.
fn portraits() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = jpgs_in(&faces_dir().join("gallery"));
    files.extend(jpgs_in(&faces_dir().join("probe")));
    files.extend(jpgs_in(&faces_dir().join("edgeface")));
    files.push(faces_dir().join("simface/royalty_free_good_face.jpg"));
    files
}

fn name(path: &std::path::Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// REGRESSION PIN, not a measure of the gate: `QualityConfig::default` was chosen on these very photos (README,
/// "Live camera"), so that they pass says only that the defaults and the pipeline have not drifted from that
/// calibration. The degraded copies below, which the defaults were not fitted to, are the test of the gate.
#[test]
fn regression_pin_every_shared_portrait_passes_the_default_gate() {
    let mut pipeline = yunet();
    let mut files: Vec<PathBuf> = jpgs_in(&faces_dir().join("gallery"));
    files.extend(jpgs_in(&faces_dir().join("probe")));
    files.push(faces_dir().join("simface/royalty_free_good_face.jpg"));
    let mut measured = Vec::new();
    let mut failed = Vec::new();
    for path in &files {
        let (_, q) = judge(&mut pipeline, &load_rgb(path)).unwrap_or_else(|| panic!("{}: no face", path.display()));
        println!("{}", line(&name(path), &q));
        if !q.passes() {
            failed.push(name(path));
        }
        measured.push(q);
    }
    let range = |f: fn(&Quality) -> f32| {
        let v: Vec<f32> = measured.iter().map(f).collect();
        (v.iter().copied().fold(f32::MAX, f32::min), v.iter().copied().fold(f32::MIN, f32::max))
    };
    let (face, sharp, bright, contrast, score) = (
        range(|q| q.face_px),
        range(|q| q.sharpness),
        range(|q| q.brightness),
        range(|q| q.contrast),
        range(|q| q.score),
    );
    let (yaw, pitch, roll) = (range(|q| q.pose.yaw.abs()), range(|q| q.pose.pitch.abs()), range(|q| q.pose.roll.abs()));
    println!(
        "over {} portraits: face {:.0}–{:.0} px, sharpness {:.1}–{:.1}, brightness {:.1}–{:.1}, contrast {:.1}–{:.1}, \
         |yaw| ≤ {:.1}°, |pitch| ≤ {:.1}°, |roll| ≤ {:.1}°, score {:.3}–{:.3}",
        files.len(),
        face.0,
        face.1,
        sharp.0,
        sharp.1,
        bright.0,
        bright.1,
        contrast.0,
        contrast.1,
        yaw.1,
        pitch.1,
        roll.1,
        score.0,
        score.1
    );
    println!("defaults: {:?}", QualityConfig::default());
    assert!(failed.is_empty(), "these portraits fail the gate: {failed:?}");
    assert!(score.0 >= 0.5);
}

#[test]
fn degraded_copies_of_a_good_portrait_fail_with_the_matching_issue() {
    let mut pipeline = yunet();
    let original = good_face();
    let (face, q) = judge(&mut pipeline, &original).expect("the good face is found");
    println!("{}", line("original", &q));
    assert!(q.passes(), "{q:?}");

    // The blur sweep: sharpness (variance of the Laplacian) falls with every step of blur, the gate calls
    // a face blurry exactly when its sharpness is under the bound, and from σ 4 on (README: sharpness ~233
    // against the bound of 400) the face fails with the blur advice; up to σ 3 (measured sharpness 1456,
    // 831, 442) it still passes.
    let config = QualityConfig::default();
    let mut previous = q.sharpness;
    for sigma in [1.0f32, 2.0, 3.0, 4.0, 6.0] {
        let (_, q) = judge(&mut pipeline, &imageops::blur(&original, sigma))
            .unwrap_or_else(|| panic!("the face blurred with σ={sigma} is still found"));
        println!("{}", line(&format!("Gaussian blur σ={sigma}"), &q));
        assert!(q.sharpness < previous, "σ={sigma}: sharpness {} did not fall below {previous}", q.sharpness);
        previous = q.sharpness;
        let blurry = q.issues.contains(&QualityIssue::Blurry);
        assert_eq!(blurry, q.sharpness < config.min_sharpness, "σ={sigma}: {q:?}");
        assert_eq!(q.passes(), sigma < 4.0, "σ={sigma}: {q:?}");
        if sigma >= 4.0 {
            assert!(blurry, "σ={sigma}: {q:?}");
            let advice: Vec<&str> = q.issues.iter().map(|i| i.advice()).collect();
            assert!(advice.contains(&"hold still: the face is blurry"), "σ={sigma}: advice {advice:?}");
        }
        if sigma == 4.0 {
            // The README's figure: about 233.
            assert!((200.0..270.0).contains(&q.sharpness), "σ=4: sharpness {}", q.sharpness);
        }
    }

    let mut dark = original.clone();
    dark.pixels_mut().for_each(|p| p.0 = p.0.map(|v| (f32::from(v) * 0.15).round() as u8));
    let (_, q) = judge(&mut pipeline, &dark).expect("the dark face is still found");
    println!("{}", line("pixel values ×0.15", &q));
    assert_eq!(q.issues.first(), Some(&QualityIssue::TooDark), "{q:?}");

    // A person far from a 640×480 webcam: the portrait shrunk until the face is about 40 px, on a grey frame.
    let scale = 40.0 / face.bbox.width.min(face.bbox.height);
    let (w, h) = ((original.width() as f32 * scale).round() as u32, (original.height() as f32 * scale).round() as u32);
    let small = imageops::resize(&original, w, h, imageops::FilterType::Triangle);
    let mut frame = RgbImage::from_pixel(640, 480, Rgb([128, 128, 128]));
    imageops::overlay(&mut frame, &small, i64::from((640 - w) / 2), i64::from((480 - h) / 2));
    let (_, q) = judge(&mut pipeline, &frame).expect("the small face is still found");
    println!("{}", line(&format!("shrunk ×{scale:.3} on a 640×480 frame"), &q));
    assert_eq!(q.issues.first(), Some(&QualityIssue::TooSmall), "{q:?}");

    for degrees in [25.0f32, 35.0, -35.0, 45.0] {
        let rotated = rotate_about_center(
            &original,
            degrees.to_radians(),
            Interpolation::Bilinear,
            Border::Constant(Rgb([0, 0, 0])),
        );
        let (_, q) = judge(&mut pipeline, &rotated).expect("the rotated face is still found");
        println!("{}", line(&format!("rotated {degrees:+}°"), &q));
        assert!(q.issues.contains(&QualityIssue::HeadTilted), "{q:?}");
        // YuNet's landmarks lag behind the rotation (see `QualityConfig`), but the sign is right. At 45° the
        // face is as near a quarter turn as upright: the search at other angles may find it turned
        // (`detect::rotation`), and the roll is measured from there (−45° from the turn).
        if degrees.abs() < 45.0 {
            assert_eq!(q.pose.roll.signum(), degrees.signum(), "roll {} for a {degrees}° rotation", q.pose.roll);
        }
    }

    // A head turned well away: the real face and crop, with the nose moved sideways by 0.4 eye distances,
    // as it appears when the head turns by about 40°.
    let mut turned = face.clone();
    let eye_dist = (face.landmarks[1].x - face.landmarks[0].x).hypot(face.landmarks[1].y - face.landmarks[0].y);
    turned.landmarks[2].x += 0.4 * eye_dist;
    let crop = FacePipeline::align_faces(&original, std::slice::from_ref(&face)).expect("aligns").remove(0);
    let q = assess(&turned, &crop, &QualityConfig::default());
    println!("{}", line("nose moved 0.4 eye distances sideways", &q));
    assert_eq!(q.issues, vec![QualityIssue::NotFacingCamera]);
    assert!(q.pose.yaw > 30.0);
}

/// `royalty_free_bad_face.jpg` (README: "fails (tilted, low contrast, blurry)"): its face is found and the
/// gate refuses it for exactly those three reasons, each with its advice.
#[test]
fn the_bad_example_face_is_reported() {
    let mut pipeline = yunet();
    let path = faces_dir().join("simface/royalty_free_bad_face.jpg");
    let (_, q) = judge(&mut pipeline, &load_rgb(&path)).expect("royalty_free_bad_face.jpg: a face is found");
    println!("{}", line("royalty_free_bad_face.jpg", &q));
    let advice: Vec<&str> = q.issues.iter().map(|i| i.advice()).collect();
    println!("  advice: {advice:?}");
    assert!(!q.passes(), "the bad face passes the gate: {q:?}");
    assert!(q.score < 0.5, "score {} of a refused face", q.score);
    let mut issues = q.issues.clone();
    issues.sort_by_key(|i| *i as u8);
    assert_eq!(issues, vec![QualityIssue::Blurry, QualityIssue::LowContrast, QualityIssue::HeadTilted], "{q:?}");
    let config = QualityConfig::default();
    assert!(q.sharpness < config.min_sharpness, "{q:?}");
    assert!(q.contrast < config.min_contrast, "{q:?}");
    assert!(q.pose.roll.abs() > config.max_roll_deg, "{q:?}");
}

/// REGRESSION PIN: `FRONTAL_NOSE_HEIGHT` is the median of YuNet's nose height (0 at the eye line, 1 at the
/// mouth line) over the shared portraits, rounded to 0.005; this recomputes it on the same photos, so it
/// checks that the constant still follows its documented calibration, not that it generalises.
#[test]
fn regression_pin_frontal_nose_height_is_the_median_over_the_shared_portraits() {
    let mut pipeline = yunet();
    let mut heights = Vec::new();
    for path in portraits() {
        let face = block_on(pipeline.detect_faces(&load_rgb(&path))).expect("detection runs").into_iter().next();
        let Some(face) = face else { continue };
        let l = face.landmarks;
        let (ex, ey) = (l[1].x - l[0].x, l[1].y - l[0].y);
        let d = ex.hypot(ey);
        // Distances along the face's vertical axis (perpendicular to the eye line) from the eye midpoint.
        let down = |x: f32, y: f32| ((x - (l[0].x + l[1].x) / 2.0) * -ey + (y - (l[0].y + l[1].y) / 2.0) * ex) / d;
        let nose = down(l[2].x, l[2].y);
        let mouth = down((l[3].x + l[4].x) / 2.0, (l[3].y + l[4].y) / 2.0);
        heights.push(nose / mouth);
    }
    heights.sort_by(f32::total_cmp);
    let median = heights[heights.len() / 2];
    println!(
        "nose height over {} portraits: {:.3}–{:.3}, median {median:.4}; built-in {FRONTAL_NOSE_HEIGHT}; ArcFace template 0.495",
        heights.len(),
        heights[0],
        heights[heights.len() - 1]
    );
    assert!(heights.len() >= 38);
    assert!((median - FRONTAL_NOSE_HEIGHT).abs() <= 0.005, "median {median}");
}

#[test]
fn yaw_and_roll_change_sign_in_a_mirror_and_a_squash_is_not_a_turn() {
    let mut pipeline = yunet();
    let files = portraits();
    let (mut checked, mut unflipped) = (0, Vec::new());
    let (mut worst_yaw, mut worst_roll, mut worst_pitch) = (0.0f32, 0.0f32, 0.0f32);
    for path in &files {
        let image = load_rgb(path);
        let Some((face, _)) = judge(&mut pipeline, &image) else {
            println!("{}: no face", name(path));
            continue;
        };
        let pose = estimate_pose(&face);
        let (mirrored, _) = judge(&mut pipeline, &imageops::flip_horizontal(&image)).expect("the mirrored face");
        let m = estimate_pose(&mirrored);
        println!(
            "{:<28} yaw {:+6.1} pitch {:+6.1} roll {:+6.1} | mirrored yaw {:+6.1} pitch {:+6.1} roll {:+6.1}",
            name(path),
            pose.yaw,
            pose.pitch,
            pose.roll,
            m.yaw,
            m.pitch,
            m.roll
        );
        worst_yaw = worst_yaw.max((pose.yaw + m.yaw).abs());
        worst_roll = worst_roll.max((pose.roll + m.roll).abs());
        worst_pitch = worst_pitch.max((pose.pitch - m.pitch).abs());
        if pose.yaw.abs() > 8.0 {
            if pose.yaw.signum() == m.yaw.signum() {
                unflipped.push(name(path));
            }
            checked += 1;
        }
    }
    println!(
        "{} faces: mirrored, |yaw + yaw'| ≤ {worst_yaw:.1}°, |roll + roll'| ≤ {worst_roll:.1}°, |pitch − pitch'| ≤ {worst_pitch:.1}°; \
         {checked} faces turned more than 8°, {} of them kept the sign of their yaw",
        files.len(),
        unflipped.len()
    );
    assert!(unflipped.is_empty(), "{unflipped:?}");
    // YuNet is not exactly mirror-symmetric: a mirrored face's landmarks move by a pixel or two, a few
    // degrees of pose (most for the 48° turned face, whose far eye is barely visible).
    assert!(worst_yaw < 12.0 && worst_roll < 16.0 && worst_pitch < 15.0);

    let original = good_face();
    let (face, q) = judge(&mut pipeline, &original).expect("the good face");
    assert!(q.pose.yaw.abs() < 10.0 && q.pose.pitch.abs() < 10.0 && q.pose.roll.abs() < 5.0, "{:?}", q.pose);
    let narrow =
        imageops::resize(&original, original.width() * 6 / 10, original.height(), imageops::FilterType::Triangle);
    let (squashed, _) = judge(&mut pipeline, &narrow).expect("the squashed face");
    let (p, s) = (estimate_pose(&face), estimate_pose(&squashed));
    println!(
        "good face yaw {:+.1} → squashed to 60 % width: yaw {:+.1} (pitch {:+.1} → {:+.1})",
        p.yaw, s.yaw, p.pitch, s.pitch
    );
    // The nose stays on the midline of a squashed frontal face: narrower is not turned. The readings differ
    // only by landmark noise (as much as between a face and its mirror image).
    assert!((p.yaw - s.yaw).abs() < 12.0 && s.yaw.abs() < 15.0, "{p:?} vs {s:?}");
}
