//! The gallery's life in the page: loaded from IndexedDB for the model in use, written back after every
//! change, a person added from the camera or from a photo. Both ways of enrolling follow the core's policy
//! (`simface::enrolment`): exactly one face, passing the quality gate.

use simface::{EmbedderModel, Embedding, enrolment, gallery::Gallery};

use leptos::prelude::*;

use super::{browser::wall_clock_ms, pipeline, storage};
use crate::app::drawing::thumbnail;
use crate::app::error::AppError;
use crate::app::state::{AppCtx, GalleryLoad};

fn store_key(model: EmbedderModel) -> String {
    format!("gallery-{}", model.name())
}

/// Replaces the gallery with the one stored for `model` (an empty one when nothing is stored), and says
/// so in `ctx.gallery_load` unless the model changed meanwhile (the newer load reports then).
pub async fn load_gallery(ctx: AppCtx, model: EmbedderModel) {
    ctx.gallery_load.set(GalleryLoad::Loading);
    let loaded = async {
        match storage::load(&store_key(model)).await? {
            Some(json) => Gallery::from_json(&json, model).map_err(|e| AppError::StoredGallery(Box::new(e.into()))),
            None => Ok(Gallery::new(model)),
        }
    }
    .await;
    if ctx.settings.with_untracked(|s| s.model) != model {
        return;
    }
    match loaded {
        Ok(gallery) => {
            ctx.gallery.set(gallery);
            ctx.gallery_load.set(GalleryLoad::Loaded);
        }
        Err(e) => ctx.gallery_load.set(GalleryLoad::Failed(e)),
    }
}

/// Writes the gallery to IndexedDB (or removes the record when the gallery is empty, so that nothing
/// stays behind after "Delete all").
pub async fn persist(ctx: AppCtx) -> Result<(), AppError> {
    let (key, json, empty) = ctx.gallery.with_untracked(|g| (store_key(g.model()), g.to_json(), g.is_empty()));
    if empty { storage::delete(&key).await } else { storage::save(&key, &json).await }
}

/// "Delete all": empties the gallery in the page and deletes the stored galleries of every model, so nothing
/// that could identify a person stays in IndexedDB (model files in the Cache API identify nobody).
pub async fn delete_all(ctx: AppCtx) -> Result<(), AppError> {
    ctx.gallery.update(Gallery::clear);
    storage::delete_everything().await
}

/// Adds a person made of `templates` to the gallery and saves it; refused when the model was switched
/// after the templates were made by `model` (they would mean nothing to the new model's gallery).
/// Shared by enrolment from the camera and from a photo.
pub async fn add_person(
    ctx: AppCtx,
    name: &str,
    templates: &[Embedding],
    thumbnail: Option<String>,
    model: EmbedderModel,
) -> Result<(), AppError> {
    let mut added = Ok(0);
    ctx.gallery.update(|g| {
        added = if g.model() == model {
            g.add(name, templates, thumbnail, wall_clock_ms()).map_err(AppError::from)
        } else {
            // The model was switched while the templates were being taken.
            Err(simface::Error::GalleryModel { found: model.name().into(), expected: g.model().name().into() }.into())
        }
    });
    added?;
    persist(ctx).await.map_err(|e| AppError::NotSaved(Box::new(e)))
}

/// Enrols `name` (or the file's name without its extension) from one photo: it must show exactly one face,
/// good enough for the quality gate. Returns the message to show.
pub async fn enrol_from_photo(ctx: AppCtx, file_name: &str, bytes: &[u8], name: &str) -> Result<String, AppError> {
    if !ctx.engine.is_ready_untracked() {
        return Err(AppError::StillLoading);
    }
    let in_file = |e: AppError| e.in_file(file_name);
    let image = simface::decode_image(bytes).map_err(|e| in_file(e.into()))?;
    let (faces, _) = pipeline::detect(&image, None).await?;
    let face = enrolment::single_face(&faces).map_err(|e| {
        in_file(match e {
            simface::Error::EnrolNoFace => AppError::PhotoNoFace,
            simface::Error::EnrolManyFaces(n) => AppError::PhotoManyFaces(n),
            other => other.into(),
        })
    })?;
    let crop = pipeline::align(&image, face)?;
    let policy = enrolment::EnrolmentPolicy::default();
    let quality = enrolment::gate(face, &crop, &policy.gate).map_err(|issue| in_file(AppError::PoorQuality(issue)))?;
    let (embedding, model, _) = pipeline::embed_crop(&crop).await?;
    let name = if name.trim().is_empty() {
        file_name.rsplit_once('.').map_or(file_name, |(stem, _)| stem).to_string()
    } else {
        name.to_string()
    };
    add_person(ctx, &name, std::slice::from_ref(&embedding), thumbnail(&crop), model).await?;
    Ok(format!("Enrolled {} from {file_name} (quality {:.2}).", name.trim(), quality.score))
}

/// Imports a gallery export (the model in use must have made it) into the gallery, keeping everyone already
/// enrolled, and saves it. Returns the message to show.
pub async fn import(ctx: AppCtx, file_name: &str, bytes: Vec<u8>) -> Result<String, AppError> {
    let text = String::from_utf8(bytes).map_err(|_| AppError::NotText)?;
    let model = ctx.settings.with_untracked(|s| s.model);
    let imported = Gallery::from_json(&text, model)?;
    let in_file = imported.len();
    let mut added = Ok(0);
    ctx.gallery.update(|g| added = g.merge(imported));
    let added = added?;
    persist(ctx).await?;
    let people = |n: usize| if n == 1 { "1 person".to_string() } else { format!("{n} people") };
    Ok(match in_file - added {
        0 => format!("Imported {} from {file_name}.", people(added)),
        known => format!("Imported {} from {file_name}; {} already enrolled.", people(added), people(known)),
    })
}
