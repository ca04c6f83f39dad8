//! The SimFace web app (Leptos, client-side rendered): two photo slots, their faces, and whether the
//! compared faces are the same person; and a live camera view that matches faces against enrolled people.
//! Everything runs in the page; the models and ONNX Runtime Web come from the page's own origin.
//!
//! Layers, each using only the ones after it (`layers_check.rs`, a native test run by
//! `cargo test -p simface-web`, reads the sources and fails on an import cycle or an import against them):
//! - [`live`] (the camera view, its frame loop and enrolment), then [`components`] (the cards);
//! - [`services`] (models, photos, gallery and storage, camera, browser helpers), then [`drawing`];
//! - [`state`] (the shared context, slots, settings, live face types, "latest request wins");
//! - [`error`] (the one error type), then the core crate `simface`.

pub mod components;
pub mod drawing;
pub mod error;
pub mod live;
pub mod services;
pub mod state;

use std::str::FromStr;

use leptos::{prelude::*, task::spawn_local};
use simface::gallery::Gallery;
use wasm_bindgen::JsCast;

use components::drop_zone::first_file;
use components::{GalleryCard, PhotoSlot, ResultCard, RuntimeCard, SettingsCard};
use live::LiveView;
use services::{browser, engine, gallery, offline, photo};
use state::{AppCtx, GalleryLoad, Settings, Slot, SlotState, View};

/// The crate version, shown so a stale cached bundle is easy to spot.
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The view `?view=` asks for; an unknown one is logged and the compare view shown.
fn initial_view() -> View {
    match browser::query_value("view").map(|v| View::from_str(&v)) {
        None => View::Compare,
        Some(Ok(view)) => view,
        Some(Err(e)) => {
            web_sys::console::warn_1(&e.to_string().into());
            View::Compare
        }
    }
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
    let settings = RwSignal::new(Settings::default());
    let model = settings.get_untracked().model;
    let ctx = AppCtx {
        view: RwSignal::new(initial_view()),
        settings,
        engine: engine::start(settings),
        gallery: RwSignal::new(Gallery::new(model)),
        gallery_load: RwSignal::new(GalleryLoad::Loading),
        threshold: RwSignal::new(model.threshold()),
        active_slot: RwSignal::new(Slot::A),
        a: SlotState::new(Slot::A),
        b: SlotState::new(Slot::B),
        samples: services::samples::resource(),
    };
    provide_context(ctx);
    // Each time the models become ready (first load, new settings, retry): the photos already in the slots
    // are analysed again, then both models keep running in the background for a while. The first time, the
    // service worker for offline use is registered (not earlier: its downloads would slow the models').
    Effect::new(move |was_ready: Option<bool>| {
        let ready = ctx.engine.is_ready();
        if ready && was_ready != Some(true) {
            photo::reanalyze(ctx, ctx.a);
            photo::reanalyze(ctx, ctx.b);
            engine::keep_warming(ctx.engine);
            offline::register_once();
        }
        ready
    });
    // The gallery of the model in use, again whenever the model changes.
    Effect::new(move |_| {
        let model = ctx.settings.with(|s| s.model);
        spawn_local(gallery::load_gallery(ctx, model));
    });
    // `?simulate=panic`: a deliberate internal error once the page is up, so that the browser tests can
    // check the panic notice (install_panic_hook) without a real bug to trigger it.
    if browser::query_has("simulate=panic") {
        spawn_local(async {
            browser::sleep_ms(200).await;
            panic!("simulated by ?simulate=panic");
        });
    }

    // A pasted image goes to the slot last used, or to the first empty one.
    let paste = window_event_listener(leptos::ev::paste, move |ev: web_sys::ClipboardEvent| {
        let Some(file) = first_file(ev.clipboard_data().and_then(|d| d.files())) else { return };
        ev.prevent_default();
        let last = ctx.active_slot.get_untracked();
        let slot = if ctx.a.photo.with_untracked(|p| p.is_none()) && last != Slot::B {
            ctx.a
        } else if ctx.b.photo.with_untracked(|p| p.is_none()) {
            ctx.b
        } else {
            ctx.slot(last)
        };
        photo::load_file(ctx, slot, file);
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
                    <PhotoSlot state=ctx.a/>
                    <PhotoSlot state=ctx.b/>
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
