//! The settings card (recognition model, detector, detection size) and the runtime card (backend,
//! threads, model downloads with progress, retry).

use leptos::prelude::*;
use simface::{DetectorKind, EmbedderModel, matching::calibrated_threshold};

use super::models_loader::LoadState;
use super::state::{AppCtx, EngineStatus};

/// Detection sizes offered (longer image side).
const SIZES: [u32; 5] = [320, 480, 640, 960, 1280];

/// The picker's text for `model`: its download size and its speed, measured on this device once the
/// page has used the model (`measured_ms`), else the reference figure of models/README.md (headless
/// Chromium, one thread, on the 2-core machine the project is built on).
fn model_label(model: EmbedderModel, measured_ms: Option<f64>) -> String {
    let (name, reference_ms) = match model {
        EmbedderModel::EdgefaceXs => ("EdgeFace-XS, most accurate", 32),
        EmbedderModel::EdgefaceXxs => ("EdgeFace-XXS", 17),
        EmbedderModel::EdgefaceXsInt8 => ("EdgeFace-XS int8", 28),
        EmbedderModel::EdgefaceXxsInt8 => ("EdgeFace-XXS int8", 16),
    };
    let size = super::models_loader::manifest_entry(model.file_name()).map(|e| e.size as f64 / 1e6).unwrap_or(0.0);
    match measured_ms {
        Some(ms) => format!("{name} · {size:.1} MB · {ms:.0} ms/face here"),
        None => format!("{name} · {size:.1} MB · ~{reference_ms} ms/face"),
    }
}

#[component]
pub fn SettingsCard() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let change = move |f: &dyn Fn(&mut super::engine::Settings)| {
        let before = ctx.settings.get_untracked();
        let mut after = before;
        f(&mut after);
        if after != before {
            if after.model != before.model {
                ctx.threshold.set(calibrated_threshold(after.model));
            }
            ctx.settings.set(after);
            super::start_engine(ctx);
        }
    };
    view! {
        <section class="card settings" aria-labelledby="settings-title">
            <h2 id="settings-title">"Settings"</h2>
            <div class="settings-grid">
                <label>
                    <span>"Recognition model"</span>
                    <select data-testid="model" on:change=move |ev| {
                        let v = event_target_value(&ev);
                        change(&|s| s.model = EmbedderModel::from_name(&v).unwrap_or_default());
                    }>
                        {EmbedderModel::ALL.into_iter().map(|m| {
                            let short = m.name().trim_start_matches("edgeface_").to_string();
                            let label = move || model_label(m, ctx.embed_speed.with(|speeds| speeds.get(&m).copied()));
                            view! { <option value=short selected=m == EmbedderModel::default()>{label}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label>
                    <span>"Face detector"</span>
                    <select data-testid="detector" on:change=move |ev| {
                        let v = event_target_value(&ev);
                        change(&|s| s.detector = if v == "seeta" { DetectorKind::Seeta } else { DetectorKind::Yunet });
                    }>
                        <option value="yunet" selected=true>"YuNet (landmarks)"</option>
                        <option value="seeta">"SeetaFace (frontal, box only)"</option>
                    </select>
                </label>
                <label>
                    <span>"Detection size"</span>
                    <select data-testid="max-side" on:change=move |ev| {
                        if let Ok(n) = event_target_value(&ev).parse::<u32>() {
                            change(&|s| s.max_side = n);
                        }
                    }>
                        {SIZES.iter().map(|&n| view! {
                            <option value=n.to_string() selected=n == 640>{format!("{n} px")}</option>
                        }).collect_view()}
                    </select>
                </label>
            </div>
            <p class="muted small">"Larger detection sizes find smaller faces in group photos, and take longer."</p>
        </section>
    }
}

fn human_bytes(n: u64) -> String {
    if n >= 1_048_576 { format!("{:.1} MB", n as f64 / 1_048_576.0) } else { format!("{:.0} kB", n as f64 / 1024.0) }
}

#[component]
pub fn RuntimeCard() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let isolated = super::web::cross_origin_isolated();
    let status_text = move || match ctx.status.get() {
        EngineStatus::Starting => "Loading ONNX Runtime…".to_string(),
        EngineStatus::Loading => "Loading the models…".to_string(),
        EngineStatus::WarmingUp => "Warming the models up…".to_string(),
        EngineStatus::Ready => match ctx.ready_ms.get() {
            Some(ms) => format!("Models ready ({:.1} s after the page opened)", ms / 1000.0),
            None => "Models ready".to_string(),
        },
        EngineStatus::Failed(e) => format!("The models could not be loaded: {e}"),
    };
    view! {
        <section class="card runtime" aria-labelledby="runtime-title">
            <h2 id="runtime-title">"Runtime"</h2>
            <p class="engine-status" data-testid="engine-status" data-status=move || format!("{:?}", ctx.status.get()).split('(').next().unwrap_or_default().to_lowercase()
                class:ok=move || ctx.status.get() == EngineStatus::Ready
                class:bad=move || matches!(ctx.status.get(), EngineStatus::Failed(_))
                aria-live="polite" role="status">
                {status_text}
            </p>
            <button type="button" class="button" data-testid="retry"
                class:hidden=move || !matches!(ctx.status.get(), EngineStatus::Failed(_))
                on:click=move |_| super::start_engine(ctx)>"Retry"</button>
            <dl class="facts">
                <dt>"Backend"</dt>
                <dd data-testid="backend">{move || {
                    // Re-read once the runtime is up (the thread count arrives at the same moment).
                    let _ = ctx.threads.get();
                    let place = if simface::runtime::web_in_worker() { ", in a worker" } else { "" };
                    format!("ONNX Runtime Web 1.30 (WebAssembly SIMD{place})")
                }}</dd>
                <dt>"Threads"</dt>
                <dd data-testid="threads">{move || {
                    let n = ctx.threads.get();
                    match (n, isolated) {
                        (Some(n), true) => format!("{n} (cross-origin isolated)"),
                        (Some(n), false) => format!("{n} (page not cross-origin isolated)"),
                        (None, _) => "…".to_string(),
                    }
                }}</dd>
            </dl>
            <ul class="progress-list" data-testid="progress">
                {move || ctx.progress.get().into_iter().map(|p| {
                    let pct = p.percent();
                    let state = match &p.state {
                        LoadState::Downloading => format!("{} / {}", human_bytes(p.loaded), human_bytes(p.total)),
                        LoadState::Verifying => "verifying SHA-256…".to_string(),
                        LoadState::Ready { cached: true } => format!("{} · from cache, verified", human_bytes(p.total)),
                        LoadState::Ready { cached: false } => format!("{} · downloaded, verified", human_bytes(p.total)),
                        LoadState::Failed(e) => e.clone(),
                    };
                    let failed = matches!(p.state, LoadState::Failed(_));
                    view! {
                        <li class:bad=failed data-file=p.file.clone() data-percent=format!("{pct:.0}")>
                            <div class="progress-label">
                                <span class="file">{p.file.clone()}</span>
                                <span class="pct">{format!("{pct:.0} %")}</span>
                            </div>
                            <progress max="100" value=format!("{pct:.1}") aria-label=format!("{} download", p.file)></progress>
                            <span class="muted small">{state}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}
