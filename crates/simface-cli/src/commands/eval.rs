//! `simface eval`: verification accuracy over a CSV of labelled pairs.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, bail};
use simface::Embedding;
use simface::eval::{Metrics, ScoredPair, metrics};

use crate::GlobalOptions;
use crate::pipeline::load_image;
use crate::report::{Evaluation, FileError, print_json};

/// One row of the pairs CSV.
struct Pair {
    x: String,
    y: String,
    genuine: bool,
}

pub fn run(
    g: &GlobalOptions,
    pairs_csv: &Path,
    root: &Path,
    scores_out: Option<&Path>,
    threshold: Option<f32>,
) -> anyhow::Result<()> {
    // The CSV is read before the models are loaded, so a malformed file fails fast.
    let pairs = read_pairs(pairs_csv)?;
    let mut pipeline = g.pipeline()?;
    let model = pipeline.embedder_model();

    // Each file is embedded once, however many pairs it is in; a file without a face skips its pairs.
    let mut embeddings: HashMap<&str, Option<Embedding>> = HashMap::new();
    let mut failures: Vec<FileError> = Vec::new();
    for file in pairs.iter().flat_map(|p| [p.x.as_str(), p.y.as_str()]) {
        if embeddings.contains_key(file) {
            continue;
        }
        let result =
            load_image(&root.join(file)).and_then(|image| Ok(pollster::block_on(pipeline.embed_face(&image, 0))?));
        match result {
            Ok(face) => {
                embeddings.insert(file, Some(face.embedding));
            }
            Err(e) => {
                failures.push(FileError { file: file.to_string(), error: format!("{e:#}") });
                embeddings.insert(file, None);
            }
        }
    }

    let threshold = threshold.unwrap_or_else(|| model.threshold());
    let mut scored = Vec::new();
    let mut scores: Vec<Option<f32>> = Vec::new();
    for pair in &pairs {
        let embedded = |file: &str| embeddings.get(file).and_then(Option::as_ref);
        let score = match (embedded(&pair.x), embedded(&pair.y)) {
            (Some(ex), Some(ey)) => Some(simface::cosine_similarity(ex, ey)?),
            _ => None,
        };
        if let Some(score) = score {
            scored.push(ScoredPair { score, genuine: pair.genuine });
        }
        scores.push(score);
    }
    if let Some(out) = scores_out {
        write_scores(out, &pairs, &scores)?;
    }
    let skipped = pairs.len() - scored.len();
    let m = metrics(&scored, threshold);
    if g.json {
        return print_json(&Evaluation {
            model,
            detector: g.detector,
            pairs: pairs.len(),
            pairs_skipped: skipped,
            images_without_face: failures,
            metrics: m,
        });
    }
    println!(
        "{} pairs ({} scored, {} skipped), model {}, detector {}",
        pairs.len(),
        scored.len(),
        skipped,
        model.name(),
        g.detector
    );
    for f in &failures {
        println!("  no embedding: {}: {}", f.file, f.error);
    }
    match m {
        None => println!("need both genuine and impostor pairs for metrics"),
        Some(m) => print_metrics(&m),
    }
    Ok(())
}

/// The pairs of a CSV with the columns file_x, file_y and Decision (Yes/No, 1/0 or true/false), in any
/// order and case.
fn read_pairs(pairs_csv: &Path) -> anyhow::Result<Vec<Pair>> {
    let mut reader = csv::Reader::from_path(pairs_csv).with_context(|| format!("reading {}", pairs_csv.display()))?;
    let headers = reader.headers()?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
            .with_context(|| format!("{} has no column {name} (expected file_x,file_y,Decision)", pairs_csv.display()))
    };
    let (cx, cy, cd) = (col("file_x")?, col("file_y")?, col("Decision")?);
    let mut pairs = Vec::new();
    for (line, record) in reader.records().enumerate() {
        let record = record?;
        let field = |i: usize| record.get(i).map(str::trim).unwrap_or_default().to_string();
        let genuine = match field(cd).to_ascii_lowercase().as_str() {
            "yes" | "1" | "true" => true,
            "no" | "0" | "false" => false,
            other => bail!("{} line {}: Decision must be Yes or No, not {other:?}", pairs_csv.display(), line + 2),
        };
        pairs.push(Pair { x: field(cx), y: field(cy), genuine });
    }
    Ok(pairs)
}

/// Every pair with its score (empty for a skipped pair), as CSV.
fn write_scores(out: &Path, pairs: &[Pair], scores: &[Option<f32>]) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_path(out).with_context(|| format!("writing {}", out.display()))?;
    w.write_record(["file_x", "file_y", "Decision", "score"])?;
    for (pair, score) in pairs.iter().zip(scores) {
        let score = score.map(|s| format!("{s:.6}")).unwrap_or_default();
        let decision = if pair.genuine { "Yes" } else { "No" };
        w.write_record([pair.x.as_str(), pair.y.as_str(), decision, score.as_str()])?;
    }
    w.flush()?;
    Ok(())
}

fn print_metrics(m: &Metrics) {
    println!("  genuine {} / impostor {}", m.genuine_pairs, m.impostor_pairs);
    println!("  AUC                    {:.4}", m.auc);
    println!("  accuracy @ {:.3}        {:.2} %", m.threshold, m.accuracy_at_threshold * 100.0);
    println!("  best accuracy          {:.2} % @ {:.3}", m.best_accuracy * 100.0, m.best_threshold);
    println!("  TAR @ FAR 1e-2         {:.2} %", m.tar_at_far_1e2 * 100.0);
    println!("  TAR @ FAR 1e-3         {:.2} %", m.tar_at_far_1e3 * 100.0);
    println!("  lowest genuine {:.4}, highest impostor {:.4}", m.min_genuine, m.max_impostor);
    println!(
        "  genuine mean {:.4}; impostor mean {:.4} ± {:.4} (the threshold is {:.1} σ above it)",
        m.genuine_mean,
        m.impostor_mean,
        m.impostor_std,
        (m.threshold - m.impostor_mean) / m.impostor_std
    );
}
