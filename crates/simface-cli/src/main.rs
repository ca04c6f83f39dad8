//! `simface`: the face pipeline on files, natively. Human-readable output by default, JSON with `--json`.
//!
//! This file holds the command line (clap) and the dispatch; each command is in `commands/`, its JSON in
//! `report.rs`, and where the models and ONNX Runtime are found in `locate.rs`. The CLI is native only
//! (the Makefile's wasm32 clippy run excludes it).

mod commands;
mod locate;
mod pipeline;
mod report;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};
use simface::{DetectorKind, EmbedderModel};

#[derive(Parser)]
#[command(
    name = "simface",
    version,
    about = "Face detection and verification with YuNet/SeetaFace and EdgeFace",
    after_help = "Where the files are found (first found wins):\n  \
        models:       --models DIR, $SIMFACE_MODELS, models/ beside the executable,\n                \
        ../share/simface/models from the executable's directory, models/ of a checkout above it\n  \
        ONNX Runtime: --ort-lib PATH, $ORT_DYLIB_PATH, libonnxruntime.so beside the executable, in lib/\n                \
        beside it or in ../lib from it, .tools/lib/libonnxruntime.so of a checkout above it"
)]
struct Cli {
    #[command(flatten)]
    global: GlobalOptions,
    #[command(subcommand)]
    command: Command,
}

/// The options every command takes.
#[derive(Args, Clone)]
struct GlobalOptions {
    /// Directory holding the model files (default: $SIMFACE_MODELS, else models/ beside the executable,
    /// else ../share/simface/models from it, else models/ of the checkout it was built in).
    #[arg(long, global = true, value_name = "DIR")]
    models: Option<PathBuf>,
    /// ONNX Runtime's shared library (default: $ORT_DYLIB_PATH, else libonnxruntime.so beside the
    /// executable, in lib/ beside it or in ../lib from it, else .tools/lib/ of the checkout it was built in).
    #[arg(long, global = true, value_name = "PATH")]
    ort_lib: Option<PathBuf>,
    /// Recognition model (the full names, e.g. edgeface_xs, work too).
    #[arg(long, global = true, default_value = "xs", value_parser = embedder_parser())]
    model: EmbedderModel,
    /// Face detector.
    #[arg(long, global = true, default_value = "yunet", value_parser = detector_parser())]
    detector: DetectorKind,
    /// Longer image side used for detection (larger finds smaller faces, slower).
    #[arg(long, global = true, default_value_t = 640)]
    max_side: u32,
    /// Detect upright faces only: no search at other angles when the upright pass finds no strong face (for
    /// comparisons; faces lying on their side or upside down are then missed or misplaced).
    #[arg(long, global = true)]
    upright_only: bool,
    /// ONNX Runtime intra-op threads (default: ONNX Runtime's choice).
    #[arg(long, global = true)]
    threads: Option<usize>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
}

/// The core's [`EmbedderModel`], parsed by its `FromStr`. The possible values come from the core's list
/// and labels from the manifest, so `--help` names every model the core has: the short names are shown
/// (`xs-int8`), the full ones (`edgeface_xs_int8`) accepted but hidden.
fn embedder_parser() -> impl TypedValueParser<Value = EmbedderModel> {
    let values = EmbedderModel::ALL.into_iter().flat_map(|m| {
        let short = m.name().trim_start_matches("edgeface_").replace('_', "-");
        [PossibleValue::new(short).help(m.entry().label.clone()), PossibleValue::new(m.name()).hide(true)]
    });
    PossibleValuesParser::new(values).try_map(|s| s.parse::<EmbedderModel>())
}

/// The core's [`DetectorKind`], parsed by its `FromStr`; the values listed in `--help` are the core's.
fn detector_parser() -> impl TypedValueParser<Value = DetectorKind> {
    let values = DetectorKind::ALL.into_iter().map(|d| PossibleValue::new(d.name()).help(d.entry().label.clone()));
    PossibleValuesParser::new(values).try_map(|s| s.parse::<DetectorKind>())
}

#[derive(Subcommand)]
enum Command {
    /// Find faces: boxes, five landmarks and scores.
    Detect(DetectArgs),
    /// Write the aligned 112×112 crop of every face as PNG.
    Align(AlignArgs),
    /// Judge whether each face is good enough to enrol: size, sharpness, light, head pose.
    Quality(QualityArgs),
    /// Whether each face is a live person or a photo or screen held up to the camera (presentation-attack
    /// detection: MiniFASNetV2 + MiniFASNetV1SE, live when the averaged real-class probability is ≥ 0.5).
    Liveness(LivenessArgs),
    /// Print the 512-d embedding of the largest face of each image (every face with --all).
    Embed(EmbedArgs),
    /// Compare the faces of two photos.
    Compare(CompareArgs),
    /// Verification accuracy over a CSV of pairs with header file_x,file_y,Decision (Yes/No).
    Eval(EvalArgs),
    /// Per-stage timings (median and p90) on the given images.
    Bench(BenchArgs),
}

#[derive(Args)]
struct DetectArgs {
    #[arg(required = true)]
    images: Vec<PathBuf>,
    /// Write the (first) image with boxes and landmarks drawn to this PNG.
    #[arg(long)]
    draw: Option<PathBuf>,
    /// Also check each face's liveness (the `liveness` field; see `simface liveness`).
    #[arg(long)]
    liveness: bool,
}

#[derive(Args)]
struct AlignArgs {
    image: PathBuf,
    /// Directory to write the crops to (created if missing).
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args)]
struct QualityArgs {
    #[arg(required = true)]
    images: Vec<PathBuf>,
}

#[derive(Args)]
struct LivenessArgs {
    #[arg(required = true)]
    images: Vec<PathBuf>,
    /// Write each face's two 80×80 model inputs as PNG to this directory (created if missing).
    #[arg(long)]
    crops: Option<PathBuf>,
}

#[derive(Args)]
struct EmbedArgs {
    #[arg(required = true)]
    images: Vec<PathBuf>,
    /// Embed every face of each image (largest first), not only the largest.
    #[arg(long)]
    all: bool,
}

#[derive(Args)]
struct CompareArgs {
    a: PathBuf,
    b: PathBuf,
    /// Which face of A to use (0 = largest).
    #[arg(long, default_value_t = 0)]
    face: usize,
    /// Which face of B to use (default: the same index as --face).
    #[arg(long)]
    face_b: Option<usize>,
    /// Decision threshold (default: the model's calibrated threshold).
    #[arg(long)]
    threshold: Option<f32>,
}

#[derive(Args)]
struct EvalArgs {
    pairs: PathBuf,
    /// Directory the CSV's file names are relative to.
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// Write every pair's score to this CSV.
    #[arg(long)]
    scores: Option<PathBuf>,
    /// Decision threshold for the accuracy (default: the model's calibrated threshold).
    #[arg(long)]
    threshold: Option<f32>,
}

#[derive(Args)]
struct BenchArgs {
    #[arg(required = true)]
    images: Vec<PathBuf>,
    /// Measured runs per image (after one warm-up run).
    #[arg(long, default_value_t = 30)]
    runs: usize,
    /// Resize each image to this WIDTHxHEIGHT first (for example 640x480).
    #[arg(long)]
    resize: Option<String>,
    /// Then rotate it clockwise by this many degrees (onto a canvas that holds all of it), as a photo taken
    /// with the camera held at that angle: what finding faces at any angle costs.
    #[arg(long, value_name = "DEGREES")]
    rotate: Option<f32>,
    /// Also time plain ONNX Runtime runs of the same models on the same inputs.
    #[arg(long)]
    baseline: bool,
    /// Also time the liveness check of the largest face (both anti-spoofing models; not part of the pipeline).
    #[arg(long)]
    liveness: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("simface: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let g = &cli.global;
    match cli.command {
        Command::Detect(a) => commands::detect::run(g, &a.images, a.draw.as_deref(), a.liveness),
        Command::Align(a) => commands::align::run(g, &a.image, &a.out),
        Command::Quality(a) => commands::quality::run(g, &a.images),
        Command::Liveness(a) => commands::liveness::run(g, &a.images, a.crops.as_deref()),
        Command::Embed(a) => commands::embed::run(g, &a.images, a.all),
        Command::Compare(a) => commands::compare::run(g, &a.a, &a.b, a.face, a.face_b.unwrap_or(a.face), a.threshold),
        Command::Eval(a) => commands::eval::run(g, &a.pairs, &a.root, a.scores.as_deref(), a.threshold),
        Command::Bench(a) => {
            commands::bench::run(g, &a.images, a.runs, (a.resize.as_deref(), a.rotate), a.baseline, a.liveness)
        }
    }
}
