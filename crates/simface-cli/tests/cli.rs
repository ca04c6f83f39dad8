//! The `simface` binary end to end: the JSON of every command on the shared photos (faces in the core's
//! `FaceRecord` shape), and finding the models and ONNX Runtime when the binary is not in the checkout.
// These tests run the native pipeline (files, ONNX Runtime); the wasm32 build has its browser tests in e2e/.
#![cfg(not(target_arch = "wasm32"))]

#[path = "../../../tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;
use serde_json::Value;

/// The built binary, pointed at the checkout's models and ONNX Runtime explicitly (unless the caller's
/// environment names another library), so these tests do not depend on where the target directory is.
fn simface_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_simface"));
    command.env("SIMFACE_MODELS", models_dir());
    if std::env::var_os("ORT_DYLIB_PATH").is_none_or(|p| p.is_empty()) {
        command.env("ORT_DYLIB_PATH", ort_library());
    }
    command
}

fn simface(args: &[&str]) -> Value {
    let out = simface_command().args(args).arg("--json").output().expect("simface runs");
    json_of(args, &out)
}

fn json_of(args: &[&str], out: &Output) -> Value {
    assert!(out.status.success(), "simface {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("valid JSON")
}

fn face(rel: &str) -> String {
    faces_dir().join(rel).to_string_lossy().into_owned()
}

/// The library `make setup` installs.
fn ort_library() -> PathBuf {
    checkout_dir().join(".tools/lib/libonnxruntime.so")
}

/// A fresh directory under the system's temporary directory (outside the checkout, so that nothing is found
/// by walking up from it), removed when dropped. Canonical, as the binary sees its own path.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("simface-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self(dir.canonicalize().expect("canonical temp dir"))
    }

    fn dir(&self, rel: &str) -> PathBuf {
        let dir = self.0.join(rel);
        std::fs::create_dir_all(&dir).expect("mkdir");
        dir
    }

    /// The built binary at `rel`: hard-linked where possible, since a copy just written can still be open
    /// in a child that another test thread is forking (then running it fails with "text file busy").
    fn binary(&self, rel: &str) -> PathBuf {
        let to = self.0.join(rel);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        let from = env!("CARGO_BIN_EXE_simface");
        if std::fs::hard_link(from, &to).is_err() {
            std::fs::copy(from, &to).expect("copying the binary");
        }
        to
    }

    /// Links `rel` to `target` (an absolute path).
    fn link(&self, rel: &str, target: &Path) {
        let at = self.0.join(rel);
        std::fs::create_dir_all(at.parent().expect("parent")).expect("mkdir");
        std::os::unix::fs::symlink(target, at).expect("symlink");
    }

    /// A models directory at `rel` with links to the files YuNet + EdgeFace-XS need.
    fn models(&self, rel: &str) {
        for file in [simface::DetectorKind::Yunet.file_name(), simface::EmbedderModel::EdgefaceXs.file_name()] {
            self.link(&format!("{rel}/{file}"), &models_dir().join(file));
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `exe` from another directory with neither lookup variable set.
fn run_elsewhere(exe: &Path, cwd: &Path, args: &[&str]) -> Output {
    Command::new(exe)
        .args(args)
        .current_dir(cwd)
        .env_remove("ORT_DYLIB_PATH")
        .env_remove("SIMFACE_MODELS")
        .output()
        .expect("simface runs")
}

fn same_person_pair() -> [String; 2] {
    [face("gallery/AJOLIE-001_fe3347c0.jpg"), face("probe/AJOLIE-013_95ecbd39.jpg")]
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

/// A photo upside down (its EXIF orientation lost) is still the same person: the face is found with the image
/// turned 180° and the report says so; `--upright-only` shows what an upright-only detector makes of it.
#[test]
fn compare_finds_an_upside_down_face_and_reports_its_rotation() {
    let [a, b] = same_person_pair();
    let turned = std::env::temp_dir().join(format!("simface-upside-down-{}.png", std::process::id()));
    image::imageops::rotate180(&image::open(&b).expect("the probe decodes").to_rgb8()).save(&turned).expect("saved");
    let turned = turned.to_string_lossy().to_string();
    let report = simface(&["compare", &a, &turned]);
    let upright_only = simface(&["compare", &a, &turned, "--upright-only"]);
    let _ = std::fs::remove_file(&turned);
    assert_eq!(report["same_person"], true, "{report}");
    assert_eq!(report["b"]["face"]["rotation"], 180, "{report}");
    assert_eq!(report["a"]["face"]["rotation"], 0, "{report}");
    assert_eq!(upright_only["same_person"], false, "{upright_only}");
    assert_eq!(upright_only["b"]["face"]["rotation"], 0, "{upright_only}");
}

#[test]
fn compare_reports_both_faces_as_face_records_with_the_model_and_detector() {
    let [a, b] = same_person_pair();
    let report = simface(&["compare", &a, &b, "--model", "xxs"]);
    assert_eq!(report["model"], "edgeface_xxs", "{report}");
    assert_eq!(report["detector"], "yunet");
    assert_eq!(report["a"]["file"], a.as_str());
    let face: simface::report::FaceRecord =
        serde_json::from_value(report["b"]["face"].clone()).expect("b.face is a FaceRecord");
    assert_eq!(face.index, 0);
    assert!(face.bbox.width > 0.0 && face.bbox.height > 0.0, "{report}");
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
fn detect_json_is_the_cores_image_record_with_bbox_objects_and_point_landmarks() {
    let path = face("simface/royalty_free_good_face.jpg");
    let report = simface(&["detect", &path, "--detector", "seeta"]);
    let first = &report[0];
    assert_eq!(first["detector"], "seeta", "{report}");
    let face = &first["faces"][0];
    assert!(face.get("box").is_none(), "the old array key is gone: {face}");
    for key in ["x", "y", "width", "height"] {
        assert!(face["bbox"][key].is_number(), "bbox.{key}: {face}");
    }
    assert!(face["landmarks"][0]["x"].is_number() && face["landmarks"][4]["y"].is_number(), "{face}");
    assert_eq!(face["landmark_source"], "from_box");
    let record: simface::report::ImageRecord =
        serde_json::from_value(first.clone()).expect("an ImageRecord (detector is an extra field)");
    assert_eq!(record.file, path);
    assert_eq!((record.width, record.height), (1023, 1024));
    assert_eq!(record.faces.len(), 1);
}

#[test]
fn embed_json_holds_the_largest_face_with_its_model_and_unit_embedding() {
    let report = simface(&["embed", &face("probe/AJOLIE-013_95ecbd39.jpg"), "--model", "edgeface_xxs"]);
    let record: simface::report::ImageRecord =
        serde_json::from_value(report[0].clone()).expect("embed writes ImageRecords");
    assert_eq!(record.faces.len(), 1, "{report}");
    let face = &record.faces[0];
    assert_eq!(face.model, Some(simface::EmbedderModel::EdgefaceXxs));
    let embedding = face.embedding.as_ref().expect("an embedding").as_slice();
    assert_eq!(embedding.len(), 512);
    let norm = embedding.iter().map(|v| v * v).sum::<f32>().sqrt();
    assert!((norm - 1.0).abs() < 1e-3, "norm {norm}");
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
    assert_eq!(report["model"], "edgeface_xxs");
    let written = std::fs::read_to_string(&scores).expect("scores CSV written");
    assert_eq!(written.lines().count(), 121);
    let _ = std::fs::remove_file(scores);
}

#[test]
fn a_photo_without_a_face_is_a_clear_error() {
    let out = simface_command()
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
    assert!(good["bbox"]["width"].is_number(), "a quality face is a FaceRecord too: {good}");
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

/// `simface liveness`: minivision's live sample is live and its two attacks are not, each face a FaceRecord
/// with the averaged real-class probability, the decision, the threshold, what each model said and the time;
/// `--crops` writes each face's two 80×80 model inputs.
#[test]
fn liveness_tells_the_live_sample_from_the_two_attacks() {
    let crops = std::env::temp_dir().join(format!("simface-liveness-crops-{}", std::process::id()));
    let samples = ["antispoof/image_T1.jpg", "antispoof/image_F1.jpg", "antispoof/image_F2.jpg"].map(face);
    let crops_arg = crops.to_string_lossy().into_owned();
    let report = simface(&["liveness", &samples[0], &samples[1], &samples[2], "--crops", &crops_arg]);
    for (i, live) in [true, false, false].into_iter().enumerate() {
        let f = &report[i]["faces"][0];
        let l = &f["liveness"];
        assert_eq!(l["live"], live, "{}: {f}", samples[i]);
        assert_eq!(l["threshold"], 0.5);
        let real = l["real"].as_f64().expect("real");
        assert_eq!(live, real >= 0.5, "{f}");
        let models: Vec<&str> =
            l["models"].as_array().expect("models").iter().filter_map(|m| m["model"].as_str()).collect();
        assert_eq!(models, ["minifasnet_v2", "minifasnet_v1se"]);
        let mean =
            l["models"].as_array().expect("models").iter().filter_map(|m| m["probabilities"][1].as_f64()).sum::<f64>()
                / 2.0;
        assert!((mean - real).abs() < 1e-6, "real is the two models' mean: {l}");
        assert!(f["bbox"]["width"].is_number() && f["liveness_ms"].as_f64().is_some_and(|ms| ms > 0.0), "{f}");
    }
    for model in ["minifasnet_v2", "minifasnet_v1se"] {
        let png = image::open(crops.join(format!("image_T1_0_{model}.png"))).expect("the crop");
        assert_eq!((png.width(), png.height()), (80, 80));
    }
    let _ = std::fs::remove_dir_all(&crops);
    // `detect --liveness` puts the same field in detect's face records, and only when asked.
    let detected = simface(&["detect", "--liveness", &samples[1]]);
    assert_eq!(detected[0]["faces"][0]["liveness"], report[1]["faces"][0]["liveness"], "{detected}");
    assert!(simface(&["detect", &samples[1]])[0]["faces"][0].get("liveness").is_none());
}

#[test]
fn bench_json_has_every_stage_as_median_and_p90_and_the_plain_baseline() {
    let report = simface(&[
        "bench",
        "--threads",
        "1",
        "--baseline",
        "--liveness",
        "--runs",
        "2",
        "--resize",
        "320x240",
        &face("simface/royalty_free_good_face.jpg"),
    ]);
    assert_eq!(report["runs"], 2, "{report}");
    assert_eq!(report["threads"], 1);
    let row = &report["results"][0];
    assert_eq!(row["size"], serde_json::json!([320, 240]), "{row}");
    assert_eq!(row["faces"], 1);
    for key in ["decode_ms", "detect_ms", "align_ms", "embed_ms", "pipeline_ms", "liveness_ms"] {
        let t = row[key].as_array().expect("[median, p90]");
        assert!(t.len() == 2 && t.iter().all(|v| v.as_f64().is_some_and(|v| v >= 0.0)), "{key}: {row}");
    }
    assert_eq!(row["plain_ort"]["embed_batch"], 1, "{row}");
    assert!(row["plain_ort"]["yunet_ms"][0].is_number(), "{row}");
    assert!(row["ratios"]["pipeline_vs_model_sum"].is_number(), "{row}");
}

#[test]
fn a_copied_binary_finds_models_and_onnx_runtime_beside_itself_from_another_directory() {
    let s = Scratch::new("beside");
    let exe = s.binary("app/simface");
    s.models("app/models");
    s.link("app/libonnxruntime.so", &ort_library());
    let [a, b] = same_person_pair();
    let args = ["compare", &a, &b, "--json"];
    let report = json_of(&args, &run_elsewhere(&exe, &s.dir("elsewhere"), &args));
    assert_eq!(report["same_person"], true, "{report}");
}

#[test]
fn an_installed_binary_finds_models_in_share_and_onnx_runtime_in_lib_of_its_prefix() {
    let s = Scratch::new("prefix");
    let exe = s.binary("prefix/bin/simface");
    s.models("prefix/share/simface/models");
    s.link("prefix/lib/libonnxruntime.so", &ort_library());
    let [a, b] = same_person_pair();
    let args = ["compare", &a, &b, "--json"];
    let report = json_of(&args, &run_elsewhere(&exe, &s.dir("elsewhere"), &args));
    assert_eq!(report["same_person"], true, "{report}");
}

#[test]
fn with_nothing_findable_the_error_names_both_missing_things_every_place_looked_and_the_fix() {
    let s = Scratch::new("alone");
    let exe = s.binary("alone/simface");
    let dir = exe.parent().expect("dir").to_path_buf();
    let out = Command::new(&exe)
        .args(["detect", &face("simface/royalty_free_good_face.jpg")])
        .current_dir(&dir)
        .env_clear()
        .output()
        .expect("simface runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let at = |rel: &str| dir.join(rel).display().to_string();
    for expected in [
        "the models directory was not found",
        "--models (not given)",
        "$SIMFACE_MODELS (not set)",
        &at("models"),
        &at("../share/simface/models"),
        &format!("models/manifest.json in {} and every directory above it", dir.display()),
        "pass --models DIR or set SIMFACE_MODELS=DIR",
        "ONNX Runtime was not found",
        "--ort-lib (not given)",
        "$ORT_DYLIB_PATH (not set)",
        &at("libonnxruntime.so"),
        &at("lib/libonnxruntime.so"),
        &at("../lib/libonnxruntime.so"),
        &format!(".tools/lib/libonnxruntime.so in {} and every directory above it", dir.display()),
        "pass --ort-lib PATH or set ORT_DYLIB_PATH=PATH",
    ] {
        assert!(stderr.contains(expected), "{expected:?} missing from: {stderr}");
    }
}

#[test]
fn a_models_option_naming_no_directory_is_an_error_naming_it() {
    let out = simface_command()
        .args(["--models", "/nonexistent/simface-models", "detect", &face("simface/royalty_free_good_face.jpg")])
        .output()
        .expect("simface runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the models directory was not found at /nonexistent/simface-models (from --models)"),
        "{stderr}"
    );
}
