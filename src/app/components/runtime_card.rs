//! The runtime card: onnxruntime-web's version, the backend that runs the models (WebGPU and its adapter,
//! or WebAssembly, and why not WebGPU when it was asked for), threads, the models' status with Retry after
//! a failure, and each model file's download with its progress.

use leptos::prelude::*;

use super::text::human_bytes;
use crate::app::services::{browser, onnx_web};
use crate::app::state::{AppCtx, EngineStatus, LoadPhase, LoadState, NotWebGpu, Running};

/// "1.30" of onnxruntime-web's pinned "1.30.0".
fn short_version(version: &str) -> String {
    version.split('.').take(2).collect::<Vec<_>>().join(".")
}

#[component]
pub fn RuntimeCard() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let engine = ctx.engine;
    let isolated = browser::cross_origin_isolated();
    let status_text = move || match engine.status() {
        EngineStatus::Busy(LoadPhase::Starting) => "Loading ONNX Runtime…".to_string(),
        EngineStatus::Busy(LoadPhase::Loading) => "Loading the models…".to_string(),
        EngineStatus::Busy(LoadPhase::WarmingUp) => "Warming the models up…".to_string(),
        EngineStatus::Ready => match engine.ready_ms.get() {
            Some(ms) => format!("Models ready ({:.1} s after the page opened)", ms / 1000.0),
            None => "Models ready".to_string(),
        },
        EngineStatus::Failed(e) => format!("The models could not be loaded: {e}"),
    };
    let failed = move || matches!(engine.status(), EngineStatus::Failed(_));
    let backend = move || {
        // Read again once the runtime is up (the thread count arrives at the same moment).
        let _ = engine.threads.get();
        let place = if onnx_web::in_worker() { ", in a worker" } else { "" };
        let on = match engine.running.get() {
            Some(Running::WebGpu(adapter)) => format!("WebGPU ({adapter})"),
            Some(Running::Wasm { .. }) => format!("WebAssembly SIMD{place}"),
            None => "…".to_string(),
        };
        let build = match onnx_web::loaded_bundle() {
            Some(onnx_web::Bundle::WebGpu) => ", WebGPU build",
            _ => "",
        };
        match onnx_web::pinned() {
            Ok(pinned) => format!("{on} · ONNX Runtime Web {}{build}", short_version(&pinned.version)),
            Err(e) => e.to_string(),
        }
    };
    let backend_key = move || engine.running.with(|r| r.as_ref().map_or("", Running::key));
    let why = move || match engine.running.get() {
        Some(Running::Wasm { why: Some(why) }) => Some(why),
        _ => None,
    };
    let why_key = move || match why() {
        Some(NotWebGpu::NoAdapter(_)) => "no-adapter",
        Some(NotWebGpu::SoftwareAdapter(_)) => "software-adapter",
        Some(NotWebGpu::NeedsReload) => "needs-reload",
        Some(NotWebGpu::Failed(_)) => "failed",
        None => "",
    };
    view! {
        <section class="card runtime" aria-labelledby="runtime-title">
            <h2 id="runtime-title">"Runtime"</h2>
            <p class="engine-status" data-testid="engine-status" data-status=move || engine.status().key()
                class:ok=move || engine.is_ready()
                class:bad=failed
                aria-live="polite" role="status">
                {status_text}
            </p>
            <button type="button" class="button" data-testid="retry"
                class:hidden=move || !failed()
                on:click=move |_| engine.retry()>"Retry"</button>
            <dl class="facts">
                <dt>"Backend"</dt>
                <dd data-testid="backend" data-backend=backend_key>{backend}</dd>
                <dt>"Threads"</dt>
                <dd data-testid="threads">{move || {
                    match (engine.threads.get(), isolated) {
                        (Some(n), true) => format!("{n} (cross-origin isolated)"),
                        (Some(n), false) => format!("{n} (page not cross-origin isolated)"),
                        (None, _) => "…".to_string(),
                    }
                }}</dd>
            </dl>
            <p class="muted small" data-testid="backend-note" data-why=why_key class:hidden=move || why().is_none()>
                {move || {
                    // The reason may end in a runtime's message with its own full stop and line break.
                    why().map(|w| format!("Running on WebAssembly: {}.", w.to_string().trim_end_matches(['.', ' ', '\n'])))
                        .unwrap_or_default()
                }}
            </p>
            <ul class="progress-list" data-testid="progress">
                {move || engine.progress.get().into_iter().map(|p| {
                    let pct = p.percent();
                    let state = match &p.state {
                        LoadState::Downloading => format!("{} / {}", human_bytes(p.loaded), human_bytes(p.total)),
                        LoadState::Verifying => "verifying SHA-256…".to_string(),
                        LoadState::Ready { cached: true } => format!("{} · from cache, verified", human_bytes(p.total)),
                        LoadState::Ready { cached: false } => format!("{} · downloaded, verified", human_bytes(p.total)),
                        LoadState::Failed(e) => e.to_string(),
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
