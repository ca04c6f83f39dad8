//! Shared helpers of the integration tests: where the shared photos are, the golden reference
//! outputs, and pipelines built once per test binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use image::RgbImage;
use serde::Deserialize;
use simface::detect::{DetectorKind, Point};
use simface::{EmbedderModel, FacePipeline, PipelineConfig};

/// `../shared` beside the project, or `$SIMFACE_SHARED`.
pub fn shared_dir() -> PathBuf {
    match std::env::var_os("SIMFACE_SHARED") {
        Some(p) if !p.is_empty() => p.into(),
        _ => checkout_dir().join("../shared"),
    }
}

/// This checkout: the workspace root, where set-up puts the models and ONNX Runtime (these helpers are
/// shared by the root package's tests and the CLI crate's, so it is found from either).
pub fn checkout_dir() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.ancestors().find(|d| d.join("models/manifest.json").is_file()).unwrap_or(here).to_path_buf()
}

/// `models/` of the checkout (set-up copies and makes every model there).
pub fn models_dir() -> PathBuf {
    checkout_dir().join("models")
}

/// Points the core at the ONNX Runtime library set-up installs, unless `ORT_DYLIB_PATH` names another.
pub fn init_runtime() {
    if std::env::var_os("ORT_DYLIB_PATH").is_none_or(|p| p.is_empty()) {
        simface::runtime::set_library_path(checkout_dir().join(".tools/lib/libonnxruntime.so"));
    }
}

pub fn faces_dir() -> PathBuf {
    shared_dir().join("faces")
}

pub fn load_rgb(path: &Path) -> RgbImage {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    simface::decode_image(&bytes).unwrap_or_else(|e| panic!("decoding {}: {e}", path.display()))
}

#[derive(Debug, Deserialize)]
pub struct Golden {
    pub images: Vec<GoldenImage>,
}

#[derive(Debug, Deserialize)]
pub struct GoldenImage {
    /// Relative to `shared/`, for example `faces/probe/AJOLIE-013_95ecbd39.jpg`.
    pub file: String,
    pub size: [u32; 2],
    pub faces: Vec<GoldenFace>,
    #[serde(default)]
    pub emb: Option<std::collections::HashMap<String, Vec<f32>>>,
}

#[derive(Debug, Deserialize)]
pub struct GoldenFace {
    #[serde(rename = "box")]
    pub bbox: [f32; 4],
    pub landmarks: [[f32; 2]; 5],
    pub score: f32,
}

impl GoldenFace {
    pub fn points(&self) -> [Point; 5] {
        self.landmarks.map(|[x, y]| Point::new(x, y))
    }
}

impl GoldenImage {
    pub fn path(&self) -> PathBuf {
        shared_dir().join(&self.file)
    }

    /// `aligned/<folder>__<name>.png` of the reference pipeline.
    pub fn aligned_path(&self) -> PathBuf {
        let p = Path::new(&self.file);
        let folder =
            p.parent().and_then(|f| f.file_name()).map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
        let stem = p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        shared_dir().join("golden/aligned").join(format!("{folder}__{stem}.png"))
    }

    pub fn embedding(&self, model: EmbedderModel) -> Option<&[f32]> {
        self.emb.as_ref()?.get(model.name()).map(Vec::as_slice)
    }
}

pub fn golden() -> Golden {
    let path = shared_dir().join("golden/golden.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).expect("golden.json parses")
}

pub fn pipeline(detector: DetectorKind, embedder: EmbedderModel, max_side: u32) -> FacePipeline {
    let config = PipelineConfig { detector, embedder, ..PipelineConfig::default() }.with_max_side(max_side);
    init_runtime();
    FacePipeline::from_dir(&models_dir(), config).unwrap_or_else(|e| panic!("loading models (run `make setup`): {e}"))
}

/// SeetaFace's faces in `rgb` and, for each of them that YuNet also finds (box IoU ≥ 0.3), YuNet's five
/// landmarks as fractions of SeetaFace's box: what SeetaFace's mean landmark positions are fitted from.
pub fn landmarks_in_seeta_boxes(
    yunet: &mut FacePipeline,
    seeta: &mut FacePipeline,
    rgb: &RgbImage,
) -> (Vec<simface::Face>, Vec<[[f64; 2]; 5]>) {
    let y = block_on(yunet.detect_faces(rgb)).expect("yunet");
    let s = block_on(seeta.detect_faces(rgb)).expect("seeta");
    let relative = s
        .iter()
        .filter_map(|sf| {
            let yf = y.iter().max_by(|a, b| a.bbox.iou(&sf.bbox).total_cmp(&b.bbox.iou(&sf.bbox)))?;
            let b = sf.bbox;
            (yf.bbox.iou(&b) >= 0.3)
                .then(|| yf.landmarks.map(|p| [f64::from((p.x - b.x) / b.width), f64::from((p.y - b.y) / b.height)]))
        })
        .collect();
    (s, relative)
}

pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (na * nb)
}

pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    pollster::block_on(f)
}

pub fn jpgs_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("listing {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("jpg") || x.eq_ignore_ascii_case("jpeg")))
        .collect();
    files.sort();
    files
}

/// The person of a gallery/probe file: the first six characters of its name.
pub fn person(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().chars().take(6).collect()).unwrap_or_default()
}
