//! `simface`: the face pipeline on files, natively. Human-readable output by default, JSON with `--json`.

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use std::collections::HashMap;
    use std::path::{Path, PathBuf};
    use std::process::ExitCode;
    use std::time::{Duration, Instant};

    use anyhow::{Context, Result, bail};
    use clap::{Args, Parser, Subcommand, ValueEnum};
    use image::{Rgb, RgbImage};
    use imageproc::drawing::{draw_filled_circle_mut, draw_hollow_rect_mut};
    use imageproc::rect::Rect;
    use serde_json::json;
    use simface::detect::{DetectorKind, Face};
    use simface::embed::preprocess;
    use simface::eval::{ScoredPair, metrics};
    use simface::matching::calibrated_threshold;
    use simface::models::read_model_file;
    use simface::pipeline::AnyDetector;
    use simface::quality::{Quality, QualityConfig, assess};
    use simface::runtime::{PlainSession, RuntimeOptions};
    use simface::{EmbedderModel, FacePipeline, PipelineConfig, decode_image, verification_score};

    #[derive(Parser)]
    #[command(name = "simface", version, about = "Face detection and verification with YuNet/SeetaFace and EdgeFace")]
    struct Cli {
        #[command(flatten)]
        common: Common,
        #[command(subcommand)]
        command: Command,
    }

    #[derive(Args, Clone)]
    struct Common {
        /// Directory holding the model files (default: the project's models/, filled by set-up).
        #[arg(long, global = true)]
        models: Option<PathBuf>,
        /// Recognition model.
        #[arg(long, global = true, value_enum, default_value_t = ModelArg::Xs)]
        model: ModelArg,
        /// Face detector.
        #[arg(long, global = true, value_enum, default_value_t = DetectorArg::Yunet)]
        detector: DetectorArg,
        /// Longer image side used for detection (larger finds smaller faces, slower).
        #[arg(long, global = true, default_value_t = 640)]
        max_side: u32,
        /// ONNX Runtime intra-op threads (default: ONNX Runtime's choice).
        #[arg(long, global = true)]
        threads: Option<usize>,
        /// Print JSON instead of text.
        #[arg(long, global = true)]
        json: bool,
    }

    #[derive(Copy, Clone, ValueEnum)]
    enum ModelArg {
        Xs,
        Xxs,
        /// EdgeFace-XS with int8 linears (made by set-up).
        XsInt8,
        /// EdgeFace-XXS with int8 linears (made by set-up).
        XxsInt8,
    }

    #[derive(Copy, Clone, ValueEnum)]
    enum DetectorArg {
        Yunet,
        Seeta,
    }

    #[derive(Subcommand)]
    enum Command {
        /// Find faces: boxes, five landmarks and scores.
        Detect {
            #[arg(required = true)]
            images: Vec<PathBuf>,
            /// Write the (first) image with boxes and landmarks drawn to this PNG.
            #[arg(long)]
            draw: Option<PathBuf>,
        },
        /// Write the aligned 112×112 crop of every face as PNG.
        Align {
            image: PathBuf,
            #[arg(long)]
            out: PathBuf,
        },
        /// Judge whether each face is good enough to enrol: size, sharpness, light, head pose.
        Quality {
            #[arg(required = true)]
            images: Vec<PathBuf>,
        },
        /// Print the 512-d embedding of the largest face of each image.
        Embed {
            #[arg(required = true)]
            images: Vec<PathBuf>,
        },
        /// Compare the faces of two photos.
        Compare {
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
        },
        /// Verification accuracy over a CSV of pairs with header file_x,file_y,Decision (Yes/No).
        Eval {
            pairs: PathBuf,
            /// Directory the CSV's file names are relative to.
            #[arg(long, default_value = ".")]
            root: PathBuf,
            /// Write every pair's score to this CSV.
            #[arg(long)]
            scores: Option<PathBuf>,
            #[arg(long)]
            threshold: Option<f32>,
        },
        /// Per-stage timings (median and p90) on the given images.
        Bench {
            #[arg(required = true)]
            images: Vec<PathBuf>,
            #[arg(long, default_value_t = 30)]
            runs: usize,
            /// Resize each image to this WIDTHxHEIGHT first (for example 640x480).
            #[arg(long)]
            resize: Option<String>,
            /// Also time plain ONNX Runtime runs of the same models on the same inputs.
            #[arg(long)]
            baseline: bool,
        },
    }

    pub fn main() -> ExitCode {
        let cli = Cli::parse();
        match run(cli) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("simface: {e:#}");
                ExitCode::FAILURE
            }
        }
    }

    fn run(cli: Cli) -> Result<()> {
        let c = cli.common;
        match cli.command {
            Command::Detect { images, draw } => detect(&c, &images, draw.as_deref()),
            Command::Align { image, out } => align(&c, &image, &out),
            Command::Quality { images } => quality(&c, &images),
            Command::Embed { images } => embed(&c, &images),
            Command::Compare { a, b, face, face_b, threshold } => {
                compare(&c, &a, &b, face, face_b.unwrap_or(face), threshold)
            }
            Command::Eval { pairs, root, scores, threshold } => eval(&c, &pairs, &root, scores.as_deref(), threshold),
            Command::Bench { images, runs, resize, baseline } => bench(&c, &images, runs, resize.as_deref(), baseline),
        }
    }

    impl Common {
        fn embedder(&self) -> EmbedderModel {
            match self.model {
                ModelArg::Xs => EmbedderModel::EdgefaceXs,
                ModelArg::Xxs => EmbedderModel::EdgefaceXxs,
                ModelArg::XsInt8 => EmbedderModel::EdgefaceXsInt8,
                ModelArg::XxsInt8 => EmbedderModel::EdgefaceXxsInt8,
            }
        }

        fn config(&self) -> PipelineConfig {
            let mut config = PipelineConfig {
                detector: match self.detector {
                    DetectorArg::Yunet => DetectorKind::Yunet,
                    DetectorArg::Seeta => DetectorKind::Seeta,
                },
                embedder: self.embedder(),
                runtime: RuntimeOptions { intra_threads: self.threads },
                ..PipelineConfig::default()
            };
            config.yunet.max_side = self.max_side;
            config.seeta.max_side = self.max_side;
            config
        }

        fn models_dir(&self) -> PathBuf {
            self.models.clone().unwrap_or_else(|| PathBuf::from("models"))
        }

        fn pipeline(&self) -> Result<FacePipeline> {
            FacePipeline::from_dir(&self.models_dir(), self.config()).context("loading the models")
        }
    }

    fn load(path: &Path) -> Result<RgbImage> {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        decode_image(&bytes).with_context(|| format!("{}", path.display()))
    }

    fn face_json(index: usize, f: &Face) -> serde_json::Value {
        json!({
            "index": index,
            "box": [f.bbox.x, f.bbox.y, f.bbox.width, f.bbox.height],
            "score": f.score,
            "landmarks": f.landmarks.iter().map(|p| [p.x, p.y]).collect::<Vec<_>>(),
            "landmark_source": f.landmark_source,
        })
    }

    fn print_json(value: &serde_json::Value) -> Result<()> {
        println!("{}", serde_json::to_string_pretty(value)?);
        Ok(())
    }

    fn detect(c: &Common, images: &[PathBuf], draw: Option<&Path>) -> Result<()> {
        let mut pipeline = c.pipeline()?;
        let mut report = Vec::new();
        for (n, path) in images.iter().enumerate() {
            let image = load(path)?;
            let faces = pollster::block_on(pipeline.detect_faces(&image))?;
            if n == 0
                && let Some(out) = draw
            {
                draw_faces(&image, &faces).save(out).with_context(|| format!("writing {}", out.display()))?;
            }
            if c.json {
                report.push(json!({
                    "file": path,
                    "width": image.width(),
                    "height": image.height(),
                    "detector": c.config().detector.name(),
                    "faces": faces.iter().enumerate().map(|(i, f)| face_json(i, f)).collect::<Vec<_>>(),
                }));
            } else {
                println!("{}: {}×{}, {} face(s)", path.display(), image.width(), image.height(), faces.len());
                for (i, f) in faces.iter().enumerate() {
                    let b = f.bbox;
                    let lm: Vec<String> = f.landmarks.iter().map(|p| format!("({:.1},{:.1})", p.x, p.y)).collect();
                    println!(
                        "  #{i} box x={:.1} y={:.1} w={:.1} h={:.1} score={:.3} landmarks {}",
                        b.x,
                        b.y,
                        b.width,
                        b.height,
                        f.score,
                        lm.join(" ")
                    );
                }
            }
        }
        if c.json {
            print_json(&json!(report))?;
        }
        Ok(())
    }

    /// The image with every face's box (green, the largest in yellow) and landmarks (red) drawn.
    fn draw_faces(image: &RgbImage, faces: &[Face]) -> RgbImage {
        let mut out = image.clone();
        let thickness = (image.width().max(image.height()) / 400).max(1) as i32;
        for (i, f) in faces.iter().enumerate() {
            let colour = if i == 0 { Rgb([255, 220, 0]) } else { Rgb([0, 220, 0]) };
            for t in 0..thickness {
                let w = (f.bbox.width as i32 - 2 * t).max(1) as u32;
                let h = (f.bbox.height as i32 - 2 * t).max(1) as u32;
                let rect = Rect::at(f.bbox.x as i32 + t, f.bbox.y as i32 + t).of_size(w, h);
                draw_hollow_rect_mut(&mut out, rect, colour);
            }
            for p in &f.landmarks {
                draw_filled_circle_mut(
                    &mut out,
                    (p.x.round() as i32, p.y.round() as i32),
                    thickness + 1,
                    Rgb([255, 0, 0]),
                );
            }
        }
        out
    }

    fn align(c: &Common, path: &Path, out: &Path) -> Result<()> {
        let mut pipeline = c.pipeline()?;
        let image = load(path)?;
        let faces = pollster::block_on(pipeline.detect_faces(&image))?;
        if faces.is_empty() {
            bail!("{}: {}", path.display(), simface::Error::NoFace);
        }
        let crops = FacePipeline::align_faces(&image, &faces)?;
        std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "face".into());
        let mut written = Vec::new();
        for (i, crop) in crops.iter().enumerate() {
            let file = out.join(format!("{stem}_face{i}.png"));
            crop.save(&file).with_context(|| format!("writing {}", file.display()))?;
            written.push(file);
        }
        if c.json {
            print_json(&json!({ "file": path, "crops": written }))?;
        } else {
            for f in &written {
                println!("{}", f.display());
            }
        }
        Ok(())
    }

    fn quality(c: &Common, images: &[PathBuf]) -> Result<()> {
        let mut pipeline = c.pipeline()?;
        let config = QualityConfig::default();
        let mut report = Vec::new();
        for path in images {
            let image = load(path)?;
            let faces = pollster::block_on(pipeline.detect_faces(&image))?;
            let crops = FacePipeline::align_faces(&image, &faces).with_context(|| format!("{}", path.display()))?;
            let judged: Vec<Quality> = faces.iter().zip(&crops).map(|(f, crop)| assess(f, crop, &config)).collect();
            if c.json {
                report.push(json!({
                    "file": path,
                    "width": image.width(),
                    "height": image.height(),
                    "detector": pipeline.detector_name(),
                    "faces": faces.iter().zip(&judged).enumerate().map(|(i, (f, q))| {
                        let mut face = face_json(i, f);
                        face["quality"] = json!(q);
                        face["passes"] = json!(q.passes());
                        face["advice"] = json!(q.issues.iter().map(|issue| issue.advice()).collect::<Vec<_>>());
                        face
                    }).collect::<Vec<_>>(),
                }));
                continue;
            }
            println!("{}: {}×{}, {} face(s)", path.display(), image.width(), image.height(), faces.len());
            for (i, q) in judged.iter().enumerate() {
                let verdict = if q.passes() {
                    "good".to_string()
                } else {
                    let advice: Vec<&str> = q.issues.iter().map(|issue| issue.advice()).collect();
                    format!("not good enough: {}", advice.join("; "))
                };
                println!("  #{i} score {:.3}: {verdict}", q.score);
                println!(
                    "     face {:.0} px, sharpness {:.1}, brightness {:.1}, contrast {:.1}, yaw {:+.1}° pitch {:+.1}° roll {:+.1}°",
                    q.face_px, q.sharpness, q.brightness, q.contrast, q.pose.yaw, q.pose.pitch, q.pose.roll
                );
            }
        }
        if c.json {
            print_json(&json!(report))?;
        }
        Ok(())
    }

    fn embed(c: &Common, images: &[PathBuf]) -> Result<()> {
        let mut pipeline = c.pipeline()?;
        let mut report = Vec::new();
        for path in images {
            let image = load(path)?;
            let face =
                pollster::block_on(pipeline.embed_face(&image, 0)).with_context(|| format!("{}", path.display()))?;
            if c.json {
                report.push(json!({
                    "file": path,
                    "model": pipeline.embedder_model().name(),
                    "face": face_json(0, &face.face),
                    "embedding": face.embedding,
                }));
            } else {
                let v = face.embedding.as_slice();
                let head: Vec<String> = v.iter().take(8).map(|x| format!("{x:+.4}")).collect();
                println!("{}: {}-d [{} …]", path.display(), v.len(), head.join(", "));
            }
        }
        if c.json {
            print_json(&json!(report))?;
        }
        Ok(())
    }

    fn compare(c: &Common, a: &Path, b: &Path, face_a: usize, face_b: usize, threshold: Option<f32>) -> Result<()> {
        let mut pipeline = c.pipeline()?;
        let (ia, ib) = (load(a)?, load(b)?);
        let fa = pollster::block_on(pipeline.embed_face(&ia, face_a)).with_context(|| format!("{}", a.display()))?;
        let fb = pollster::block_on(pipeline.embed_face(&ib, face_b)).with_context(|| format!("{}", b.display()))?;
        let model = pipeline.embedder_model();
        let mut verdict = verification_score(&fa.embedding, &fb.embedding, model)?;
        if let Some(t) = threshold {
            verdict = simface::matching::verify(verdict.similarity, t);
        }
        if c.json {
            print_json(&json!({
                "a": { "file": a, "face": face_json(face_a, &fa.face) },
                "b": { "file": b, "face": face_json(face_b, &fb.face) },
                "model": model.name(),
                "detector": pipeline.detector_name(),
                "similarity": verdict.similarity,
                "threshold": verdict.threshold,
                "same_person": verdict.same_person,
                "confidence": verdict.confidence,
                "decision": verdict.label,
            }))
        } else {
            println!(
                "similarity {:.4} (threshold {:.3}, {}): {} (confidence {:.0} %)",
                verdict.similarity,
                verdict.threshold,
                model.name(),
                verdict.label,
                verdict.confidence * 100.0
            );
            println!("  A: {} face #{face_a} score {:.3}", a.display(), fa.face.score);
            println!("  B: {} face #{face_b} score {:.3}", b.display(), fb.face.score);
            Ok(())
        }
    }

    fn eval(
        c: &Common,
        pairs_csv: &Path,
        root: &Path,
        scores_out: Option<&Path>,
        threshold: Option<f32>,
    ) -> Result<()> {
        let mut reader =
            csv::Reader::from_path(pairs_csv).with_context(|| format!("reading {}", pairs_csv.display()))?;
        let headers = reader.headers()?.clone();
        let col = |name: &str| {
            headers.iter().position(|h| h.trim().eq_ignore_ascii_case(name)).with_context(|| {
                format!("{} has no column {name} (expected file_x,file_y,Decision)", pairs_csv.display())
            })
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
            pairs.push((field(cx), field(cy), genuine));
        }

        let mut pipeline = c.pipeline()?;
        let mut embeddings: HashMap<String, Option<simface::Embedding>> = HashMap::new();
        let mut failures: Vec<(String, String)> = Vec::new();
        for file in pairs.iter().flat_map(|(x, y, _)| [x, y]) {
            if embeddings.contains_key(file) {
                continue;
            }
            let result =
                load(&root.join(file)).and_then(|image| Ok(pollster::block_on(pipeline.embed_face(&image, 0))?));
            match result {
                Ok(face) => {
                    embeddings.insert(file.clone(), Some(face.embedding));
                }
                Err(e) => {
                    failures.push((file.clone(), format!("{e:#}")));
                    embeddings.insert(file.clone(), None);
                }
            }
        }

        let threshold = threshold.unwrap_or_else(|| calibrated_threshold(pipeline.embedder_model()));
        let mut scored = Vec::new();
        let mut rows = Vec::new();
        let mut skipped = 0;
        for (x, y, genuine) in &pairs {
            match (&embeddings[x], &embeddings[y]) {
                (Some(ex), Some(ey)) => {
                    let score = simface::cosine_similarity(ex, ey)?;
                    scored.push(ScoredPair { score, genuine: *genuine });
                    rows.push((x.clone(), y.clone(), *genuine, Some(score)));
                }
                _ => {
                    skipped += 1;
                    rows.push((x.clone(), y.clone(), *genuine, None));
                }
            }
        }
        if let Some(out) = scores_out {
            let mut w = csv::Writer::from_path(out).with_context(|| format!("writing {}", out.display()))?;
            w.write_record(["file_x", "file_y", "Decision", "score"])?;
            for (x, y, g, s) in &rows {
                let score = s.map(|s| format!("{s:.6}")).unwrap_or_default();
                w.write_record([x.as_str(), y.as_str(), if *g { "Yes" } else { "No" }, score.as_str()])?;
            }
            w.flush()?;
        }
        let m = metrics(&scored, threshold);
        if c.json {
            return print_json(&json!({
                "model": pipeline.embedder_model().name(),
                "detector": pipeline.detector_name(),
                "pairs": pairs.len(),
                "pairs_skipped": skipped,
                "images_without_face": failures.iter().map(|(f, e)| json!({"file": f, "error": e})).collect::<Vec<_>>(),
                "metrics": m,
            }));
        }
        println!(
            "{} pairs ({} scored, {} skipped), model {}, detector {}",
            pairs.len(),
            scored.len(),
            skipped,
            pipeline.embedder_model().name(),
            pipeline.detector_name()
        );
        for (f, e) in &failures {
            println!("  no embedding: {f}: {e}");
        }
        match m {
            None => println!("need both genuine and impostor pairs for metrics"),
            Some(m) => {
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
        }
        Ok(())
    }

    /// Median and 90th percentile, in milliseconds.
    fn stats(samples: &mut [Duration]) -> (f64, f64) {
        if samples.is_empty() {
            return (f64::NAN, f64::NAN);
        }
        samples.sort();
        let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e3;
        (at(0.5), at(0.9))
    }

    fn bench(c: &Common, images: &[PathBuf], runs: usize, resize: Option<&str>, baseline: bool) -> Result<()> {
        let size = match resize {
            None => None,
            Some(s) => {
                let (w, h) = s.split_once('x').context("--resize takes WIDTHxHEIGHT, for example 640x480")?;
                Some((w.parse::<u32>()?, h.parse::<u32>()?))
            }
        };
        let runs = runs.max(1);
        let mut pipeline = c.pipeline()?;
        let model = pipeline.embedder_model();
        // Plain sessions of the same models with the same options, run on the very tensors the pipeline
        // builds, interleaved with the pipeline's runs so that drift on a busy machine hits both alike.
        let mut plain = if baseline && c.config().detector == DetectorKind::Yunet {
            let options = RuntimeOptions { intra_threads: c.threads };
            let dir = c.models_dir();
            Some((
                PlainSession::new(&read_model_file(&dir, DetectorKind::Yunet.file_name())?, options)?,
                PlainSession::new(&read_model_file(&dir, model.file_name())?, options)?,
            ))
        } else {
            None
        };
        let mut results = Vec::new();
        for path in images {
            let mut bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            if let Some((w, h)) = size {
                // Re-encode the resized photo so that decoding is measured on a file of that size too.
                let img = image::imageops::resize(&load(path)?, w, h, image::imageops::FilterType::Triangle);
                let mut jpeg = Vec::new();
                image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90).encode_image(&img)?;
                bytes = jpeg;
            }
            let mut t: [Vec<Duration>; 7] = Default::default();
            let (mut faces_found, mut yunet_input) = (0, (0, 0));
            // One warm-up round, then the measured ones.
            for run in 0..=runs {
                let mut round: [Option<Duration>; 7] = [None; 7];
                let start = Instant::now();
                let image = decode_image(&bytes)?;
                round[0] = Some(start.elapsed());
                let start = Instant::now();
                let faces = pollster::block_on(pipeline.detect_faces(&image))?;
                round[1] = Some(start.elapsed());
                let crops = FacePipeline::align_faces(&image, &faces)?;
                round[2] = Some(start.elapsed() - round[1].unwrap_or_default());
                pollster::block_on(pipeline.embed_faces(&crops))?;
                let total = start.elapsed();
                round[3] = Some(total - round[1].unwrap_or_default() - round[2].unwrap_or_default());
                round[4] = Some(total);
                faces_found = faces.len();
                if let (Some((plain_det, plain_emb)), AnyDetector::Yunet(yunet)) = (plain.as_mut(), pipeline.detector())
                {
                    let input = yunet.input_tensor(&image);
                    yunet_input = (input.shape()[3], input.shape()[2]);
                    round[5] = Some(plain_det.time_run(&input)?);
                    if !crops.is_empty() {
                        round[6] = Some(plain_emb.time_run(&preprocess(&crops)?)?);
                    }
                }
                if run > 0 {
                    for (samples, value) in t.iter_mut().zip(round) {
                        samples.extend(value);
                    }
                }
            }
            let image = decode_image(&bytes)?;
            let [decode, detect, align, embed, total, plain_det, plain_emb] = &mut t;
            let mut row = json!({
                "file": path,
                "size": [image.width(), image.height()],
                "faces": faces_found,
                "decode_ms": stats(decode),
                "detect_ms": stats(detect),
                "align_ms": stats(align),
                "embed_ms": stats(embed),
                "pipeline_ms": stats(total),
            });
            if !plain_det.is_empty() {
                let (det_med, emb_med) =
                    (stats(plain_det).0, if plain_emb.is_empty() { 0.0 } else { stats(plain_emb).0 });
                row["plain_ort"] = json!({
                    "yunet_ms": stats(plain_det),
                    "yunet_input": [yunet_input.0, yunet_input.1],
                    "embed_ms": stats(plain_emb),
                    "embed_batch": faces_found,
                });
                let ours = |k: &str| row[k][0].as_f64().unwrap_or(f64::NAN);
                row["ratios"] = json!({
                    "detect_vs_plain": ours("detect_ms") / det_med,
                    "embed_vs_plain": ours("embed_ms") / emb_med,
                    "pipeline_vs_model_sum": ours("pipeline_ms") / (det_med + emb_med),
                });
            }
            results.push(row);
        }
        let report = json!({
            "model": model.name(),
            "detector": pipeline.detector_name(),
            "threads": c.threads,
            "runs": runs,
            "results": results,
        });
        if c.json {
            return print_json(&report);
        }
        println!(
            "model {}, detector {}, threads {}, {runs} runs (median / p90 ms)",
            model.name(),
            pipeline.detector_name(),
            c.threads.map_or("default".to_string(), |t| t.to_string())
        );
        for r in &results {
            let f = |k: &str| {
                format!("{:8.2} / {:8.2}", r[k][0].as_f64().unwrap_or(f64::NAN), r[k][1].as_f64().unwrap_or(f64::NAN))
            };
            println!("{} {}×{} ({} faces)", r["file"].as_str().unwrap_or("?"), r["size"][0], r["size"][1], r["faces"]);
            for (label, key) in [
                ("decode", "decode_ms"),
                ("detect", "detect_ms"),
                ("align", "align_ms"),
                ("embed", "embed_ms"),
                ("pipeline (no decode)", "pipeline_ms"),
            ] {
                println!("  {label:<22}{}", f(key));
            }
            if let Some(p) = r.get("plain_ort") {
                let g = |k: &str| {
                    format!(
                        "{:8.2} / {:8.2}",
                        p[k][0].as_f64().unwrap_or(f64::NAN),
                        p[k][1].as_f64().unwrap_or(f64::NAN)
                    )
                };
                println!("  plain ORT yunet {}×{}  {}", p["yunet_input"][0], p["yunet_input"][1], g("yunet_ms"));
                println!("  plain ORT embed ×{}    {}", p["embed_batch"], g("embed_ms"));
                let ratio = &r["ratios"];
                println!(
                    "  ratios: detect/plain {:.3}, embed/plain {:.3}, pipeline/(yunet+embed) {:.3}",
                    ratio["detect_vs_plain"].as_f64().unwrap_or(f64::NAN),
                    ratio["embed_vs_plain"].as_f64().unwrap_or(f64::NAN),
                    ratio["pipeline_vs_model_sum"].as_f64().unwrap_or(f64::NAN)
                );
            }
        }
        Ok(())
    }
}
