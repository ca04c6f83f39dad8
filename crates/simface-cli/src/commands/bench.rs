//! `simface bench`: per-stage timings (median and p90) of the pipeline on the given images, optionally next
//! to plain ONNX Runtime runs of the same models (`--baseline`). The text table and the JSON are printed
//! from the same [`Benchmark`].

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use simface::embed::preprocess;
use simface::liveness::LivenessChecker;
use simface::models::read_model_file;
use simface::pipeline::AnyDetector;
use simface::runtime::PlainSession;
use simface::{DetectorKind, FacePipeline, decode_image};

use crate::GlobalOptions;
use crate::pipeline::load_image;
use crate::report::{BenchRow, Benchmark, PlainOrt, Ratios, Timing, file_name, print_json};

pub fn run(
    g: &GlobalOptions,
    images: &[PathBuf],
    runs: usize,
    (resize, rotate): (Option<&str>, Option<f32>),
    baseline: bool,
    liveness: bool,
) -> anyhow::Result<()> {
    let size = resize.map(parse_size).transpose()?;
    let runs = runs.max(1);
    let mut pipeline = g.pipeline()?;
    let model = pipeline.embedder_model();
    // Plain sessions of the same models with the same options, run on the very tensors the pipeline
    // builds, interleaved with the pipeline's runs so that drift on a busy machine hits both alike.
    let mut plain = if baseline && g.detector == DetectorKind::Yunet {
        let dir = g.models_dir()?;
        Some(PlainSessions {
            yunet: PlainSession::new(&read_model_file(&dir, DetectorKind::Yunet.file_name())?, g.runtime())?,
            embedder: PlainSession::new(&read_model_file(&dir, model.file_name())?, g.runtime())?,
        })
    } else {
        None
    };
    let mut checker = if liveness { Some(g.liveness_checker()?) } else { None };
    let mut results = Vec::new();
    for path in images {
        let bytes = input_bytes(path, size, rotate)?;
        results.push(bench_image(&mut pipeline, plain.as_mut(), checker.as_mut(), path, &bytes, runs)?);
    }
    let report = Benchmark { model, detector: g.detector, threads: g.threads, runs, results };
    if g.json { print_json(&report) } else { print_table(&report) }
}

/// `WIDTHxHEIGHT`.
fn parse_size(s: &str) -> anyhow::Result<(u32, u32)> {
    let usage = || format!("--resize takes WIDTHxHEIGHT, for example 640x480, not {s:?}");
    let (w, h) = s.split_once('x').with_context(usage)?;
    Ok((w.parse().with_context(usage)?, h.parse().with_context(usage)?))
}

/// The file's bytes, or with `--resize` / `--rotate` the resized and rotated photo re-encoded as JPEG
/// (quality 90), so that decoding is measured on a file of that size too.
fn input_bytes(path: &Path, size: Option<(u32, u32)>, rotate: Option<f32>) -> anyhow::Result<Vec<u8>> {
    if size.is_none() && rotate.is_none() {
        return std::fs::read(path).with_context(|| format!("reading {}", path.display()));
    }
    let mut img = load_image(path)?;
    if let Some((w, h)) = size {
        img = image::imageops::resize(&img, w, h, image::imageops::FilterType::Triangle);
    }
    if let Some(degrees) = rotate {
        img = simface::detect::rotation::rotated_copy(&img, degrees);
    }
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90).encode_image(&img)?;
    Ok(jpeg)
}

/// The `--baseline` sessions: YuNet and the embedder, without the pipeline around them.
struct PlainSessions {
    yunet: PlainSession,
    embedder: PlainSession,
}

/// The samples of every stage over the measured runs of one image.
#[derive(Default)]
struct Samples {
    decode: Vec<Duration>,
    detect: Vec<Duration>,
    align: Vec<Duration>,
    embed: Vec<Duration>,
    /// Detect + align + embed as one span.
    pipeline: Vec<Duration>,
    plain_yunet: Vec<Duration>,
    plain_embed: Vec<Duration>,
    liveness: Vec<Duration>,
}

fn bench_image(
    pipeline: &mut FacePipeline,
    mut plain: Option<&mut PlainSessions>,
    mut checker: Option<&mut LivenessChecker>,
    path: &Path,
    bytes: &[u8],
    runs: usize,
) -> anyhow::Result<BenchRow> {
    let mut s = Samples::default();
    let (mut faces_found, mut yunet_input) = (0, [0, 0]);
    // One warm-up round, then the measured ones.
    for run in 0..=runs {
        let measured = run > 0;
        let start = Instant::now();
        let image = decode_image(bytes)?;
        let decode = start.elapsed();
        let start = Instant::now();
        let faces = pollster::block_on(pipeline.detect_faces(&image))?;
        let detect = start.elapsed();
        let crops = FacePipeline::align_faces(&image, &faces)?;
        let aligned = start.elapsed();
        pollster::block_on(pipeline.embed_faces(&crops))?;
        let total = start.elapsed();
        faces_found = faces.len();
        if let (Some(checker), Some(face)) = (checker.as_deref_mut(), faces.first()) {
            let start = Instant::now();
            pollster::block_on(checker.check(&image, face))?;
            if measured {
                s.liveness.push(start.elapsed());
            }
        }
        if measured {
            s.decode.push(decode);
            s.detect.push(detect);
            s.align.push(aligned - detect);
            s.embed.push(total - aligned);
            s.pipeline.push(total);
        }
        if let (Some(plain), AnyDetector::Yunet(yunet)) = (plain.as_deref_mut(), pipeline.detector()) {
            let input = yunet.input_tensor(&image);
            yunet_input = [input.shape()[3], input.shape()[2]];
            let t = plain.yunet.time_run(&input)?;
            let e = if crops.is_empty() { None } else { Some(plain.embedder.time_run(&preprocess(&crops)?)?) };
            if measured {
                s.plain_yunet.push(t);
                s.plain_embed.extend(e);
            }
        }
    }
    let image = decode_image(bytes)?;
    let mut row = BenchRow {
        file: file_name(path),
        size: [image.width(), image.height()],
        faces: faces_found,
        decode_ms: timing(&mut s.decode),
        detect_ms: timing(&mut s.detect),
        align_ms: timing(&mut s.align),
        embed_ms: timing(&mut s.embed),
        pipeline_ms: timing(&mut s.pipeline),
        liveness_ms: (!s.liveness.is_empty()).then(|| timing(&mut s.liveness)),
        plain_ort: None,
        ratios: None,
    };
    if !s.plain_yunet.is_empty() {
        let plain = PlainOrt {
            yunet_ms: timing(&mut s.plain_yunet),
            yunet_input,
            embed_ms: timing(&mut s.plain_embed),
            embed_batch: faces_found,
        };
        // No face, no embedding: the model sum is then YuNet's alone.
        let plain_embed = if s.plain_embed.is_empty() { 0.0 } else { plain.embed_ms.median };
        row.ratios = Some(Ratios {
            detect_vs_plain: row.detect_ms.median / plain.yunet_ms.median,
            embed_vs_plain: row.embed_ms.median / plain_embed,
            pipeline_vs_model_sum: row.pipeline_ms.median / (plain.yunet_ms.median + plain_embed),
        });
        row.plain_ort = Some(plain);
    }
    Ok(row)
}

/// Median and 90th percentile in milliseconds; NaN for no samples.
fn timing(samples: &mut [Duration]) -> Timing {
    if samples.is_empty() {
        return Timing { median: f64::NAN, p90: f64::NAN };
    }
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e3;
    Timing { median: at(0.5), p90: at(0.9) }
}

fn print_table(report: &Benchmark) -> anyhow::Result<()> {
    println!(
        "model {}, detector {}, threads {}, {} runs (median / p90 ms)",
        report.model,
        report.detector,
        report.threads.map_or("default".to_string(), |t| t.to_string()),
        report.runs
    );
    let t = |t: Timing| format!("{:8.2} / {:8.2}", t.median, t.p90);
    for r in &report.results {
        println!("{} {}×{} ({} faces)", r.file, r.size[0], r.size[1], r.faces);
        for (label, timing) in [
            ("decode", r.decode_ms),
            ("detect", r.detect_ms),
            ("align", r.align_ms),
            ("embed", r.embed_ms),
            ("pipeline (no decode)", r.pipeline_ms),
        ] {
            println!("  {label:<22}{}", t(timing));
        }
        if let Some(l) = r.liveness_ms {
            println!("  {:<22}{}", "liveness (2 models)", t(l));
        }
        if let Some(p) = &r.plain_ort {
            println!("  plain ORT yunet {}×{}  {}", p.yunet_input[0], p.yunet_input[1], t(p.yunet_ms));
            println!("  plain ORT embed ×{}    {}", p.embed_batch, t(p.embed_ms));
        }
        if let Some(ratio) = &r.ratios {
            println!(
                "  ratios: detect/plain {:.3}, embed/plain {:.3}, pipeline/(yunet+embed) {:.3}",
                ratio.detect_vs_plain, ratio.embed_vs_plain, ratio.pipeline_vs_model_sum
            );
        }
    }
    Ok(())
}
