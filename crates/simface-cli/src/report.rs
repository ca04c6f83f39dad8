//! The JSON the commands print with `--json`, one type per output. Faces are the core's
//! [`FaceRecord`]/[`ImageRecord`], the shape the web app's "Download JSON" writes too, so one reader
//! handles both; the types here only add what a command knows beyond the faces (the detector, a verdict,
//! timings).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

use serde::Serialize;
use simface::eval::Metrics;
use simface::report::{FaceRecord, ImageRecord};
use simface::{DetectorKind, EmbedderModel};

/// Prints `value` as pretty JSON on standard output. A closed pipe (`simface … --json | head`) is an error
/// to report, not a panic as `println!` would make it.
pub fn print_json(value: &impl Serialize) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out).context("writing the report")?;
    Ok(())
}

/// A path as reports write it (lossy for names that are not UTF-8, which JSON cannot hold anyway).
pub fn file_name(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// `detect`: the faces of one image and the detector that found them.
#[derive(Serialize)]
pub struct DetectedImage {
    #[serde(flatten)]
    pub image: ImageRecord,
    pub detector: DetectorKind,
}

/// `align`: the crops written for one image.
#[derive(Serialize)]
pub struct AlignedImage {
    pub file: String,
    pub crops: Vec<PathBuf>,
}

/// `quality`: the faces of one image, each with the gate's verdict.
#[derive(Serialize)]
pub struct JudgedImage {
    pub file: String,
    pub width: u32,
    pub height: u32,
    pub detector: DetectorKind,
    pub faces: Vec<JudgedFace>,
}

/// A [`FaceRecord`] with its `quality` set, plus the verdict spelled out: whether it passes and, for
/// each issue, what to do. Still readable as a `FaceRecord` (the extra fields are ignored there).
#[derive(Serialize)]
pub struct JudgedFace {
    #[serde(flatten)]
    pub face: FaceRecord,
    pub passes: bool,
    pub advice: Vec<&'static str>,
}

/// `liveness`: the faces of one image, each with what the anti-spoofing models said.
#[derive(Serialize)]
pub struct LivenessImage {
    pub file: String,
    pub width: u32,
    pub height: u32,
    pub faces: Vec<LivenessFace>,
}

/// A [`FaceRecord`] with its `liveness` set (real-class probability, decision, threshold, each model's softmax)
/// and the time both models took, in ms. Still readable as a `FaceRecord`.
#[derive(Serialize)]
pub struct LivenessFace {
    #[serde(flatten)]
    pub face: FaceRecord,
    pub liveness_ms: f64,
}

/// `embed`: the largest face of one image with its embedding (`faces[0].embedding`, `faces[0].model`).
pub type EmbeddedImage = ImageRecord;

/// `compare`: the two faces and the decision.
#[derive(Serialize)]
pub struct Comparison {
    pub a: ComparedFace,
    pub b: ComparedFace,
    pub model: EmbedderModel,
    pub detector: DetectorKind,
    pub similarity: f32,
    pub threshold: f32,
    pub same_person: bool,
    pub confidence: f32,
    pub decision: String,
}

/// One side of a comparison: the file and the face of it that was compared.
#[derive(Serialize)]
pub struct ComparedFace {
    pub file: String,
    pub face: FaceRecord,
}

/// `eval`: accuracy over a list of pairs.
#[derive(Serialize)]
pub struct Evaluation {
    pub model: EmbedderModel,
    pub detector: DetectorKind,
    pub pairs: usize,
    pub pairs_skipped: usize,
    pub images_without_face: Vec<FileError>,
    /// None when the pairs are not both genuine and impostor ones.
    pub metrics: Option<Metrics>,
}

/// An image that gave no embedding, and why.
#[derive(Serialize)]
pub struct FileError {
    pub file: String,
    pub error: String,
}

/// `bench`: per-stage timings of every image.
#[derive(Serialize)]
pub struct Benchmark {
    pub model: EmbedderModel,
    pub detector: DetectorKind,
    /// `--threads`; None is ONNX Runtime's choice.
    pub threads: Option<usize>,
    pub runs: usize,
    pub results: Vec<BenchRow>,
}

/// The timings of one image. The field names are what `e2e/bench.mjs` reads.
#[derive(Serialize)]
pub struct BenchRow {
    pub file: String,
    /// `[width, height]` as decoded (after `--resize`).
    pub size: [u32; 2],
    pub faces: usize,
    pub decode_ms: Timing,
    pub detect_ms: Timing,
    pub align_ms: Timing,
    pub embed_ms: Timing,
    /// Detect + align + embed, measured as one span.
    pub pipeline_ms: Timing,
    /// With `--liveness`: both anti-spoofing models on the largest face (crops included).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub liveness_ms: Option<Timing>,
    /// With `--baseline` and YuNet: plain ONNX Runtime runs of the same models on the same inputs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plain_ort: Option<PlainOrt>,
    /// Present exactly when `plain_ort` is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratios: Option<Ratios>,
}

/// The plain ONNX Runtime baseline of one image.
#[derive(Serialize)]
pub struct PlainOrt {
    pub yunet_ms: Timing,
    /// `[width, height]` of YuNet's input tensor.
    pub yunet_input: [usize; 2],
    /// NaN (null in JSON) when no face was found, so nothing was embedded.
    pub embed_ms: Timing,
    pub embed_batch: usize,
}

/// The pipeline's medians over the plain runs' medians: the pipeline's overhead around the models.
#[derive(Serialize)]
pub struct Ratios {
    pub detect_vs_plain: f64,
    pub embed_vs_plain: f64,
    pub pipeline_vs_model_sum: f64,
}

/// Median and 90th percentile of one stage in milliseconds, written `[median, p90]` (the shape bench
/// reports have always had). NaN, written null, when there were no samples.
#[derive(Clone, Copy, Serialize)]
#[serde(into = "[f64; 2]")]
pub struct Timing {
    pub median: f64,
    pub p90: f64,
}

impl From<Timing> for [f64; 2] {
    fn from(t: Timing) -> Self {
        [t.median, t.p90]
    }
}
