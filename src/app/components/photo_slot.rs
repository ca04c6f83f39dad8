//! One photo slot (A or B): the photo comes in (drop, pick, paste or sample), is decoded, its faces are
//! found, one is chosen (the largest unless the user clicks another), aligned and embedded. Every stage
//! yields to the browser first, so the page keeps responding.

use std::sync::Arc;

use image::RgbImage;
use leptos::{prelude::*, task::spawn_local};
use simface::{EmbedderModel, Embedding, Face, quality::Quality};

use super::canvas::{PREVIEW_SIDE, draw_heat_strip, draw_photo, put_rgb};
use super::engine;
use super::samples::SamplePicker;
use super::state::{AppCtx, EngineStatus};
use super::web::{copy_text, download_text, fetch_bytes, now_ms, read_blob, sleep_ms, yield_now};

/// Files larger than this are refused before decoding.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;

/// A decoded photo.
#[derive(Clone)]
pub struct Photo {
    pub name: String,
    pub image: Arc<RgbImage>,
    /// What is shown: the photo with its longer side at most [`PREVIEW_SIDE`].
    pub preview: Arc<RgbImage>,
    /// Preview pixels per photo pixel.
    pub scale: f32,
    pub decode_ms: f64,
}

/// The faces found in a photo.
#[derive(Clone)]
pub struct Detection {
    pub faces: Vec<Face>,
    pub detect_ms: f64,
}

/// The compared face: its crop and embedding.
#[derive(Clone)]
pub struct Compared {
    pub index: usize,
    pub crop: Arc<RgbImage>,
    pub embedding: Arc<Embedding>,
    pub model: EmbedderModel,
    pub quality: Quality,
    pub align_ms: f64,
    pub embed_ms: f64,
}

/// The reactive state of one slot.
#[derive(Clone, Copy)]
pub struct SlotState {
    pub label: &'static str,
    pub photo: RwSignal<Option<Photo>>,
    pub detection: RwSignal<Option<Detection>>,
    pub selected: RwSignal<usize>,
    pub compared: RwSignal<Option<Compared>>,
    /// What the slot is doing now, shown as it happens.
    pub busy: RwSignal<Option<String>>,
    pub error: RwSignal<Option<String>>,
    /// Bumped by every new photo or re-analysis; a job that finds it changed stops.
    job: RwSignal<u64>,
}

impl SlotState {
    pub fn new(label: &'static str) -> Self {
        Self {
            label,
            photo: RwSignal::new(None),
            detection: RwSignal::new(None),
            selected: RwSignal::new(0),
            compared: RwSignal::new(None),
            busy: RwSignal::new(None),
            error: RwSignal::new(None),
            job: RwSignal::new(0),
        }
    }

    fn next_job(&self) -> u64 {
        self.job.update(|j| *j += 1);
        self.job.get_untracked()
    }

    fn current(&self, job: u64) -> bool {
        self.job.get_untracked() == job
    }

    fn fail(&self, job: u64, message: String) {
        if self.current(job) {
            self.busy.set(None);
            self.error.set(Some(message));
        }
    }
}

/// Takes a new photo into the slot: decode, then analyse.
pub fn load_photo(ctx: AppCtx, slot: SlotState, name: String, bytes: Vec<u8>) {
    let job = slot.next_job();
    slot.photo.set(None);
    slot.detection.set(None);
    slot.compared.set(None);
    slot.error.set(None);
    slot.selected.set(0);
    slot.busy.set(Some(format!("Reading {name}…")));
    spawn_local(async move {
        yield_now().await;
        if bytes.len() > MAX_FILE_BYTES {
            let mb = bytes.len() as f64 / 1_048_576.0;
            return slot.fail(job, format!("{name}: the file is {mb:.0} MB; the limit is {} MB", MAX_FILE_BYTES >> 20));
        }
        let start = now_ms();
        let image = match simface::decode_image(&bytes) {
            Ok(image) => image,
            Err(e) => return slot.fail(job, format!("{name}: {e}")),
        };
        let decode_ms = now_ms() - start;
        let (preview, back) = simface::decode::downscale_for_detection(&image, PREVIEW_SIDE);
        let preview = Arc::new(preview.into_owned());
        let scale = 1.0 / back.0;
        if !slot.current(job) {
            return;
        }
        slot.photo.set(Some(Photo { name, image: Arc::new(image), preview, scale, decode_ms }));
        analyze(ctx, slot, job).await;
    });
}

/// Runs detection (and then the embedding of the chosen face) again, e.g. after a settings change.
pub fn reanalyze(ctx: AppCtx, slot: SlotState) {
    if slot.photo.with_untracked(|p| p.is_none()) {
        return;
    }
    let job = slot.next_job();
    spawn_local(async move { analyze(ctx, slot, job).await });
}

async fn analyze(ctx: AppCtx, slot: SlotState, job: u64) {
    slot.error.set(None);
    // The models may still be loading.
    loop {
        if !slot.current(job) {
            return;
        }
        match ctx.status.get_untracked() {
            EngineStatus::Ready => break,
            EngineStatus::Failed(_) => {
                slot.busy.set(Some("Waiting for the models: loading them failed, retry above.".into()))
            }
            _ => slot.busy.set(Some("Waiting for the models to load…".into())),
        }
        sleep_ms(100).await;
    }
    let Some(image) = slot.photo.with_untracked(|p| p.as_ref().map(|p| p.image.clone())) else { return };
    slot.busy.set(Some("Finding faces…".into()));
    yield_now().await;
    let (faces, detect_ms) = match engine::detect(&image).await {
        Ok(found) => found,
        Err(e) => return slot.fail(job, e),
    };
    if !slot.current(job) {
        return;
    }
    let count = faces.len();
    slot.detection.set(Some(Detection { faces, detect_ms }));
    if count == 0 {
        slot.compared.set(None);
        return slot.fail(job, simface::Error::NoFace.to_string());
    }
    let keep = slot.selected.get_untracked();
    let index = if keep < count { keep } else { 0 };
    slot.selected.set(index);
    embed_selected(slot, job).await;
}

/// Compares another face of the photo.
pub fn select_face(slot: SlotState, index: usize) {
    let count = slot.detection.with_untracked(|d| d.as_ref().map_or(0, |d| d.faces.len()));
    if index >= count || (slot.selected.get_untracked() == index && slot.compared.with_untracked(|c| c.is_some())) {
        return;
    }
    let job = slot.next_job();
    slot.selected.set(index);
    spawn_local(async move { embed_selected(slot, job).await });
}

async fn embed_selected(slot: SlotState, job: u64) {
    let index = slot.selected.get_untracked();
    let Some(image) = slot.photo.with_untracked(|p| p.as_ref().map(|p| p.image.clone())) else { return };
    let Some(face) = slot.detection.with_untracked(|d| d.as_ref().and_then(|d| d.faces.get(index).cloned())) else {
        return;
    };
    slot.busy.set(Some(format!("Aligning and embedding face {}…", index + 1)));
    yield_now().await;
    match engine::embed(&image, &face).await {
        Ok(e) if slot.current(job) => {
            slot.compared.set(Some(Compared {
                index,
                crop: Arc::new(e.crop),
                embedding: Arc::new(e.embedding),
                model: e.model,
                quality: e.quality,
                align_ms: e.align_ms,
                embed_ms: e.embed_ms,
            }));
            slot.busy.set(None);
        }
        Ok(_) => {}
        Err(e) => slot.fail(job, e),
    }
}

/// The quality gate's verdict in a few words: the score and, when it fails, the first thing to fix.
pub fn quality_text(q: &Quality) -> String {
    match q.issues.first() {
        None => format!("{:.2} · good for enrolment", q.score),
        Some(issue) => format!("{:.2} · {}", q.score, issue.advice()),
    }
}

/// Takes the first file of a list (drop, pick or paste).
pub fn load_file_list(ctx: AppCtx, slot: SlotState, files: Option<web_sys::FileList>) {
    let Some(file) = files.and_then(|f| f.get(0)) else { return };
    let name = file.name();
    spawn_local(async move {
        match read_blob(&file).await {
            Ok(bytes) => load_photo(ctx, slot, name, bytes),
            Err(e) => slot.error.set(Some(format!("{name}: the file could not be read ({e})"))),
        }
    });
}

/// Loads a sample photo by its path under `samples/`.
pub fn load_sample(ctx: AppCtx, slot: SlotState, path: String) {
    spawn_local(async move {
        match fetch_bytes(&format!("samples/{path}")).await {
            Ok(Some(bytes)) => load_photo(ctx, slot, path, bytes),
            Ok(None) => slot.error.set(Some(format!("the sample {path} is not available"))),
            Err(e) => slot.error.set(Some(format!("the sample {path} could not be loaded: {e}"))),
        }
    });
}

/// The embedding of the compared face as JSON.
fn embedding_json(slot: SlotState) -> Option<String> {
    let compared = slot.compared.get_untracked()?;
    let name = slot.photo.with_untracked(|p| p.as_ref().map(|p| p.name.clone()))?;
    let face = slot.detection.with_untracked(|d| d.as_ref().and_then(|d| d.faces.get(compared.index).cloned()))?;
    let value = serde_json::json!({
        "file": name,
        "face": compared.index,
        "model": compared.model.name(),
        "bbox": face.bbox,
        "score": face.score,
        "landmarks": face.landmarks,
        "embedding": compared.embedding.as_slice(),
    });
    serde_json::to_string_pretty(&value).ok()
}

fn ms(v: f64) -> String {
    if v < 10.0 { format!("{v:.1} ms") } else { format!("{v:.0} ms") }
}

/// The slot's card.
#[component]
pub fn PhotoSlot(state: SlotState, tag: &'static str) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let slot = state;
    let input_ref = NodeRef::<leptos::html::Input>::new();
    let photo_canvas = NodeRef::<leptos::html::Canvas>::new();
    let crop_canvas = NodeRef::<leptos::html::Canvas>::new();
    let strip_canvas = NodeRef::<leptos::html::Canvas>::new();
    let dragging = RwSignal::new(false);
    let copied = RwSignal::new(None::<String>);

    Effect::new(move |_| {
        let Some(canvas) = photo_canvas.get() else { return };
        let selected = slot.selected.get();
        slot.photo.with(|photo| {
            let Some(photo) = photo else { return };
            slot.detection.with(|d| {
                let faces = d.as_ref().map_or(&[][..], |d| d.faces.as_slice());
                draw_photo(&canvas, &photo.preview, photo.scale, faces, selected);
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
            select_face(slot, i);
        }
    };

    let has_photo = move || slot.photo.with(|p| p.is_some());
    let face_count = move || slot.detection.with(|d| d.as_ref().map_or(0, |d| d.faces.len()));
    let title_id = format!("slot-{tag}-title");
    let labelled_by = title_id.clone();

    view! {
        <section class="card slot" aria-labelledby=labelled_by data-slot=tag data-job=move || slot.job.get() on:focusin=move |_| ctx.active_slot.set(tag)>
            <div class="slot-head">
                <h2 id=title_id>{format!("Photo {}", slot.label)}</h2>
                <span class="slot-name">{move || slot.photo.with(|p| p.as_ref().map(|p| p.name.clone()).unwrap_or_default())}</span>
            </div>
            <div
                class="dropzone"
                class:dragging=move || dragging.get()
                class:filled=has_photo
                on:dragover=move |ev: web_sys::DragEvent| {
                    ev.prevent_default();
                    dragging.set(true);
                }
                on:dragleave=move |_| dragging.set(false)
                on:drop=move |ev: web_sys::DragEvent| {
                    ev.prevent_default();
                    dragging.set(false);
                    ctx.active_slot.set(tag);
                    load_file_list(ctx, slot, ev.data_transfer().and_then(|d| d.files()));
                }
            >
                <canvas
                    node_ref=photo_canvas
                    class="photo"
                    class:hidden=move || !has_photo()
                    data-testid=format!("photo-{tag}")
                    data-image-width=move || slot.photo.with(|p| p.as_ref().map(|p| p.image.width().to_string()))
                    data-faces=move || slot.detection.with(|d| {
                        d.as_ref().and_then(|d| serde_json::to_string(&d.faces.iter().map(|f| f.bbox).collect::<Vec<_>>()).ok())
                    })
                    role="img"
                    aria-label=move || format!("Photo {} with {} face(s) marked", slot.label, face_count())
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
                    <SamplePicker state=slot tag=tag/>
                </div>
                <input
                    node_ref=input_ref
                    type="file"
                    accept="image/*"
                    class="visually-hidden"
                    tabindex="-1"
                    aria-label=format!("Photo {} file", slot.label)
                    data-testid=format!("file-{tag}")
                    on:change=move |ev| {
                        let input: web_sys::HtmlInputElement = event_target(&ev);
                        ctx.active_slot.set(tag);
                        load_file_list(ctx, slot, input.files());
                        input.set_value("");
                    }
                />
            </div>
            <p class="busy" aria-live="polite" class:hidden=move || slot.busy.with(|b| b.is_none())>
                <span class="spinner" aria-hidden="true"></span>
                {move || slot.busy.get().unwrap_or_default()}
            </p>
            <p class="error" role="alert" data-testid=format!("error-{tag}") class:hidden=move || slot.error.with(|e| e.is_none())>
                {move || slot.error.get().unwrap_or_default()}
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
                                select_face(slot, i);
                            }
                        }
                        prop:value=move || slot.selected.get().to_string()
                    >
                        {move || (0..face_count()).map(|i| view! { <option value=i.to_string()>{format!("{}", i + 1)}</option> }).collect_view()}
                    </select>
                </label>
                <span class="hint" class:hidden=move || face_count() < 2>"or click a face in the photo"</span>
            </div>
            <div class="face-detail" class:hidden=move || slot.compared.with(|c| c.is_none())>
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
                        <dt>"Timings"</dt>
                        <dd class="timings" data-testid=format!("timings-{tag}")>{move || {
                            let decode = slot.photo.with(|p| p.as_ref().map(|p| p.decode_ms));
                            let detect = slot.detection.with(|d| d.as_ref().map(|d| d.detect_ms));
                            let c = slot.compared.get();
                            let mut parts = Vec::new();
                            if let Some(v) = decode { parts.push(format!("decode {}", ms(v))); }
                            if let Some(v) = detect { parts.push(format!("detect {}", ms(v))); }
                            if let Some(c) = c {
                                parts.push(format!("align {}", ms(c.align_ms)));
                                parts.push(format!("embed {}", ms(c.embed_ms)));
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
                                if let Some(json) = embedding_json(slot) {
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
                                if let Some(json) = embedding_json(slot) {
                                    let name = format!("embedding-{}.json", slot.label.to_lowercase());
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
