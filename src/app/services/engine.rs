//! The models as a resource keyed on the settings: changing a setting (or pressing Retry) starts a new load
//! of onnxruntime-web (once), the model files, the pipeline and a warm-up run. The latest load wins: an
//! older one still finishing neither reports its phase nor counts as the outcome.

use std::collections::HashMap;

use leptos::{prelude::*, task::spawn_local};

use super::{browser, onnx_web, pipeline};
use crate::app::error::AppError;
use crate::app::state::engine::LoadOutcome;
use crate::app::state::latest::{Latest, Ticket};
use crate::app::state::{EngineState, LoadPhase, Progress, Settings};

/// Background runs of each model after "ready" (see [`pipeline::keep_warming`]).
const WARM_UP_RUNS: usize = 60;

/// onnxruntime-web's threads: several when the page may use `SharedArrayBuffer`, else one.
fn wanted_threads() -> u32 {
    if browser::cross_origin_isolated() { browser::hardware_concurrency().clamp(1, 4) } else { 1 }
}

/// What a load writes as it goes (the engine state without the resource, which is built from it).
#[derive(Clone, Copy)]
struct Reports {
    phase: RwSignal<LoadPhase>,
    progress: RwSignal<Vec<Progress>>,
    threads: RwSignal<Option<u32>>,
    ready_ms: RwSignal<Option<f64>>,
}

/// The models of the page, loaded for `settings` now and again whenever they change.
pub fn start(settings: RwSignal<Settings>) -> EngineState {
    let loads = Latest::new();
    let reports = Reports {
        phase: RwSignal::new(LoadPhase::Starting),
        progress: RwSignal::new(Vec::new()),
        threads: RwSignal::new(None),
        ready_ms: RwSignal::new(None),
    };
    let resource = LocalResource::new(move || {
        // The one tracked read: the resource loads again when the settings change.
        let settings = settings.get();
        let ticket = loads.begin();
        let first = reports.threads.get_untracked().is_none();
        reports.phase.set(if first { LoadPhase::Starting } else { LoadPhase::Loading });
        async move { LoadOutcome { load: ticket.id(), result: load(settings, ticket, reports).await } }
    });
    EngineState {
        resource,
        loads,
        phase: reports.phase,
        progress: reports.progress,
        threads: reports.threads,
        ready_ms: reports.ready_ms,
        embed_speed: RwSignal::new(HashMap::new()),
    }
}

/// One load: onnxruntime-web (the first time), the model files, the pipeline, a warm-up run.
async fn load(settings: Settings, ticket: Ticket, reports: Reports) -> Result<(), AppError> {
    browser::yield_now().await;
    // The models run on the page's thread: measured in the race (`make bench-race`), onnxruntime-web's proxy
    // worker made every YuNet run ~1.6× slower (copies of the tensors both ways, one more hop per run), and the
    // page's own work is off its thread already (the browser decodes the photo). `?inference=worker` keeps the
    // proxy worker for comparison.
    let threads =
        onnx_web::load(&browser::absolute_url("ort/"), wanted_threads(), browser::query_has("inference=worker"))
            .await?;
    reports.threads.set(Some(threads));
    if ticket.is_current() {
        reports.phase.set(LoadPhase::Loading);
    }
    let report = move |p: Progress| {
        reports.progress.update(|list| match list.iter_mut().find(|q| q.file == p.file) {
            Some(q) => *q = p,
            None => list.push(p),
        })
    };
    pipeline::prepare(settings, &report).await?;
    if ticket.is_current() {
        reports.phase.set(LoadPhase::WarmingUp);
    }
    browser::yield_now().await;
    pipeline::warm_up().await?;
    if let Some(n) = onnx_web::threads_in_use() {
        reports.threads.set(Some(n));
    }
    if ticket.is_current() && reports.ready_ms.get_untracked().is_none() {
        reports.ready_ms.set(Some(browser::now_ms()));
    }
    Ok(())
}

/// Keeps both models running in the background for a while once they are ready (a fresh page's first runs
/// are slow), until a newer load starts; then records the embedder's speed on this device.
pub fn keep_warming(engine: EngineState) {
    let ticket = engine.loads.current();
    spawn_local(async move {
        if let Some((model, ms)) = pipeline::keep_warming(WARM_UP_RUNS, move || ticket.is_current()).await {
            engine.embed_speed.update(|speeds| {
                speeds.insert(model, ms);
            });
        }
    });
}
