//! The `simface` binary end to end: JSON output of detect, compare, eval and quality on the shared photos.
// These tests run the native pipeline (files, ONNX Runtime); the wasm32 build has its browser tests in e2e/.
#![cfg(not(target_arch = "wasm32"))]

#[path = "../../../tests/common/mod.rs"]
mod common;

use std::process::Command;

use common::*;

fn simface(args: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_simface")).args(args).arg("--json").output().expect("simface runs");
    assert!(out.status.success(), "simface {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("valid JSON")
}

fn face(rel: &str) -> String {
    faces_dir().join(rel).to_string_lossy().into_owned()
}

#[test]
fn compare_says_same_person_for_a_gallery_probe_pair_and_different_for_two_people() {
    let same = simface(&["compare", &face("gallery/AJOLIE-001_fe3347c0.jpg"), &face("probe/AJOLIE-013_95ecbd39.jpg")]);
    assert_eq!(same["same_person"], true, "{same}");
    let different =
        simface(&["compare", &face("gallery/AJOLIE-001_fe3347c0.jpg"), &face("probe/BPITT1-003_7a6b2156.jpg")]);
    assert_eq!(different["same_person"], false, "{different}");
    assert!(same["similarity"].as_f64() > different["similarity"].as_f64());
}

#[test]
fn detect_draws_and_reports_every_face_of_a_group_photo() {
    let out = std::env::temp_dir().join(format!("simface-cli-draw-{}.png", std::process::id()));
    let report = simface(&["detect", &face("groups/office4.jpg"), "--draw", &out.to_string_lossy()]);
    assert_eq!(report[0]["faces"].as_array().map(Vec::len), Some(12), "{report}");
    let drawn = image::open(&out).expect("the drawing is a PNG").to_rgb8();
    assert_eq!(drawn.dimensions(), (615, 407));
    let _ = std::fs::remove_file(out);
}

#[test]
fn eval_reports_perfect_separation_on_the_shared_pairs_and_writes_scores() {
    let pairs = checkout_dir().join("tests/data/shared_pairs.csv");
    let scores = std::env::temp_dir().join(format!("simface-cli-scores-{}.csv", std::process::id()));
    let root = faces_dir();
    let report = simface(&[
        "eval",
        &pairs.to_string_lossy(),
        "--root",
        &root.to_string_lossy(),
        "--scores",
        &scores.to_string_lossy(),
        "--model",
        "xxs",
    ]);
    let m = &report["metrics"];
    assert_eq!(m["auc"], 1.0, "{report}");
    assert_eq!(m["accuracy_at_threshold"], 1.0);
    assert_eq!(report["pairs"], 120);
    let written = std::fs::read_to_string(&scores).expect("scores CSV written");
    assert_eq!(written.lines().count(), 121);
    let _ = std::fs::remove_file(scores);
}

#[test]
fn a_photo_without_a_face_is_a_clear_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_simface"))
        .args(["compare", &face("simface/royalty_free_flower.jpg"), &face("simface/royalty_free_good_face.jpg")])
        .output()
        .expect("simface runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("royalty_free_flower.jpg") && stderr.contains("no face was found"), "{stderr}");
}

#[test]
fn quality_passes_the_good_portrait_and_reports_every_measure_of_every_face() {
    let report = simface(&["quality", &face("simface/royalty_free_good_face.jpg"), &face("groups/office4.jpg")]);
    let good = &report[0]["faces"][0];
    assert_eq!(good["passes"], true, "{report}");
    assert_eq!(good["advice"], serde_json::json!([]));
    let q = &good["quality"];
    assert!(q["score"].as_f64().is_some_and(|s| (0.5..=1.0).contains(&s)), "{q}");
    for key in ["face_px", "sharpness", "brightness", "contrast"] {
        assert!(q[key].as_f64().is_some_and(|v| v > 0.0), "{key}: {q}");
    }
    for key in ["yaw", "pitch", "roll"] {
        assert!(q["pose"][key].is_number(), "{key}: {q}");
    }
    let group = report[1]["faces"].as_array().expect("faces");
    assert_eq!(group.len(), 12, "{report}");
    // Each face's advice is its issues in words; every face of this group photo is under 64 px.
    for f in group {
        assert_eq!(f["quality"]["issues"][0], "too_small", "{f}");
        assert_eq!(f["advice"][0], "move closer");
        assert_eq!(f["advice"].as_array().map(Vec::len), f["quality"]["issues"].as_array().map(Vec::len));
        assert_eq!(f["passes"], f["quality"]["issues"].as_array().is_some_and(|i| i.is_empty()));
    }
}
