//! One photo slot's card (A or B): the photo with its faces marked (click one to compare it), the face
//! picker, the aligned crop, the quality, the liveness, the timings, and the embedding as a heat strip with "Copy JSON"
//! and "Download JSON". The work on the photo is `services::photo`'s.

use leptos::{prelude::*, task::spawn_local};

use super::camera_capture::CameraCapture;
use super::drop_zone::{DropZone, picked_file};
use super::samples::SamplePicker;
use super::text::{liveness_text, ms, quality_text};
use crate::app::drawing::{draw_heat_strip, draw_photo, put_rgb};
use crate::app::error::AppError;
use crate::app::services::browser::{copy_text, download_text};
use crate::app::services::photo::{compared_record, load_file, select_face};
use crate::app::state::slot::{PhotoSource, SlotActivity};
use crate::app::state::{AppCtx, EngineStatus, Slot, SlotState, View};

/// The compared face as pretty JSON (`simface::report::ImageRecord`, the CLI's shape).
fn record_json(slot: SlotState) -> Option<String> {
    serde_json::to_string_pretty(&compared_record(slot)?).ok()
}

/// The slot's card.
#[component]
pub fn PhotoSlot(state: SlotState) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let slot = state;
    let tag = slot.slot.tag();
    let input_ref = NodeRef::<leptos::html::Input>::new();
    let photo_canvas = NodeRef::<leptos::html::Canvas>::new();
    let crop_canvas = NodeRef::<leptos::html::Canvas>::new();
    let strip_canvas = NodeRef::<leptos::html::Canvas>::new();
    let copied = RwSignal::new(None::<String>);

    Effect::new(move |_| {
        let Some(canvas) = photo_canvas.get() else { return };
        let selected = slot.selected.get();
        slot.photo.with(|photo| {
            let Some(photo) = photo else { return };
            slot.detection.with(|d| {
                let faces = d.as_ref().map_or(&[][..], |d| d.faces.as_slice());
                draw_photo(&canvas, photo, faces, selected);
            });
        });
    });
    Effect::new(move |_| {
        let (Some(crop), Some(strip)) = (crop_canvas.get(), strip_canvas.get()) else { return };
        slot.compared.with(|c| {
            if let Some(c) = c {
                put_rgb(&crop, &c.crop);
                draw_heat_strip(&strip, c.embedding.as_slice());
            }
        });
    });

    // The live view is another tab of the page (this card stays mounted, hidden): leaving for it closes the
    // slot's camera, which releases it.
    Effect::new(move |_| {
        if ctx.view.get() != View::Compare {
            slot.camera.set(false);
        }
    });

    let on_canvas_click = move |ev: web_sys::MouseEvent| {
        let Some(canvas) = photo_canvas.get_untracked() else { return };
        let Some(scale) = slot.photo.with_untracked(|p| p.as_ref().map(|p| p.scale)) else { return };
        let shown = canvas.client_width().max(1) as f32;
        let per_css_px = canvas.width() as f32 / shown / scale;
        let (x, y) = (ev.offset_x() as f32 * per_css_px, ev.offset_y() as f32 * per_css_px);
        let hit = slot.detection.with_untracked(|d| {
            d.as_ref().and_then(|d| {
                d.faces
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| {
                        let b = f.bbox;
                        x >= b.x && x <= b.x + b.width && y >= b.y && y <= b.y + b.height
                    })
                    .min_by(|a, b| a.1.bbox.area().total_cmp(&b.1.bbox.area()))
                    .map(|(i, _)| i)
            })
        });
        if let Some(i) = hit {
            select_face(ctx, slot, i);
        }
    };

    let has_photo = move || slot.photo.with(|p| p.is_some());
    let face_count = move || slot.face_count();
    let take_file = move |file: web_sys::File| {
        ctx.active_slot.set(slot.slot);
        load_file(ctx, slot, file);
    };
    let activity_text = move || {
        slot.activity.with(|a| match a {
            None => String::new(),
            Some(SlotActivity::Reading(name)) => format!("Reading {name}…"),
            Some(SlotActivity::WaitingForModels) => match ctx.engine.status() {
                EngineStatus::Failed(_) => "Waiting for the models: loading them failed, retry above.".to_string(),
                _ => "Waiting for the models to load…".to_string(),
            },
            Some(SlotActivity::FindingFaces) => "Finding faces…".to_string(),
            Some(SlotActivity::Embedding(i)) => format!("Aligning and embedding face {}…", i + 1),
        })
    };
    let title_id = format!("slot-{tag}-title");
    let labelled_by = title_id.clone();

    view! {
        <section class="card slot" aria-labelledby=labelled_by data-slot=tag data-job=move || slot.jobs.count() on:focusin=move |_| ctx.active_slot.set(slot.slot)>
            <div class="slot-head">
                <h2 id=title_id>{format!("Photo {}", slot.slot.label())}</h2>
                <span class="slot-name">{move || slot.photo.with(|p| p.as_ref().map(|p| p.name.clone()).unwrap_or_default())}</span>
            </div>
            <Show when=move || slot.camera.get()>
                <CameraCapture state=slot/>
            </Show>
            <div class:hidden=move || slot.camera.get()>
            <DropZone on_file=take_file filled=Signal::derive(has_photo)>
                <canvas
                    node_ref=photo_canvas
                    class="photo"
                    class:hidden=move || !has_photo()
                    data-testid=format!("photo-{tag}")
                    data-image-width=move || slot.photo.with(|p| p.as_ref().map(|p| p.width.to_string()))
                    data-faces=move || slot.detection.with(|d| {
                        d.as_ref().and_then(|d| serde_json::to_string(&d.faces.iter().map(|f| f.bbox).collect::<Vec<_>>()).ok())
                    })
                    role="img"
                    aria-label=move || format!("Photo {} with {} face(s) marked", slot.slot.label(), face_count())
                    on:click=on_canvas_click
                ></canvas>
                <div class="drop-hint" class:hidden=has_photo>
                    <svg viewBox="0 0 24 24" aria-hidden="true" class="drop-icon">
                        <path d="M12 3v12m0-12-4 4m4-4 4 4M4 15v4a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-4" />
                    </svg>
                    <p>"Drop a photo here or paste one"</p>
                </div>
                <div class="slot-actions">
                    <button type="button" class="button" on:click=move |_| {
                        if let Some(input) = input_ref.get_untracked() {
                            input.click();
                        }
                    }>
                        {move || if has_photo() { "Choose another photo…" } else { "Choose a photo…" }}
                    </button>
                    <button type="button" class="button" data-testid=format!("take-photo-{tag}") on:click=move |_| {
                        ctx.active_slot.set(slot.slot);
                        // One camera at a time: the other slot's closes (and releases it).
                        for other in Slot::ALL.into_iter().filter(|&s| s != slot.slot) {
                            ctx.slot(other).camera.set(false);
                        }
                        slot.camera.set(true);
                    }>"Take a photo…"</button>
                    <SamplePicker state=slot/>
                </div>
                <input
                    node_ref=input_ref
                    type="file"
                    accept="image/*"
                    class="visually-hidden"
                    tabindex="-1"
                    aria-label=format!("Photo {} file", slot.slot.label())
                    data-testid=format!("file-{tag}")
                    on:change=move |ev| {
                        if let Some(file) = picked_file(&ev) {
                            take_file(file);
                        }
                    }
                />
            </DropZone>
            </div>
            <p class="busy" aria-live="polite" class:hidden=move || slot.activity.with(|b| b.is_none())>
                <span class="spinner" aria-hidden="true"></span>
                {activity_text}
            </p>
            <p class="error" role="alert" data-testid=format!("error-{tag}") class:hidden=move || slot.error.with(|e| e.is_none())>
                {move || slot.error.with(|e| e.as_ref().map(AppError::to_string).unwrap_or_default())}
            </p>
            <div class="faces-line" class:hidden=move || face_count() == 0>
                <span data-testid=format!("faces-{tag}")>{move || {
                    let n = face_count();
                    if n == 1 { "1 face found".to_string() } else { format!("{n} faces found") }
                }}</span>
                <label class:hidden=move || face_count() < 2>
                    "Compare face "
                    <select
                        data-testid=format!("face-select-{tag}")
                        on:change=move |ev| {
                            if let Ok(i) = event_target_value(&ev).parse::<usize>() {
                                select_face(ctx, slot, i);
                            }
                        }
                        prop:value=move || slot.selected.get().to_string()
                    >
                        {move || (0..face_count()).map(|i| view! { <option value=i.to_string()>{format!("{}", i + 1)}</option> }).collect_view()}
                    </select>
                </label>
                <span class="hint" class:hidden=move || face_count() < 2>"or click a face in the photo"</span>
            </div>
            <div
                class="face-detail"
                class:hidden=move || slot.compared.with(|c| c.is_none())
                data-face=move || slot.compared.with(|c| c.as_ref().map(|c| c.index.to_string()))
            >
                <figure class="crop">
                    <canvas node_ref=crop_canvas width="112" height="112" data-testid=format!("crop-{tag}")
                        role="img" aria-label="The aligned 112×112 face"></canvas>
                    <figcaption>"Aligned 112×112"</figcaption>
                </figure>
                <div class="face-facts">
                    <dl class="facts">
                        <dt>"Face"</dt>
                        <dd>{move || slot.compared.with(|c| c.as_ref().map(|c| format!("{} of {}", c.index + 1, face_count())).unwrap_or_default())}</dd>
                        <dt>"Detection score"</dt>
                        <dd data-testid=format!("score-{tag}")>{move || {
                            let i = slot.selected.get();
                            slot.detection.with(|d| d.as_ref().and_then(|d| d.faces.get(i)).map(|f| format!("{:.3}", f.score)).unwrap_or_default())
                        }}</dd>
                        <dt>"Quality"</dt>
                        <dd data-testid=format!("quality-{tag}")>{move || slot.compared.with(|c| c.as_ref().map(|c| quality_text(&c.quality)).unwrap_or_default())}</dd>
                        <dt class:hidden=move || slot.compared.with(|c| c.as_ref().is_none_or(|c| c.liveness.is_none()))>"Liveness"</dt>
                        <dd
                            data-testid=format!("liveness-{tag}")
                            class:hidden=move || slot.compared.with(|c| c.as_ref().is_none_or(|c| c.liveness.is_none()))
                            data-live=move || slot.compared.with(|c| c.as_ref().and_then(|c| c.liveness.as_ref()).map(|l| l.live.to_string()))
                            data-real=move || slot.compared.with(|c| c.as_ref().and_then(|c| c.liveness.as_ref()).map(|l| l.real.to_string()))
                        >{move || slot.compared.with(|c| c.as_ref().and_then(|c| c.liveness.as_ref()).map(liveness_text).unwrap_or_default())}</dd>
                        <dt>"Timings"</dt>
                        <dd class="timings" data-testid=format!("timings-{tag}")>{move || {
                            let decode = slot.photo.with(|p| p.as_ref().map(|p| (p.source, p.decode_ms)));
                            let detect = slot.detection.with(|d| d.as_ref().map(|d| d.detect_ms));
                            let c = slot.compared.get();
                            let mut parts = Vec::new();
                            match decode {
                                Some((PhotoSource::Camera, v)) => parts.push(format!("capture {}", ms(v))),
                                Some((PhotoSource::Upload, v)) => parts.push(format!("decode {}", ms(v))),
                                None => {}
                            }
                            if let Some(v) = detect { parts.push(format!("detect {}", ms(v))); }
                            if let Some(c) = c {
                                parts.push(format!("align {}", ms(c.align_ms)));
                                parts.push(format!("embed {}", ms(c.embed_ms)));
                                if let Some(v) = c.liveness_ms {
                                    parts.push(format!("liveness {}", ms(v)));
                                }
                            }
                            parts.join(" · ")
                        }}</dd>
                    </dl>
                    <div class="embedding">
                        <span class="embedding-title">"Embedding (512-d)"</span>
                        <canvas node_ref=strip_canvas class="strip" data-testid=format!("strip-{tag}")
                            role="img" aria-label="The embedding's 512 values as colours, blue negative, red positive"></canvas>
                        <div class="embedding-actions">
                            <button type="button" class="button small" on:click=move |_| {
                                if let Some(json) = record_json(slot) {
                                    spawn_local(async move {
                                        let msg = match copy_text(&json).await {
                                            Ok(()) => "Copied".to_string(),
                                            Err(e) => format!("Copy failed: {e}"),
                                        };
                                        copied.set(Some(msg));
                                    });
                                }
                            }>"Copy JSON"</button>
                            <button type="button" class="button small" on:click=move |_| {
                                if let Some(json) = record_json(slot) {
                                    let name = format!("embedding-{tag}.json");
                                    if let Err(e) = download_text(&name, "application/json", &json) {
                                        copied.set(Some(format!("Download failed: {e}")));
                                    }
                                }
                            }>"Download JSON"</button>
                            <span class="muted" aria-live="polite">{move || copied.get().unwrap_or_default()}</span>
                        </div>
                    </div>
                </div>
            </div>
        </section>
    }
}
