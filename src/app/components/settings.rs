//! The settings card: recognition model, detector, detection size and backend. Each select's value parses
//! into its typed setting; a value the app does not know is logged and the change ignored. The models reload
//! by themselves when the settings change (they are a resource keyed on them). A backend that needs the
//! other onnxruntime-web build (WebGPU after the page loaded the WebAssembly one) offers a reload.

use std::str::FromStr;

use leptos::prelude::*;
use simface::{DetectorKind, EmbedderModel};

use crate::app::error::AppError;
use crate::app::services::engine;
use crate::app::state::settings::model_value;
use crate::app::state::{AppCtx, Backend, DetectionSize, Settings};

/// The picker's text for `model`: its label and download size from the manifest, and its speed: measured
/// on this device once the page has used the model (`measured_ms`), else the manifest's reference figure
/// (headless Chromium, one thread, on the 2-core machine the project is built on).
fn model_label(model: EmbedderModel, measured_ms: Option<f64>) -> String {
    let entry = model.entry();
    let size = entry.size as f64 / 1e6;
    match (measured_ms, entry.reference_ms_per_face) {
        (Some(ms), _) => format!("{} · {size:.1} MB · {ms:.0} ms/face here", entry.label),
        (None, Some(reference)) => format!("{} · {size:.1} MB · ~{reference:.0} ms/face", entry.label),
        (None, None) => format!("{} · {size:.1} MB", entry.label),
    }
}

/// What the detector picker says of each detector.
fn detector_label(detector: DetectorKind) -> &'static str {
    match detector {
        DetectorKind::Yunet => "YuNet (landmarks)",
        DetectorKind::Seeta => "SeetaFace (frontal, box only)",
    }
}

/// Parses a select's value and applies it to the settings; an unknown value is logged and ignored.
fn apply<T, E>(ctx: AppCtx, value: &str, set: impl Fn(&mut Settings, T))
where
    T: FromStr<Err = E>,
    E: Into<AppError>,
{
    let parsed = match T::from_str(value) {
        Ok(parsed) => parsed,
        Err(e) => {
            let e: AppError = e.into();
            web_sys::console::error_1(&format!("setting ignored: {e}").into());
            return;
        }
    };
    let before = ctx.settings.get_untracked();
    let mut after = before;
    set(&mut after, parsed);
    if after != before {
        if after.model != before.model {
            ctx.threshold.set(after.model.threshold());
        }
        ctx.settings.set(after);
    }
}

#[component]
pub fn SettingsCard() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let initial = ctx.settings.get_untracked();
    view! {
        <section class="card settings" aria-labelledby="settings-title">
            <h2 id="settings-title">"Settings"</h2>
            <div class="settings-grid">
                <label>
                    <span>"Recognition model"</span>
                    <select data-testid="model" on:change=move |ev| {
                        apply(ctx, &event_target_value(&ev), |s, model: EmbedderModel| s.model = model);
                    }>
                        {EmbedderModel::ALL.into_iter().map(|m| {
                            let label = move || model_label(m, ctx.engine.embed_speed.with(|speeds| speeds.get(&m).copied()));
                            view! { <option value=model_value(m) selected=m == initial.model>{label}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label>
                    <span>"Face detector"</span>
                    <select data-testid="detector" on:change=move |ev| {
                        apply(ctx, &event_target_value(&ev), |s, detector: DetectorKind| s.detector = detector);
                    }>
                        {DetectorKind::ALL.into_iter().map(|d| view! {
                            <option value=d.to_string() selected=d == initial.detector>{detector_label(d)}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>
                    <span>"Detection size"</span>
                    <select data-testid="max-side" on:change=move |ev| {
                        apply(ctx, &event_target_value(&ev), |s, size: DetectionSize| s.detection_size = size);
                    }>
                        {DetectionSize::ALL.into_iter().map(|n| view! {
                            <option value=n.to_string() selected=n == initial.detection_size>{format!("{n} px")}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>
                    <span>"Backend"</span>
                    <select data-testid="backend-choice" on:change=move |ev| {
                        apply(ctx, &event_target_value(&ev), |s, backend: Backend| s.backend = backend);
                    }>
                        {Backend::ALL.into_iter().map(|b| view! {
                            <option value=b.to_string() selected=b == initial.backend>{b.label()}</option>
                        }).collect_view()}
                    </select>
                </label>
            </div>
            <p class="muted small">"Larger detection sizes find smaller faces in group photos, and take longer."</p>
            <label class="check">
                <input
                    type="checkbox"
                    data-testid="liveness-uploads"
                    prop:checked=move || ctx.settings.with(|s| s.liveness_for_uploads)
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        ctx.settings.update(|s| s.liveness_for_uploads = on);
                    }
                />
                " Check liveness of uploaded photos"
            </label>
            <p class="muted small">
                "Liveness tells a live face in front of a camera from a photo or a screen held up to it (two small "
                "anti-spoofing models, MiniFASNet; 3.5 MB, downloaded when needed). A photo taken with \"Take a "
                "photo\" is always checked. An uploaded photo is a photo: the check says whether it looks like a "
                "camera capture of a live person, and web photos are often taken for prints (1 of our 16 portraits "
                "is). It raises the bar against casual attacks; it is not a security guarantee (deep fakes, good "
                "masks and injected video pass it)."
            </p>
            <p class="muted small" data-testid="reload-note" class:hidden=move || !ctx.engine.needs_reload.get()>
                "WebGPU needs the WebGPU build of ONNX Runtime, which this page did not load. The models run on "
                "WebAssembly until the page is reloaded; the settings are kept, the photos are not. "
                <button type="button" class="button" data-testid="reload-for-backend" on:click=move |_| {
                    if let Err(e) = engine::reload_for_backend(ctx.settings.get_untracked()) {
                        web_sys::console::error_1(&format!("the page could not be reloaded: {e}").into());
                    }
                }>"Reload with WebGPU"</button>
            </p>
        </section>
    }
}
