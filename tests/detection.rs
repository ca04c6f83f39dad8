//! Detection on the shared photos: no face where there is none, face counts on group photos close to
//! the reference, and SeetaFace finding the frontal faces.
// These tests run the native pipeline (files, ONNX Runtime); the wasm32 build has its browser tests in e2e/.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::*;
use simface::EmbedderModel;
use simface::detect::{BBox, DetectorKind, Face};

fn golden_box(b: &[f32; 4]) -> BBox {
    BBox { x: b[0], y: b[1], width: b[2], height: b[3] }
}

/// How many reference boxes have a detection overlapping them by at least `iou`.
fn matched(reference: &[BBox], found: &[Face], iou: f32) -> usize {
    reference.iter().filter(|r| found.iter().any(|f| f.bbox.iou(r) >= iou)).count()
}

#[test]
fn a_flower_has_no_face() {
    for detector in [DetectorKind::Yunet, DetectorKind::Seeta] {
        let mut pipeline = pipeline(detector, EmbedderModel::EdgefaceXxs, 640);
        let rgb = load_rgb(&faces_dir().join("simface/royalty_free_flower.jpg"));
        let faces = block_on(pipeline.detect_faces(&rgb)).expect("detection runs");
        assert!(faces.is_empty(), "{}: found {} face(s) in a flower", detector.name(), faces.len());
        assert!(matches!(block_on(pipeline.embed_face(&rgb, 0)), Err(simface::Error::NoFace)));
    }
}

/// YuNet at the reference's 1280 px finds the reference's faces: counts within 10 % (at least all
/// but one) and ≥ 90 % of the reference boxes matched at IoU 0.5.
#[test]
fn group_photos_give_face_counts_close_to_the_reference() {
    let golden = golden();
    let mut pipeline = pipeline(DetectorKind::Yunet, EmbedderModel::EdgefaceXxs, 1280);
    for img in golden.images.iter().filter(|i| i.file.contains("/groups/") || i.file.contains("multiple_faces")) {
        let rgb = load_rgb(&img.path());
        if !img.file.contains("/groups/") {
            pipeline.set_max_side(640);
        }
        let faces = block_on(pipeline.detect_faces(&rgb)).expect("detection runs");
        let reference: Vec<BBox> = img.faces.iter().map(|f| golden_box(&f.bbox)).collect();
        let hit = matched(&reference, &faces, 0.5);
        println!("{}: {} faces (reference {}), {hit} reference boxes matched", img.file, faces.len(), reference.len());
        let tolerance = (reference.len() / 10).max(1);
        assert!(
            faces.len().abs_diff(reference.len()) <= tolerance,
            "{}: {} vs {}",
            img.file,
            faces.len(),
            reference.len()
        );
        assert!(hit * 10 >= reference.len() * 9, "{}: only {hit}/{} matched", img.file, reference.len());
        // Largest first, as promised to callers.
        assert!(faces.windows(2).all(|w| w[0].bbox.area() >= w[1].bbox.area()));
    }
}

/// SeetaFace's frontal model finds most frontal faces of the group photos: at least 60 % of the
/// reference faces of 30 px and larger overall, matched at IoU 0.3 (SeetaFace's boxes are squarer
/// and tighter than YuNet's, so 0.5 would measure box style, not detection).
#[test]
fn rustface_finds_the_frontal_faces_in_group_photos() {
    let golden = golden();
    let mut pipeline = pipeline(DetectorKind::Seeta, EmbedderModel::EdgefaceXxs, 1280);
    let (mut total, mut found_total) = (0, 0);
    for img in golden.images.iter().filter(|i| i.file.contains("/groups/")) {
        let rgb = load_rgb(&img.path());
        let faces = block_on(pipeline.detect_faces(&rgb)).expect("detection runs");
        let reference: Vec<BBox> = img.faces.iter().map(|f| golden_box(&f.bbox)).filter(|b| b.width >= 30.0).collect();
        let hit = matched(&reference, &faces, 0.3);
        println!(
            "seeta {}: {} faces, {hit}/{} reference faces ≥ 30 px matched",
            img.file,
            faces.len(),
            reference.len()
        );
        total += reference.len();
        found_total += hit;
    }
    println!("seeta overall: {found_total}/{total}");
    assert!(found_total * 10 >= total * 6, "SeetaFace matched only {found_total}/{total}");
}

/// Fits `seeta::MEAN_LANDMARKS_IN_BOX`: YuNet's landmarks expressed in the SeetaFace box of the same
/// face, averaged over every face both detectors find on the shared photos. Prints the constants.
#[test]
#[ignore = "a calibration tool, run by hand"]
fn fit_seeta_landmarks() {
    let mut yunet = pipeline(DetectorKind::Yunet, EmbedderModel::EdgefaceXxs, 1280);
    let mut seeta = pipeline(DetectorKind::Seeta, EmbedderModel::EdgefaceXxs, 1280);
    let mut sums = [[0.0f64; 2]; 5];
    let mut n = 0.0;
    for dir in ["gallery", "probe", "edgeface", "groups", "simface"] {
        for path in jpgs_in(&faces_dir().join(dir)) {
            let (_, relative) = landmarks_in_seeta_boxes(&mut yunet, &mut seeta, &load_rgb(&path));
            for points in relative {
                for (k, [x, y]) in points.into_iter().enumerate() {
                    sums[k][0] += x;
                    sums[k][1] += y;
                }
                n += 1.0;
            }
        }
    }
    let fitted: Vec<String> = sums.iter().map(|[x, y]| format!("({:.3}, {:.3})", x / n, y / n)).collect();
    println!("{n} faces; MEAN_LANDMARKS_IN_BOX = [{}]", fitted.join(", "));
    assert!(n > 20.0);
}

/// `detect_faces_in_view` (the web app's entry: the browser has scaled the photo down already) gives the faces
/// `detect_faces` gives on the full photo when the view is the one `detect_faces` makes itself: same boxes and
/// landmarks, in the full photo's coordinates; an empty view is a typed error, not a panic.
#[test]
fn faces_found_in_a_scaled_view_are_the_full_photos_faces() {
    let mut pipeline = pipeline(DetectorKind::Yunet, EmbedderModel::EdgefaceXs, 640);
    for rel in ["groups/scientists.jpg", "groups/office2.jpg", "gallery/AJOLIE-001_fe3347c0.jpg"] {
        let image = load_rgb(&faces_dir().join(rel));
        let (view, _) = simface::decode::downscale_for_detection(&image, 640);
        let full = block_on(pipeline.detect_faces(&image)).unwrap();
        let in_view = block_on(pipeline.detect_faces_in_view(&view, image.dimensions())).unwrap();
        assert_eq!(full.len(), in_view.len(), "{rel}");
        for (a, b) in full.iter().zip(&in_view) {
            let apart = a.landmarks.iter().zip(&b.landmarks).map(|(p, q)| (p.x - q.x).abs().max((p.y - q.y).abs()));
            assert!(apart.fold(0f32, f32::max) < 1e-3, "{rel}: {:?} vs {:?}", a.landmarks, b.landmarks);
            assert!((a.bbox.x - b.bbox.x).abs() < 1e-3 && (a.bbox.width - b.bbox.width).abs() < 1e-3, "{rel}");
        }
    }
    let empty = image::RgbImage::new(0, 0);
    assert!(matches!(
        block_on(pipeline.detect_faces_in_view(&empty, (640, 480))),
        Err(simface::Error::CorruptImage(_))
    ));
}
