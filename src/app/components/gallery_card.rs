//! The gallery card: the enrolled people of the current model with their thumbnails, rename, delete one or
//! all, export to and import from a JSON file, and enrolment from a photo. The gallery is kept in IndexedDB
//! (`store`) under the model's name, and written back after every change.

use leptos::{prelude::*, task::spawn_local};
use wasm_bindgen::JsCast;

use simface::{EmbedderModel, Embedding, gallery::Gallery, quality::QualityConfig};

use super::camera::data_url;
use super::engine;
use super::state::{AppCtx, EngineStatus};
use super::store;
use super::web::{download_text, read_blob, wall_clock_ms};

fn store_key(model: EmbedderModel) -> String {
    format!("gallery-{}", model.name())
}

/// Replaces the gallery with the one stored for `model` (an empty one when nothing is stored).
pub async fn load_gallery(ctx: AppCtx, model: EmbedderModel) -> Result<(), String> {
    let stored = store::load(&store_key(model)).await?;
    let gallery = match stored {
        Some(json) => Gallery::from_json(&json, model).map_err(|e| format!("the stored gallery is unusable: {e}"))?,
        None => Gallery::new(model),
    };
    if ctx.settings.with_untracked(|s| s.model) == model {
        ctx.gallery.set(gallery);
    }
    Ok(())
}

/// Writes the gallery to IndexedDB (or removes the record when the gallery is empty, so that nothing
/// stays behind after "Delete all").
pub async fn persist(ctx: AppCtx) -> Result<(), String> {
    let (key, json, empty) = ctx.gallery.with_untracked(|g| (store_key(g.model()), g.to_json(), g.is_empty()));
    if empty { store::delete(&key).await } else { store::save(&key, &json).await }
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
) -> Result<(), String> {
    let mut added = Ok(0);
    ctx.gallery.update(|g| {
        added = if g.model() == model {
            g.add(name, templates, thumbnail, wall_clock_ms()).map_err(|e| e.to_string())
        } else {
            Err("the model changed during enrolment; enrol again".into())
        }
    });
    added?;
    persist(ctx).await.map_err(|e| format!("enrolled, but the gallery could not be saved: {e}"))
}

/// Enrols `name` from one photo: it must show exactly one face, good enough for the quality gate.
async fn enrol_from_photo(ctx: AppCtx, file_name: String, bytes: Vec<u8>, name: String) -> Result<String, String> {
    if ctx.status.get_untracked() != EngineStatus::Ready {
        return Err("the models are still loading; try again in a moment".into());
    }
    let image = simface::decode_image(&bytes).map_err(|e| format!("{file_name}: {e}"))?;
    let (faces, _) = engine::detect(&image).await?;
    let face = match faces.as_slice() {
        [] => return Err(format!("{file_name}: no face was found; enrolment needs a photo of one face")),
        [face] => face.clone(),
        more => {
            return Err(format!(
                "{file_name}: {} faces were found; enrolment needs a photo of exactly one face",
                more.len()
            ));
        }
    };
    let crop = engine::align(&image, &face)?;
    let quality = simface::quality::assess(&face, &crop, &QualityConfig::default());
    if let Some(issue) = quality.issues.first() {
        return Err(format!("{file_name}: the face is not good enough to enrol ({})", issue.advice()));
    }
    let (embedding, model, _) = engine::embed_crop(&crop).await?;
    let name = if name.trim().is_empty() {
        file_name.rsplit_once('.').map_or(file_name.as_str(), |(stem, _)| stem).to_string()
    } else {
        name
    };
    add_person(ctx, &name, std::slice::from_ref(&embedding), data_url(&crop), model).await?;
    Ok(format!("Enrolled {} from {file_name} (quality {:.2}).", name.trim(), quality.score))
}

#[component]
pub fn GalleryCard() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let message = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let confirm_clear = RwSignal::new(false);
    let photo_name = RwSignal::new(String::new());
    let import_ref = NodeRef::<leptos::html::Input>::new();
    let photo_ref = NodeRef::<leptos::html::Input>::new();
    let dragging = RwSignal::new(false);

    let report = move |result: Result<String, String>| match result {
        Ok(text) => {
            error.set(None);
            message.set(Some(text));
        }
        Err(text) => {
            message.set(None);
            error.set(Some(text));
        }
    };
    let save = move |done: String| {
        spawn_local(async move { report(persist(ctx).await.map(|_| done)) });
    };
    let enrol_file = move |file: web_sys::File| {
        let name = photo_name.get_untracked();
        message.set(Some(format!("Enrolling from {}…", file.name())));
        error.set(None);
        spawn_local(async move {
            let file_name = file.name();
            let result = match read_blob(&file).await {
                Ok(bytes) => enrol_from_photo(ctx, file_name, bytes, name).await,
                Err(e) => Err(format!("{file_name}: the file could not be read ({e})")),
            };
            if result.is_ok() {
                photo_name.set(String::new());
            }
            report(result);
        });
    };
    let import_file = move |file: web_sys::File| {
        spawn_local(async move {
            let result = async {
                let bytes = read_blob(&file).await?;
                let text = String::from_utf8(bytes).map_err(|_| "the file is not a text (JSON) file".to_string())?;
                let model = ctx.settings.with_untracked(|s| s.model);
                let imported = Gallery::from_json(&text, model).map_err(|e| e.to_string())?;
                let count = imported.len();
                ctx.gallery.set(imported);
                persist(ctx).await?;
                Ok(format!("Imported {count} people from {}.", file.name()))
            }
            .await;
            report(result);
        });
    };
    let first_file = |ev: &web_sys::Event| {
        ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()).and_then(|input| {
            let file = input.files().and_then(|f| f.get(0));
            input.set_value("");
            file
        })
    };

    view! {
        <section class="card gallery" aria-labelledby="gallery-title" data-testid="gallery">
            <div class="card-head">
                <h2 id="gallery-title">"Gallery"</h2>
                <span class="muted small" data-testid="gallery-count">{move || {
                    let (n, model) = ctx.gallery.with(|g| (g.len(), g.model().name()));
                    format!("{n} {} · {model}", if n == 1 { "person" } else { "people" })
                }}</span>
            </div>
            <p class="muted small">
                "Kept only in this browser (IndexedDB), for the model in use; nothing is stored until you enrol someone."
            </p>
            <ul class="people" data-testid="gallery-list">
                <For each=move || ctx.gallery.with(|g| g.people().to_vec()) key=|p| (p.id, p.name.clone(), p.templates.len()) let:person>
                    {
                        let id = person.id;
                        let name = person.name.clone();
                        let label = format!("Name of {name}");
                        let delete_label = format!("Delete {name}");
                        view! {
                            <li class="person" data-testid="person" data-name=name.clone()>
                                {person.thumbnail.clone().map(|src| view! { <img src=src alt=format!("{name}'s aligned face") width="56" height="56"/> })}
                                <div class="person-text">
                                    <input class="person-name" value=name.clone() aria-label=label
                                        on:change=move |ev| {
                                            let new = event_target_value(&ev);
                                            let mut result = Ok(());
                                            ctx.gallery.update(|g| result = g.rename(id, &new).map_err(|e| e.to_string()));
                                            match result {
                                                Ok(()) => save(format!("Renamed to {}.", new.trim())),
                                                Err(e) => error.set(Some(e)),
                                            }
                                        }/>
                                    <span class="muted small">{match person.templates.len() { 1 => "1 template".to_string(), n => format!("{n} templates") }}</span>
                                </div>
                                <button type="button" class="button small" aria-label=delete_label on:click=move |_| {
                                    ctx.gallery.update(|g| { g.remove(id); });
                                    save("Deleted.".into());
                                }>"Delete"</button>
                            </li>
                        }
                    }
                </For>
            </ul>
            <p class="muted small" class:hidden=move || !ctx.gallery.with(|g| g.is_empty())>
                "Nobody enrolled yet: enrol from the camera, or from a photo below."
            </p>
            <div
                class="dropzone mini"
                class:dragging=move || dragging.get()
                on:dragover=move |ev: web_sys::DragEvent| { ev.prevent_default(); dragging.set(true); }
                on:dragleave=move |_| dragging.set(false)
                on:drop=move |ev: web_sys::DragEvent| {
                    ev.prevent_default();
                    dragging.set(false);
                    if let Some(file) = ev.data_transfer().and_then(|d| d.files()).and_then(|f| f.get(0)) {
                        enrol_file(file);
                    }
                }
                data-testid="gallery-drop"
            >
                <label class="inline">
                    "Name "
                    <input type="text" maxlength="64" placeholder="from the file name" data-testid="photo-name"
                        prop:value=move || photo_name.get()
                        on:input=move |ev| photo_name.set(event_target_value(&ev))/>
                </label>
                <button type="button" class="button" on:click=move |_| {
                    if let Some(input) = photo_ref.get_untracked() { input.click(); }
                }>"Enrol from a photo…"</button>
                <span class="muted small">"or drop a photo here"</span>
                <input node_ref=photo_ref type="file" accept="image/*" class="visually-hidden" tabindex="-1"
                    aria-label="Photo to enrol" data-testid="enrol-photo"
                    on:change=move |ev| { if let Some(f) = first_file(&ev) { enrol_file(f); } }/>
            </div>
            <div class="gallery-actions">
                <button type="button" class="button small" data-testid="export"
                    disabled=move || ctx.gallery.with(|g| g.is_empty())
                    on:click=move |_| {
                        let (json, model) = ctx.gallery.with_untracked(|g| (g.to_json(), g.model().name()));
                        report(download_text(&format!("simface-gallery-{model}.json"), "application/json", &json)
                            .map(|_| "Exported the gallery as JSON.".to_string()));
                    }>"Export JSON"</button>
                <button type="button" class="button small" data-testid="import"
                    on:click=move |_| { if let Some(input) = import_ref.get_untracked() { input.click(); } }>"Import JSON…"</button>
                <input node_ref=import_ref type="file" accept="application/json,.json" class="visually-hidden" tabindex="-1"
                    aria-label="Gallery JSON file to import" data-testid="import-file"
                    on:change=move |ev| { if let Some(f) = first_file(&ev) { import_file(f); } }/>
                <button type="button" class="button small danger" data-testid="delete-all"
                    disabled=move || ctx.gallery.with(|g| g.is_empty())
                    on:click=move |_| {
                        if confirm_clear.get_untracked() {
                            confirm_clear.set(false);
                            ctx.gallery.update(|g| g.clear());
                            save("Deleted everyone; nothing is stored any more.".into());
                        } else {
                            confirm_clear.set(true);
                        }
                    }
                    on:blur=move |_| confirm_clear.set(false)>
                    {move || if confirm_clear.get() { "Really delete everyone?" } else { "Delete all" }}
                </button>
            </div>
            <p class="muted small" role="status" data-testid="gallery-message">{move || message.get().unwrap_or_default()}</p>
            <p class="error" role="alert" data-testid="gallery-error" class:hidden=move || error.with(|e| e.is_none())>
                {move || error.get().unwrap_or_default()}
            </p>
        </section>
    }
}
