//! The SimFace web app (Leptos, client-side rendered): two photo slots, their faces, and whether the
//! compared faces are the same person; and a live camera view that matches faces against enrolled people.
//! Everything runs in the page; the models and ONNX Runtime Web come from the page's own origin.
//!
//! Modules: [`state`] (shared signals), [`engine`] (the pipeline and its stages), [`models_loader`]
//! (downloads with progress, Cache API, SHA-256), [`photo_slot`], [`result`], [`settings`] (settings and
//! runtime cards), [`samples`], [`live`] (camera view, tracking, enrolment), [`camera`] (getUserMedia,
//! frames), [`gallery_view`] (enrolled people), [`store`] (IndexedDB), [`canvas`] (drawing), [`web`]
//! (browser helpers).

pub mod camera;
pub mod canvas;
pub mod engine;
pub mod gallery_view;
pub mod live;
pub mod models_loader;
pub mod photo_slot;
pub mod result;
pub mod samples;
pub mod settings;
pub mod state;
pub mod store;
pub mod web;

use leptos::{prelude::*, task::spawn_local};
use simface::matching::calibrated_threshold;
use wasm_bindgen::JsCast;

use engine::Settings;
use gallery_view::GalleryCard;
use live::LiveView;
use models_loader::Progress;
use photo_slot::{PhotoSlot, SlotState, load_file_list, reanalyze};
use result::ResultCard;
use settings::{RuntimeCard, SettingsCard};
use state::{AppCtx, EngineStatus, View};

/// The crate version, shown so a stale cached bundle is easy to spot.
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Background runs of each model after "ready" (see [`engine::keep_warming`]).
const WARM_UP_RUNS: usize = 60;

/// onnxruntime-web's threads: several when the page may use `SharedArrayBuffer`, else one.
fn wanted_threads() -> u32 {
    if web::cross_origin_isolated() { web::hardware_concurrency().clamp(1, 4) } else { 1 }
}

/// (Re)loads what the current settings need: ONNX Runtime Web (once), the models, the pipeline, a
/// warm-up run; then analyses again the photos already in the slots.
pub fn start_engine(ctx: AppCtx) {
    ctx.generation.update(|g| *g += 1);
    let generation = ctx.generation.get_untracked();
    let settings = ctx.settings.get_untracked();
    let current = move || ctx.generation.get_untracked() == generation;
    ctx.status.set(if ctx.threads.get_untracked().is_none() { EngineStatus::Starting } else { EngineStatus::Loading });
    spawn_local(async move {
        web::yield_now().await;
        let result: Result<(), String> = async {
            let threads = simface::runtime::init_web(
                &web::absolute_url("ort/"),
                wanted_threads(),
                !web::query_has("inference=main-thread"),
            )
            .await
            .map_err(|e| e.to_string())?;
            ctx.threads.set(Some(threads));
            if current() {
                ctx.status.set(EngineStatus::Loading);
            }
            let report = move |p: Progress| {
                ctx.progress.update(|list| match list.iter_mut().find(|q| q.file == p.file) {
                    Some(q) => *q = p,
                    None => list.push(p),
                })
            };
            engine::prepare(settings, &report).await?;
            if current() {
                ctx.status.set(EngineStatus::WarmingUp);
            }
            web::yield_now().await;
            engine::warm_up().await?;
            if let Some(n) = simface::runtime::web_threads() {
                ctx.threads.set(Some(n));
            }
            Ok(())
        }
        .await;
        if !current() {
            return;
        }
        match result {
            Ok(()) => {
                ctx.status.set(EngineStatus::Ready);
                if ctx.ready_ms.get_untracked().is_none() {
                    ctx.ready_ms.set(Some(web::now_ms()));
                }
                reanalyze(ctx, ctx.a);
                reanalyze(ctx, ctx.b);
                spawn_local(async move {
                    if let Some((model, ms)) = engine::keep_warming(WARM_UP_RUNS, current).await {
                        ctx.embed_speed.update(|speeds| {
                            speeds.insert(model, ms);
                        });
                    }
                });
            }
            Err(e) => ctx.status.set(EngineStatus::Failed(e)),
        }
    });
}

/// Reports a panic in the page (besides the console), so a crash is never silent.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
        let Some(body) = document.body() else { return };
        if let Ok(el) = document.create_element("div") {
            el.set_class_name("panic");
            let _ = el.set_attribute("role", "alert");
            let _ = el.set_attribute("data-testid", "panic");
            el.set_text_content(Some(&format!(
                "SimFace stopped because of an internal error; reload the page to start again. Details: {info}"
            )));
            let _ = body.prepend_with_node_1(&el);
        }
    }));
}

/// The whole page.
#[component]
pub fn App() -> impl IntoView {
    let settings = Settings::default();
    let ctx = AppCtx {
        view: RwSignal::new(if web::query_has("view=live") { View::Live } else { View::Compare }),
        gallery: RwSignal::new(simface::gallery::Gallery::new(settings.model)),
        settings: RwSignal::new(settings),
        status: RwSignal::new(EngineStatus::Starting),
        progress: RwSignal::new(Vec::new()),
        threads: RwSignal::new(None),
        ready_ms: RwSignal::new(None),
        generation: RwSignal::new(0),
        threshold: RwSignal::new(calibrated_threshold(settings.model)),
        active_slot: RwSignal::new("a"),
        a: SlotState::new("A"),
        b: SlotState::new("B"),
        samples: RwSignal::new(Vec::new()),
        embed_speed: RwSignal::new(Default::default()),
    };
    provide_context(ctx);
    start_engine(ctx);
    samples::fetch_samples(ctx);
    // The gallery of the model in use, again whenever the model changes.
    Effect::new(move |_| {
        let model = ctx.settings.with(|s| s.model);
        spawn_local(async move {
            if let Err(e) = gallery_view::load_gallery(ctx, model).await {
                web_sys::console::warn_1(&e.into());
            }
        });
    });
    // `?simulate=panic`: a deliberate internal error once the page is up, so that the browser tests can
    // check the panic notice (install_panic_hook) without a real bug to trigger it.
    if web::query_has("simulate=panic") {
        spawn_local(async {
            web::sleep_ms(200).await;
            panic!("simulated by ?simulate=panic");
        });
    }

    // A pasted image goes to the slot last used, or to the first empty one.
    let paste = window_event_listener(leptos::ev::paste, move |ev: web_sys::ClipboardEvent| {
        let Some(files) = ev.clipboard_data().and_then(|d| d.files()) else { return };
        if files.length() == 0 {
            return;
        }
        ev.prevent_default();
        let key = ctx.active_slot.get_untracked();
        let slot = if ctx.a.photo.with_untracked(|p| p.is_none()) && key != "b" {
            ctx.a
        } else if ctx.b.photo.with_untracked(|p| p.is_none()) {
            ctx.b
        } else {
            ctx.slot(key)
        };
        load_file_list(ctx, slot, Some(files));
    });
    on_cleanup(move || paste.remove());
    // Dropping a file next to a slot must not navigate away from the page.
    let no_nav = window_event_listener(leptos::ev::dragover, |ev: web_sys::DragEvent| ev.prevent_default());
    let no_nav_drop = window_event_listener(leptos::ev::drop, |ev: web_sys::DragEvent| {
        let in_zone = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|el| el.closest(".dropzone").ok().flatten().is_some());
        if !in_zone {
            ev.prevent_default();
        }
    });
    on_cleanup(move || {
        no_nav.remove();
        no_nav_drop.remove();
    });

    view! {
        <main class="app">
            <header class="app-header">
                <div class="brand">
                    <svg viewBox="0 0 32 32" class="logo" aria-hidden="true">
                        <rect x="2" y="2" width="28" height="28" rx="7" />
                        <circle cx="12" cy="14" r="2" /><circle cx="20" cy="14" r="2" />
                        <path d="M11 21c3 2.5 7 2.5 10 0" />
                    </svg>
                    <h1>"SimFace Web"</h1>
                    <span class="version">{format!("v{VERSION}")}</span>
                </div>
                <p class="lede">
                    "Are these two photos of the same person? Drop a photo on each side. SimFace finds the faces, "
                    "aligns them and compares their EdgeFace embeddings, all in your browser: "
                    "no photo and no result leaves this page."
                </p>
            </header>
            <nav class="tabs" role="tablist" aria-label="Tools">
                <button type="button" role="tab" data-testid="tab-compare"
                    aria-selected=move || (ctx.view.get() == View::Compare).to_string()
                    on:click=move |_| ctx.view.set(View::Compare)>"Compare photos"</button>
                <button type="button" role="tab" data-testid="tab-live"
                    aria-selected=move || (ctx.view.get() == View::Live).to_string()
                    on:click=move |_| ctx.view.set(View::Live)>"Live camera"</button>
            </nav>
            <div class="view" class:hidden=move || ctx.view.get() != View::Compare>
                <div class="slots">
                    <PhotoSlot state=ctx.a tag="a"/>
                    <PhotoSlot state=ctx.b tag="b"/>
                </div>
                <ResultCard/>
            </div>
            <Show when=move || ctx.view.get() == View::Live>
                <div class="view live-view">
                    <LiveView/>
                    <GalleryCard/>
                </div>
            </Show>
            <div class="side">
                <SettingsCard/>
                <RuntimeCard/>
            </div>
            <footer class="app-footer muted small">
                "YuNet (OpenCV Zoo, MIT) · SeetaFace (BSD-2) · EdgeFace (Idiap, BSD-3) · ONNX Runtime Web (MIT)"
            </footer>
        </main>
    }
}
