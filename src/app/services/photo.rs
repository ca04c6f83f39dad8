//! What happens to a photo in a slot: it comes in (drop, pick, paste or sample), is decoded, its faces are
//! found, one is chosen (the largest unless the user picks another), aligned and embedded. Every stage
//! yields to the browser first, so the page keeps responding; every new photo or re-analysis is a new job
//! of the slot, and an older job stops writing (latest request wins).

use std::sync::Arc;

use leptos::{prelude::*, task::spawn_local};
use simface::report::{FaceRecord, ImageRecord};

use super::browser::{fetch_bytes, now_ms, read_blob, yield_now};
use super::pipeline;
use crate::app::error::AppError;
use crate::app::state::latest::Ticket;
use crate::app::state::slot::{Compared, Detection, Photo, SlotActivity};
use crate::app::state::{AppCtx, SlotState};

/// Files larger than this are refused before decoding.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;

/// Longest side of the photo as shown; boxes are drawn at this resolution.
pub const PREVIEW_SIDE: u32 = 960;

/// Shows `error` in the slot, unless a newer job took over.
fn fail(slot: SlotState, job: Ticket, error: AppError) {
    if job.is_current() {
        slot.activity.set(None);
        slot.error.set(Some(error));
    }
}

/// Takes a new photo into the slot: decode, then analyse.
pub fn load_photo(ctx: AppCtx, slot: SlotState, name: String, bytes: Vec<u8>) {
    let job = slot.jobs.begin();
    slot.photo.set(None);
    slot.detection.set(None);
    slot.compared.set(None);
    slot.error.set(None);
    slot.selected.set(0);
    slot.activity.set(Some(SlotActivity::Reading(name.clone())));
    spawn_local(async move {
        yield_now().await;
        if bytes.len() > MAX_FILE_BYTES {
            let error = AppError::FileTooLarge { bytes: bytes.len(), limit: MAX_FILE_BYTES };
            return fail(slot, job, error.in_file(&name));
        }
        let start = now_ms();
        let image = match simface::decode_image(&bytes) {
            Ok(image) => image,
            Err(e) => return fail(slot, job, AppError::from(e).in_file(&name)),
        };
        let decode_ms = now_ms() - start;
        let (preview, back) = simface::decode::downscale_for_detection(&image, PREVIEW_SIDE);
        let preview = Arc::new(preview.into_owned());
        let scale = 1.0 / back.0;
        if !job.is_current() {
            return;
        }
        slot.photo.set(Some(Photo { name, image: Arc::new(image), preview, scale, decode_ms }));
        analyze(ctx, slot, job).await;
    });
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
    let (faces, detect_ms) = match pipeline::detect(&image).await {
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
    embed_selected(slot, job).await;
}

/// Compares another face of the photo.
pub fn select_face(slot: SlotState, index: usize) {
    let count = slot.detection.with_untracked(|d| d.as_ref().map_or(0, |d| d.faces.len()));
    if index >= count || (slot.selected.get_untracked() == index && slot.compared.with_untracked(|c| c.is_some())) {
        return;
    }
    let job = slot.jobs.begin();
    slot.selected.set(index);
    spawn_local(async move { embed_selected(slot, job).await });
}

async fn embed_selected(slot: SlotState, job: Ticket) {
    let index = slot.selected.get_untracked();
    let Some(image) = slot.photo.with_untracked(|p| p.as_ref().map(|p| p.image.clone())) else { return };
    let Some(face) = slot.detection.with_untracked(|d| d.as_ref().and_then(|d| d.faces.get(index).cloned())) else {
        return;
    };
    slot.activity.set(Some(SlotActivity::Embedding(index)));
    yield_now().await;
    match pipeline::embed(&image, &face).await {
        Ok(e) if job.is_current() => {
            slot.compared.set(Some(Compared {
                index,
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
    spawn_local(async move {
        match read_blob(&file).await {
            Ok(bytes) => load_photo(ctx, slot, name, bytes),
            Err(e) => slot.error.set(Some(e.in_file(&name))),
        }
    });
}

/// Loads a sample photo by its path under `samples/`.
pub fn load_sample(ctx: AppCtx, slot: SlotState, path: String) {
    spawn_local(async move {
        match fetch_bytes(&format!("samples/{path}")).await {
            Ok(Some(bytes)) => load_photo(ctx, slot, path, bytes),
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
        slot.photo.with_untracked(|p| p.as_ref().map(|p| (p.name.clone(), p.image.width(), p.image.height())))?;
    let face = slot.detection.with_untracked(|d| d.as_ref().and_then(|d| d.faces.get(compared.index).cloned()))?;
    let record = FaceRecord::new(compared.index, &face)
        .with_quality(compared.quality.clone())
        .with_embedding(compared.model, (*compared.embedding).clone());
    Some(ImageRecord { file, width, height, faces: vec![record] })
}
