//! Liveness (presentation-attack detection) on real photos with the real models: minivision's samples (a live
//! face and two attacks) at the built-in threshold, the Python reference's probabilities on them, and every
//! shared portrait (live people photographed) passing as live.
// These tests run the native pipeline (files, ONNX Runtime); the wasm32 build has its browser tests in e2e/.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::*;
use simface::liveness::{DEFAULT_THRESHOLD, LivenessChecker};
use simface::runtime::RuntimeOptions;
use simface::{DetectorKind, EmbedderModel};

/// The real-class probability of the largest face of `rel` (under `faces/`).
fn real_probability(checker: &mut LivenessChecker, pipeline: &mut simface::FacePipeline, rel: &str) -> (f32, bool) {
    let image = load_rgb(&faces_dir().join(rel));
    let faces = block_on(pipeline.detect_faces(&image)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let face = faces.first().unwrap_or_else(|| panic!("{rel}: no face"));
    let liveness = block_on(checker.check(&image, face)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    println!(
        "{rel}: real {:.4} ({}) {}",
        liveness.real,
        liveness
            .models
            .iter()
            .map(|m| format!("{} {:.4}", m.model.name(), m.probabilities[1]))
            .collect::<Vec<_>>()
            .join(", "),
        if liveness.live { "live" } else { "ATTACK" }
    );
    (liveness.real, liveness.live)
}

fn setup() -> (LivenessChecker, simface::FacePipeline) {
    let pipeline = pipeline(DetectorKind::Yunet, EmbedderModel::EdgefaceXs, 640);
    let checker = LivenessChecker::from_dir(&models_dir(), RuntimeOptions::default()).expect("the liveness models");
    (checker, pipeline)
}

/// minivision's samples: T1 is a live face, F1 and F2 are a face shown to the camera on a photo or a screen.
/// The Python reference (OpenCV's YuNet box, the same crops, both models averaged; ../shared/README.md) gives
/// 1.00, 0.07 and 0.01; ours must be within 0.02 of each, and decide as the threshold says.
#[test]
fn the_live_sample_is_live_and_the_attacks_are_not() {
    let (mut checker, mut pipeline) = setup();
    for (rel, reference, live) in [
        ("antispoof/image_T1.jpg", 1.00, true),
        ("antispoof/image_F1.jpg", 0.07, false),
        ("antispoof/image_F2.jpg", 0.01, false),
    ] {
        let (real, decided) = real_probability(&mut checker, &mut pipeline, rel);
        assert!((real - reference).abs() <= 0.02, "{rel}: real {real:.4}, the Python reference {reference}");
        assert_eq!(decided, live, "{rel}: real {real:.4} at threshold {DEFAULT_THRESHOLD}");
    }
}

/// REGRESSION PIN: the gallery and probe portraits are photos of live people, but web photos, not camera
/// frames: at the built-in threshold (0.5, the real class holding the majority; chosen before looking at these
/// photos) 15 of the 16 pass and one is refused, THANKS-002 (a press photo in front of a printed backdrop
/// whose letters fill the 4× view: 0.05; the Python reference gives it 0.05 too). No threshold could pass it
/// and still refuse F1 (0.07). The false-reject rate over the shared portraits is therefore 1/16; this pins
/// it, and the README states it.
#[test]
fn regression_pin_fifteen_of_sixteen_portraits_pass_as_live() {
    let (mut checker, mut pipeline) = setup();
    let mut rejected = Vec::new();
    let mut lowest_passed = f32::MAX;
    for dir in ["gallery", "probe"] {
        for path in jpgs_in(&faces_dir().join(dir)) {
            let rel = format!("{dir}/{}", path.file_name().and_then(|n| n.to_str()).unwrap_or_default());
            let (real, live) = real_probability(&mut checker, &mut pipeline, &rel);
            if live {
                lowest_passed = lowest_passed.min(real);
            } else {
                rejected.push(rel);
            }
        }
    }
    println!("refused: {rejected:?}; lowest real-class probability of the others: {lowest_passed:.4}");
    assert_eq!(rejected, ["gallery/THANKS-002_f6b26479.jpg"]);
}

/// A photo turned by a quarter, a half or three quarters (its EXIF orientation lost, or a camera held
/// sideways) gets the upright photo's liveness: the face is found at its turn and its crops are turned upright
/// before the models see them (a live face lying on its side reads as an attack otherwise). Within 0.02 (the
/// parity bound against the Python reference): the region's corners are cut to whole pixels in the photo as
/// it is, so a turned photo's region can be a pixel off the upright one's, and these models notice.
#[test]
fn quarter_turned_samples_keep_their_liveness() {
    let (mut checker, mut pipeline) = setup();
    for rel in ["antispoof/image_T1.jpg", "antispoof/image_F1.jpg"] {
        let image = load_rgb(&faces_dir().join(rel));
        let face = block_on(pipeline.detect_faces(&image)).expect("detect").remove(0);
        let upright = block_on(checker.check(&image, &face)).expect("liveness");
        for turn in [simface::Turn::Quarter, simface::Turn::Half, simface::Turn::ThreeQuarters] {
            let turned = turn.apply(&image);
            let face = block_on(pipeline.detect_faces(&turned)).expect("detect").remove(0);
            let l = block_on(checker.check(&turned, &face)).expect("liveness");
            println!(
                "{rel} turned {}°: real {:.4} (upright {:.4}), found at {}°",
                turn.degrees(),
                l.real,
                upright.real,
                face.turn.degrees()
            );
            assert_eq!(l.live, upright.live, "{rel} turned {}°: real {}", turn.degrees(), l.real);
            assert!(
                (l.real - upright.real).abs() <= 0.02,
                "{rel} turned {}°: real {} vs {}",
                turn.degrees(),
                l.real,
                upright.real
            );
        }
    }
}
