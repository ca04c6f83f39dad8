//! The one face pipeline of the page, shared by both photo slots: the model bytes it was built from, the
//! settings it was built for, and the stages the slots call (detect, then align + embed one face).
//!
//! onnxruntime-web must be loaded on the main thread (its loader needs `window`), so the pipeline lives
//! here, on the page's thread, behind an async mutex: a slot holds it across the awaits of one stage.
//! The models run on this thread too (onnxruntime-web's proxy worker only with `?inference=worker`; see
//! [`super::engine`]).
//!
//! On WebGPU, a model run that fails (a lost device, an operator the adapter cannot run) is reported to the
//! hook [`on_webgpu_failure`] installs, the WebGPU pipeline is dropped, and the caller gets
//! [`AppError::PipelineNotReady`]: the engine loads the models again on WebAssembly, and the photos are
//! analysed again once they are ready.

use std::{cell::RefCell, collections::HashMap, rc::Rc};

use futures::lock::Mutex;
use image::RgbImage;
use leptos::prelude::RwSignal;
use simface::align::{align_face, transform_to_template};
use simface::liveness::{Liveness, LivenessChecker, LivenessModel, crop_box};
use simface::quality::{Quality, QualityConfig, assess};
use simface::runtime::{Execution, RuntimeOptions};
use simface::{DetectorKind, EmbedderModel, Embedding, Face, FacePipeline, ModelBytes, PipelineConfig, Turn};
use web_sys::ImageBitmap;

use super::bitmap;
use super::browser::{now_ms, yield_now, yield_to_other_tasks};
use super::model_files::{load_model, manifest_entry};
use crate::app::error::AppError;
use crate::app::state::{Progress, Settings};

struct Built {
    model: EmbedderModel,
    detector: DetectorKind,
    execution: Execution,
    pipeline: FacePipeline,
    /// The anti-spoofing models, when the settings ask for liveness.
    liveness: Option<LivenessChecker>,
}

/// Called with the error of a model run that failed on WebGPU.
type FailureHook = Rc<dyn Fn(AppError)>;

#[derive(Default)]
struct Engine {
    pipeline: Mutex<Option<Built>>,
    bytes: RefCell<HashMap<&'static str, Rc<Vec<u8>>>>,
    on_webgpu_failure: RefCell<Option<FailureHook>>,
}

thread_local! {
    static ENGINE: Rc<Engine> = Rc::new(Engine::default());
}

fn engine() -> Rc<Engine> {
    ENGINE.with(Rc::clone)
}

/// Installs what happens when a model run fails on WebGPU (the engine moves to WebAssembly).
pub fn on_webgpu_failure(hook: impl Fn(AppError) + 'static) {
    *engine().on_webgpu_failure.borrow_mut() = Some(Rc::new(hook));
}

/// `result` of a stage run on `slot`'s pipeline; a failed model run on WebGPU drops that pipeline, goes to
/// the failure hook and becomes [`AppError::PipelineNotReady`] (the models are about to load again). Other
/// errors (a photo the stage refuses) are the photo's, whatever the backend.
fn checked<T>(slot: &mut Option<Built>, result: Result<T, simface::Error>) -> Result<T, AppError> {
    let on_webgpu = slot.as_ref().is_some_and(|b| b.execution == Execution::WebGpu);
    match result {
        Err(e @ (simface::Error::Inference { .. } | simface::Error::RuntimeUnavailable(_))) if on_webgpu => {
            *slot = None;
            let hook = engine().on_webgpu_failure.borrow().clone();
            if let Some(hook) = hook {
                hook(e.into());
            }
            Err(AppError::PipelineNotReady)
        }
        other => Ok(other?),
    }
}

/// Downloads (or takes from the cache) the models `settings` needs, then builds the pipeline when the
/// model, the detector or the execution provider changed, and sets the detection size. `report` gets
/// download progress.
pub async fn prepare(settings: Settings, execution: Execution, report: &dyn Fn(Progress)) -> Result<(), AppError> {
    let engine = engine();
    download(&engine, &settings.files(), report).await?;
    let mut slot = engine.pipeline.lock().await;
    let stale = slot
        .as_ref()
        .is_none_or(|b| b.model != settings.model || b.detector != settings.detector || b.execution != execution);
    if stale {
        *slot = None;
        yield_now().await;
        let get = |f: &'static str| engine.bytes.borrow().get(f).cloned();
        let yunet = get(DetectorKind::Yunet.file_name());
        let seeta = get(DetectorKind::Seeta.file_name());
        let embedder = get(settings.model.file_name()).ok_or(AppError::PipelineNotReady)?;
        let models = ModelBytes {
            yunet: yunet.as_deref().map(|v| v.as_slice()),
            seeta: seeta.as_deref().map(|v| v.as_slice()),
            embedder: &embedder,
        };
        let config = PipelineConfig {
            detector: settings.detector,
            embedder: settings.model,
            runtime: RuntimeOptions { execution, ..RuntimeOptions::default() },
            ..PipelineConfig::default()
        };
        let pipeline = FacePipeline::new(models, config).await?;
        *slot = Some(Built { model: settings.model, detector: settings.detector, execution, pipeline, liveness: None });
    }
    if let Some(built) = slot.as_mut() {
        built.pipeline.set_max_side(settings.detection_size.pixels());
        if settings.liveness_for_uploads && built.liveness.is_none() {
            built.liveness = Some(liveness_checker(&engine, execution).await?);
        }
    }
    Ok(())
}

/// Downloads (or takes from the cache) each of `files` the engine does not hold yet; `report` gets progress.
async fn download(engine: &Engine, files: &[&'static str], report: &dyn Fn(Progress)) -> Result<(), AppError> {
    for &file in files {
        if !engine.bytes.borrow().contains_key(file) {
            let bytes = load_model(manifest_entry(file)?, report).await?;
            engine.bytes.borrow_mut().insert(file, Rc::new(bytes));
        }
    }
    Ok(())
}

/// The anti-spoofing models' checker, from bytes already downloaded.
async fn liveness_checker(engine: &Engine, execution: Execution) -> Result<LivenessChecker, AppError> {
    let get = |m: LivenessModel| engine.bytes.borrow().get(m.file_name()).cloned();
    let (Some(v2), Some(v1se)) = (get(LivenessModel::MiniFasNetV2), get(LivenessModel::MiniFasNetV1Se)) else {
        return Err(AppError::PipelineNotReady);
    };
    let options = RuntimeOptions { execution, ..RuntimeOptions::default() };
    Ok(LivenessChecker::from_bytes(&v2, &v1se, options).await?)
}

/// Makes sure the pipeline has the liveness models (the live camera asks for them when it requires a live
/// face, a slot's camera when it opens): downloads the two files if they are not here yet (from the Cache API
/// after the first time; their progress goes to `progress`, the list the runtime card shows) and builds
/// their sessions once. Kept until the pipeline is rebuilt.
pub async fn ensure_liveness(progress: RwSignal<Vec<Progress>>) -> Result<(), AppError> {
    let engine = engine();
    download(&engine, &LivenessModel::ALL.map(LivenessModel::file_name), &move |p: Progress| p.record(progress))
        .await?;
    let mut slot = engine.pipeline.lock().await;
    let built = slot.as_mut().ok_or(AppError::PipelineNotReady)?;
    if built.liveness.is_none() {
        built.liveness = Some(liveness_checker(&engine, built.execution).await?);
    }
    Ok(())
}

/// The liveness of `face` in a camera frame (full resolution), when the pipeline has the liveness models.
pub async fn liveness_of_frame(frame: &RgbImage, face: &Face) -> Result<Option<Liveness>, AppError> {
    let engine = engine();
    let mut slot = engine.pipeline.lock().await;
    let Some(checker) = slot.as_mut().and_then(|b| b.liveness.as_mut()) else { return Ok(None) };
    let result = checker.check(frame, face).await;
    Ok(Some(checked(&mut slot, result)?))
}

/// Runs every model once on a blank input, so the first real photo does not pay for the runtime's
/// first-run allocations.
pub async fn warm_up() -> Result<(), AppError> {
    let engine = engine();
    let mut slot = engine.pipeline.lock().await;
    let built = slot.as_mut().ok_or(AppError::PipelineNotReady)?;
    let blank = RgbImage::from_pixel(160, 120, image::Rgb([128, 128, 128]));
    built.pipeline.detect_faces(&blank).await?;
    yield_now().await;
    let crop = RgbImage::from_pixel(112, 112, image::Rgb([128, 128, 128]));
    built.pipeline.embed_faces(std::slice::from_ref(&crop)).await?;
    Ok(())
}

/// Keeps running both models on blank inputs in the background, `runs` times each: a fresh page's first
/// few dozen runs of a model are about twice as slow while the browser tiers the WebAssembly up. Each run
/// takes the pipeline on its own, so a photo the person drops meanwhile waits for one run at most; it
/// stops early when `current` turns false (the settings changed).
///
/// Returns the embedder and the median time of its runs in the second half, once tiered up: the model
/// picker shows it as the speed measured on this device, next to the reference figures.
pub async fn keep_warming(runs: usize, current: impl Fn() -> bool) -> Option<(EmbedderModel, f64)> {
    let engine = engine();
    let frame = RgbImage::from_pixel(640, 480, image::Rgb([128, 128, 128]));
    let crop = RgbImage::from_pixel(112, 112, image::Rgb([128, 128, 128]));
    let mut embed_ms = Vec::with_capacity(runs);
    let mut model = None;
    for _ in 0..runs {
        for detect in [true, false] {
            // Let a waiting photo (and any other task of the page) go first, then run one model. A plain
            // task hop, not `yield_now`: `scheduler.yield()` would put these runs ahead of every other
            // task, and a photo's file read or a test's probe would wait for all 120 of them (~2.5 s).
            yield_to_other_tasks().await;
            if !current() {
                return None;
            }
            let mut slot = engine.pipeline.lock().await;
            let built = slot.as_mut()?;
            let start = now_ms();
            let done = if detect {
                built.pipeline.detect_faces(&frame).await.map(|_| ())
            } else {
                built.pipeline.embed_faces(std::slice::from_ref(&crop)).await.map(|_| ())
            };
            let model_now = built.model;
            checked(&mut slot, done).ok()?;
            if !detect {
                embed_ms.push(now_ms() - start);
                model = Some(model_now);
            }
        }
    }
    let mut settled = embed_ms.split_off(embed_ms.len() / 2);
    settled.sort_by(f64::total_cmp);
    Some((model?, *settled.get(settled.len() / 2)?))
}

/// All faces of an image (largest first) and the time detection took, in ms: searched at any angle
/// (`turn` None), or in one pass at a turn known from an earlier frame.
pub async fn detect(image: &RgbImage, turn: Option<Turn>) -> Result<(Vec<Face>, f64), AppError> {
    let engine = engine();
    let mut slot = engine.pipeline.lock().await;
    let built = slot.as_mut().ok_or(AppError::PipelineNotReady)?;
    let start = now_ms();
    let faces = match turn {
        None => built.pipeline.detect_faces(image).await,
        Some(turn) => built.pipeline.detect_faces_at_turn(image, turn).await,
    };
    let faces = checked(&mut slot, faces)?;
    Ok((faces, now_ms() - start))
}

/// All faces of a photo the browser decoded (largest first, in the photo's full-resolution coordinates) and
/// the time detection took, in ms: the browser scales the photo down to the detection size, the detector
/// runs on that.
pub async fn detect_photo(photo: &ImageBitmap) -> Result<(Vec<Face>, f64), AppError> {
    let engine = engine();
    let mut slot = engine.pipeline.lock().await;
    let built = slot.as_mut().ok_or(AppError::PipelineNotReady)?;
    let start = now_ms();
    let view = bitmap::scaled_rgb(photo, built.pipeline.max_side())?;
    let faces = built.pipeline.detect_faces_in_view(&view, (photo.width(), photo.height())).await;
    let faces = checked(&mut slot, faces)?;
    Ok((faces, now_ms() - start))
}

/// `face` of a photo the browser decoded, aligned to the 112×112 template: the core estimates the transform
/// from the landmarks, the browser samples the crop from the full-resolution pixels ([`bitmap::aligned_crop`]).
pub fn align_photo(photo: &ImageBitmap, face: &Face) -> Result<RgbImage, AppError> {
    let transform = transform_to_template(&face.landmarks)?;
    bitmap::aligned_crop(photo, &transform)
}

/// Aligns `face` of a photo the browser decoded, judges its quality and embeds the crop; and checks its
/// liveness when `with_liveness` (the settings ask for it for uploaded photos).
pub async fn embed_photo(photo: &ImageBitmap, face: &Face, with_liveness: bool) -> Result<Embedded, AppError> {
    let start = now_ms();
    let crop = align_photo(photo, face)?;
    let mut embedded = embed_aligned(face, crop, start).await?;
    if with_liveness {
        let start = now_ms();
        embedded.liveness = liveness_of_photo(photo, face).await?;
        embedded.liveness_ms = embedded.liveness.is_some().then(|| now_ms() - start);
    }
    Ok(embedded)
}

/// The liveness of `face` of a photo the browser decoded, when the pipeline has the liveness models: the
/// browser cuts each model's 80×80 input out of the full-resolution bitmap (the core's region, bilinear).
async fn liveness_of_photo(photo: &ImageBitmap, face: &Face) -> Result<Option<Liveness>, AppError> {
    let engine = engine();
    let mut slot = engine.pipeline.lock().await;
    let Some(checker) = slot.as_mut().and_then(|b| b.liveness.as_mut()) else { return Ok(None) };
    let mut crops = Vec::with_capacity(LivenessModel::ALL.len());
    for model in LivenessModel::ALL {
        let region = crop_box(&face.bbox, photo.width(), photo.height(), model.scale())
            .ok_or(simface::Error::DegenerateLandmarks)?;
        // Upright, as the models were trained (a face of a turned photo lies on its side in the region).
        crops.push(face.turn.apply(&bitmap::liveness_crop(photo, region)?));
    }
    let result = checker.check_crops(&crops).await;
    Ok(Some(checked(&mut slot, result)?))
}

/// One face aligned and embedded.
pub struct Embedded {
    pub crop: RgbImage,
    /// Set when the settings ask for liveness ([`embed_photo`]), with the time it took (both crops, both models).
    pub liveness: Option<Liveness>,
    pub liveness_ms: Option<f64>,
    pub embedding: Embedding,
    pub model: EmbedderModel,
    pub quality: Quality,
    pub align_ms: f64,
    pub embed_ms: f64,
}

/// `face` of `image` aligned to the 112×112 template (the core's alignment; no model involved).
pub fn align(image: &RgbImage, face: &Face) -> Result<RgbImage, AppError> {
    Ok(align_face(image, &face.landmarks)?)
}

/// Judges the quality of `face`'s aligned `crop` and embeds it; alignment started at `start`.
async fn embed_aligned(face: &Face, crop: RgbImage, start: f64) -> Result<Embedded, AppError> {
    let quality = assess(face, &crop, &QualityConfig::default());
    let align_ms = now_ms() - start;
    yield_now().await;
    let (embedding, model, embed_ms) = embed_crop(&crop).await?;
    Ok(Embedded { crop, liveness: None, liveness_ms: None, embedding, model, quality, align_ms, embed_ms })
}

/// The embedding of an aligned crop, the model that made it and the time it took, in ms.
pub async fn embed_crop(crop: &RgbImage) -> Result<(Embedding, EmbedderModel, f64), AppError> {
    let engine = engine();
    let mut slot = engine.pipeline.lock().await;
    let built = slot.as_mut().ok_or(AppError::PipelineNotReady)?;
    let start = now_ms();
    let model = built.model;
    let embeddings = built.pipeline.embed_faces(std::slice::from_ref(crop)).await;
    let embedding = checked(&mut slot, embeddings)?.pop().ok_or(AppError::NoResult("embedding"))?;
    Ok((embedding, model, now_ms() - start))
}
