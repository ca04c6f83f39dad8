//! What happens to a photo in a slot: it comes in (drop, pick, paste or sample), its header is checked, the
//! browser decodes it off the page's thread (`services::bitmap`; full resolution stays in the browser), its
//! faces are found on the photo scaled down by the browser, one is chosen (the largest unless the user picks
//! another), aligned and embedded. Every stage yields to the browser first, so the page keeps responding;
//! every new photo or re-analysis is a new job of the slot, and an older job stops writing (latest request
//! wins).

use std::sync::Arc;

use leptos::{prelude::*, task::spawn_local};
use send_wrapper::SendWrapper;
use simface::DecodeOptions;
use simface::report::{FaceRecord, ImageRecord};
use web_sys::{Blob, ImageBitmap};

use super::browser::{fetch_blob, now_ms, read_array_buffer, yield_now};
use super::{bitmap, pipeline};
use crate::app::error::AppError;
use crate::app::state::latest::Ticket;
use crate::app::state::slot::{Compared, DecodedImage, Detection, Photo, PhotoSource, SlotActivity};
use crate::app::state::{AppCtx, SlotState};

/// Files larger than this are refused before a byte of them is read (phone photos of 200 MP are 30–60 MB).
pub const MAX_FILE_BYTES: usize = 128 * 1024 * 1024;

/// The most pixels a photo may have. The browser decodes it into its own memory, outside wasm, at 4 bytes a
/// pixel: 800 MB at this limit, while the photo is in a slot (measured: a 200 MP JPEG decodes in ~0.7 s in
/// headless Chromium here). Wasm memory only ever holds the file's bytes (briefly), the photo scaled down for
/// detection and the 112×112 crop. Photos the browser cannot decode go to the Rust decoder, whose limit is lower
/// ([`simface::decode::DEFAULT_MAX_PIXELS`]: it decodes into wasm memory).
pub const MAX_PIXELS: u64 = 200_000_000;

/// Longest side of the photo as shown; boxes are drawn at this resolution.
pub const PREVIEW_SIDE: u32 = 960;

/// Shows `error` in the slot, unless a newer job took over.
fn fail(slot: SlotState, job: Ticket, error: AppError) {
    if job.is_current() {
        slot.activity.set(None);
        slot.error.set(Some(error));
    }
}

/// Empties the slot for a new photo (its camera closes) and starts the photo's job.
fn begin_photo(slot: SlotState, name: &str) -> Ticket {
    let job = slot.jobs.begin();
    slot.camera.set(false);
    slot.photo.set(None);
    slot.detection.set(None);
    slot.compared.set(None);
    slot.error.set(None);
    slot.selected.set(0);
    slot.activity.set(Some(SlotActivity::Reading(name.to_string())));
    job
}

/// Takes a new photo into the slot: check its header, let the browser decode it, then analyse.
fn load_photo(ctx: AppCtx, slot: SlotState, name: String, blob: Blob) {
    let job = begin_photo(slot, &name);
    spawn_local(async move {
        yield_now().await;
        let start = now_ms();
        let bitmap = match decode(&blob).await {
            Ok(bitmap) => bitmap,
            Err(e) => return fail(slot, job, e.in_file(&name)),
        };
        show_photo(ctx, slot, job, (name, PhotoSource::Upload), bitmap, now_ms() - start).await;
    });
}

/// Takes the frame the slot's camera just gave (`take_ms`: the time taking it took) into the slot, named after
/// the time it was taken, and analyses it like an uploaded photo, with the faces' liveness.
pub fn load_camera_photo(ctx: AppCtx, slot: SlotState, bitmap: ImageBitmap, take_ms: f64) {
    let now = js_sys::Date::new_0();
    let name = format!("camera {:02}:{:02}:{:02}", now.get_hours(), now.get_minutes(), now.get_seconds());
    let job = begin_photo(slot, &name);
    spawn_local(async move { show_photo(ctx, slot, job, (name, PhotoSource::Camera), bitmap, take_ms).await });
}

/// Shows a decoded photo in the slot (its preview drawn once) and analyses it.
async fn show_photo(
    ctx: AppCtx,
    slot: SlotState,
    job: Ticket,
    (name, source): (String, PhotoSource),
    bitmap: ImageBitmap,
    decode_ms: f64,
) {
    if !job.is_current() {
        bitmap.close();
        return;
    }
    let (width, height) = (bitmap.width(), bitmap.height());
    let preview = bitmap::scaled_size(width, height, PREVIEW_SIDE);
    let scale = preview.0 as f32 / width as f32;
    let preview_image = match bitmap::preview(&bitmap, preview) {
        Ok(canvas) => canvas,
        Err(e) => return fail(slot, job, e.in_file(&name)),
    };
    let image = Arc::new(SendWrapper::new(DecodedImage { bitmap, preview: preview_image }));
    slot.photo.set(Some(Photo { name, source, image, width, height, preview, scale, decode_ms }));
    analyze(ctx, slot, job).await;
}

/// A file's pixels, upright. Its size is checked before a byte is read; the file is read once (each read of a
/// file on disk costs the page ~20 ms here, however small), its header checked (format, pixel limit, a JPEG
/// cut off before its end: typed errors, nothing decoded yet), then the browser decodes the bytes already in
/// memory. The Rust decoder takes what the browser cannot decode, and images with alpha (the CLI keeps the
/// stored colour of transparent pixels; a canvas would make them black).
async fn decode(blob: &Blob) -> Result<ImageBitmap, AppError> {
    let buffer = read_array_buffer(blob, MAX_FILE_BYTES).await?;
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    let header = simface::read_header(&bytes, DecodeOptions { max_pixels: MAX_PIXELS })?;
    if !header.has_alpha {
        let in_memory =
            Blob::new_with_buffer_source_sequence(&js_sys::Array::of1(&buffer)).map_err(|e| AppError::js(&e))?;
        match bitmap::decode(&in_memory).await {
            Ok(bitmap) => return Ok(bitmap),
            Err(e) if header.pixels() > simface::decode::DEFAULT_MAX_PIXELS => return Err(e),
            Err(_) => {}
        }
    }
    bitmap::from_rgb(&simface::decode_image(&bytes)?).await
}

/// Runs detection (and then the embedding of the chosen face) again, e.g. once the models are ready for
/// new settings.
pub fn reanalyze(ctx: AppCtx, slot: SlotState) {
    if slot.photo.with_untracked(|p| p.is_none()) {
        return;
    }
    let job = slot.jobs.begin();
    spawn_local(async move { analyze(ctx, slot, job).await });
}

async fn analyze(ctx: AppCtx, slot: SlotState, job: Ticket) {
    slot.error.set(None);
    // Models still loading (or failed): the slot says it waits, and is analysed again once they are ready.
    if !ctx.engine.is_ready_untracked() {
        slot.activity.set(Some(SlotActivity::WaitingForModels));
        return;
    }
    let Some(image) = slot.photo.with_untracked(|p| p.as_ref().map(|p| p.image.clone())) else { return };
    slot.activity.set(Some(SlotActivity::FindingFaces));
    yield_now().await;
    let (faces, detect_ms) = match pipeline::detect_photo(&image.bitmap).await {
        Ok(found) => found,
        Err(e) => return fail(slot, job, e),
    };
    if !job.is_current() {
        return;
    }
    let count = faces.len();
    slot.detection.set(Some(Detection { faces, detect_ms }));
    if count == 0 {
        slot.compared.set(None);
        return fail(slot, job, simface::Error::NoFace.into());
    }
    let keep = slot.selected.get_untracked();
    slot.selected.set(if keep < count { keep } else { 0 });
    embed_selected(ctx, slot, job).await;
}

/// Compares another face of the photo.
pub fn select_face(ctx: AppCtx, slot: SlotState, index: usize) {
    let count = slot.detection.with_untracked(|d| d.as_ref().map_or(0, |d| d.faces.len()));
    if index >= count || (slot.selected.get_untracked() == index && slot.compared.with_untracked(|c| c.is_some())) {
        return;
    }
    let job = slot.jobs.begin();
    slot.selected.set(index);
    spawn_local(async move { embed_selected(ctx, slot, job).await });
}

async fn embed_selected(ctx: AppCtx, slot: SlotState, job: Ticket) {
    let index = slot.selected.get_untracked();
    let Some(image) = slot.photo.with_untracked(|p| p.as_ref().map(|p| p.image.clone())) else { return };
    let Some(face) = slot.detection.with_untracked(|d| d.as_ref().and_then(|d| d.faces.get(index).cloned())) else {
        return;
    };
    let from_camera = slot.photo.with_untracked(|p| p.as_ref().is_some_and(|p| p.source == PhotoSource::Camera));
    slot.activity.set(Some(SlotActivity::Embedding(index)));
    yield_now().await;
    // A camera's photo is checked for liveness whatever the setting for uploads says: its models are fetched
    // now if the settings did not load them (the slot's camera started that download when it opened). Without
    // them the face is still compared, and the slot says why it has no liveness line.
    let mut liveness_failed = None;
    if from_camera && let Err(e) = pipeline::ensure_liveness(ctx.engine.progress).await {
        liveness_failed = Some(e);
    }
    let with_liveness = from_camera || ctx.settings.with_untracked(|s| s.liveness_for_uploads);
    match pipeline::embed_photo(&image.bitmap, &face, with_liveness).await {
        Ok(e) if job.is_current() => {
            slot.error.set(liveness_failed.map(|e| AppError::LivenessUnavailable(Box::new(e))));
            slot.compared.set(Some(Compared {
                index,
                liveness: e.liveness,
                liveness_ms: e.liveness_ms,
                crop: Arc::new(e.crop),
                embedding: Arc::new(e.embedding),
                model: e.model,
                quality: e.quality,
                align_ms: e.align_ms,
                embed_ms: e.embed_ms,
            }));
            slot.activity.set(None);
        }
        Ok(_) => {}
        Err(e) => fail(slot, job, e),
    }
}

/// Takes a file the person dropped, picked or pasted.
pub fn load_file(ctx: AppCtx, slot: SlotState, file: web_sys::File) {
    let name = file.name();
    load_photo(ctx, slot, name, file.into());
}

/// Loads a sample photo by its path under `samples/`.
pub fn load_sample(ctx: AppCtx, slot: SlotState, path: String) {
    spawn_local(async move {
        match fetch_blob(&format!("samples/{path}")).await {
            Ok(Some(blob)) => load_photo(ctx, slot, path, blob),
            Ok(None) => slot.error.set(Some(AppError::SampleMissing(path))),
            Err(e) => slot.error.set(Some(AppError::Sample { path, source: Box::new(e) })),
        }
    });
}

/// The compared face as the one JSON shape of the core (`simface::report`, as the CLI writes it): the
/// photo's file and size with that one face, its quality and embedding.
pub fn compared_record(slot: SlotState) -> Option<ImageRecord> {
    let compared = slot.compared.get_untracked()?;
    let (file, width, height) =
        slot.photo.with_untracked(|p| p.as_ref().map(|p| (p.name.clone(), p.width, p.height)))?;
    let face = slot.detection.with_untracked(|d| d.as_ref().and_then(|d| d.faces.get(compared.index).cloned()))?;
    let mut record = FaceRecord::new(compared.index, &face)
        .with_quality(compared.quality.clone())
        .with_embedding(compared.model, (*compared.embedding).clone());
    record.liveness = compared.liveness.clone();
    Some(ImageRecord { file, width, height, faces: vec![record] })
}
