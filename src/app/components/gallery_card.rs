//! The gallery card: the enrolled people of the current model with their thumbnails, rename, delete one or
//! all, export to and import from a JSON file, and enrolment from a photo (dropped or picked). The gallery's
//! storage and the enrolment itself are `services::gallery`'s.

use leptos::{prelude::*, task::spawn_local};

use super::drop_zone::{DropZone, picked_file};
use crate::app::error::AppError;
use crate::app::services::browser::{download_text, read_blob};
use crate::app::services::gallery::{delete_all, enrol_from_photo, import, persist};
use crate::app::services::photo::MAX_FILE_BYTES;
use crate::app::state::{AppCtx, GalleryLoad};
use simface::gallery::MAX_GALLERY_JSON_BYTES;

#[component]
pub fn GalleryCard() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let message = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<AppError>);
    let confirm_clear = RwSignal::new(false);
    let photo_name = RwSignal::new(String::new());
    let import_ref = NodeRef::<leptos::html::Input>::new();
    let photo_ref = NodeRef::<leptos::html::Input>::new();

    // A stored gallery that cannot be read shows here (the page goes on with an empty one).
    Effect::new(move |_| {
        if let GalleryLoad::Failed(e) = ctx.gallery_load.get() {
            error.set(Some(e));
        }
    });
    let report = move |result: Result<String, AppError>| match result {
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
            let result = match read_blob(&file, MAX_FILE_BYTES).await {
                Ok(bytes) => enrol_from_photo(ctx, &file_name, &bytes, &name).await,
                Err(e) => Err(e.in_file(&file_name)),
            };
            if result.is_ok() {
                photo_name.set(String::new());
            }
            report(result);
        });
    };
    let import_file = move |file: web_sys::File| {
        spawn_local(async move {
            let name = file.name();
            let result = match read_blob(&file, MAX_GALLERY_JSON_BYTES).await {
                Ok(bytes) => import(ctx, &name, bytes).await,
                Err(e) => Err(e),
            };
            report(result.map_err(|e| e.in_file(&name)));
        });
    };

    view! {
        <section class="card gallery" aria-labelledby="gallery-title" data-testid="gallery"
            data-state=move || ctx.gallery_load.with(GalleryLoad::key)>
            <div class="card-head">
                <h2 id="gallery-title">"Gallery"</h2>
                <span class="muted small" data-testid="gallery-count">{move || {
                    let (n, model) = ctx.gallery.with(|g| (g.len(), g.model().name()));
                    format!("{n} {} · {model}", if n == 1 { "person" } else { "people" })
                }}</span>
            </div>
            <p class="muted small">
                "Kept only in this browser (IndexedDB), one gallery per model; nothing is stored until you enrol someone. "
                "These are biometric templates: they can recognise the people in other photos. An exported file carries "
                "them too (it says so), so keep it private. Delete all removes every model's gallery from this browser."
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
                                            ctx.gallery.update(|g| result = g.rename(id, &new));
                                            match result {
                                                Ok(()) => save(format!("Renamed to {}.", new.trim())),
                                                Err(e) => error.set(Some(e.into())),
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
            <DropZone on_file=enrol_file mini=true testid="gallery-drop">
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
                    on:change=move |ev| { if let Some(f) = picked_file(&ev) { enrol_file(f); } }/>
            </DropZone>
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
                    on:change=move |ev| { if let Some(f) = picked_file(&ev) { import_file(f); } }/>
                // Enabled with an empty gallery too: another model's gallery may be stored.
                <button type="button" class="button small danger" data-testid="delete-all"
                    on:click=move |_| {
                        if confirm_clear.get_untracked() {
                            confirm_clear.set(false);
                            spawn_local(async move {
                                report(delete_all(ctx).await.map(|_| {
                                    "Deleted everyone, for every model: nothing is stored any more.".to_string()
                                }));
                            });
                        } else {
                            confirm_clear.set(true);
                        }
                    }
                    on:blur=move |_| confirm_clear.set(false)>
                    {move || if confirm_clear.get() { "Really delete everyone (every model)?" } else { "Delete all" }}
                </button>
            </div>
            <p class="muted small" role="status" data-testid="gallery-message">{move || message.get().unwrap_or_default()}</p>
            <p class="error" role="alert" data-testid="gallery-error" class:hidden=move || error.with(|e| e.is_none())>
                {move || error.with(|e| e.as_ref().map(AppError::to_string).unwrap_or_default())}
            </p>
        </section>
    }
}
