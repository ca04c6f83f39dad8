//! The models as a resource keyed on the settings: changing a setting (or pressing Retry) starts a new load
//! of onnxruntime-web (once), the model files, the pipeline and a warm-up run. The latest load wins: an
//! older one still finishing neither reports its phase nor counts as the outcome.
//!
//! Each load also decides where the models run (the backend setting, the browser's WebGPU adapter, the
//! onnxruntime-web build the page loaded, an earlier WebGPU failure) and falls back to WebAssembly when
//! WebGPU fails: a session that cannot be created or a warm-up run that fails here, a failed run of a
//! photo or camera frame through [`pipeline::on_webgpu_failure`]. The fall back is a new load on
//! WebAssembly (the WebGPU build runs it too, so no reload); the photos stay in their slots and are analysed
//! again once the models are ready, as after any settings change.

use std::collections::HashMap;
use std::str::FromStr;

use leptos::{prelude::*, task::spawn_local};
use simface::runtime::Execution;
use simface::{DetectorKind, EmbedderModel};

use super::onnx_web::Bundle;
use super::{browser, onnx_web, pipeline};
use crate::app::error::AppError;
use crate::app::state::engine::{LoadOutcome, NoAdapter};
use crate::app::state::latest::{Latest, Ticket};
use crate::app::state::settings::model_value;
use crate::app::state::{
    AdapterInfo, Backend, DetectionSize, EngineState, LoadPhase, NotWebGpu, Progress, Running, Settings,
};

/// Where the backend choice is kept between visits (`localStorage`): it is a choice about this device.
const BACKEND_KEY: &str = "simface.backend";

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
    running: RwSignal<Option<Running>>,
    /// The first WebGPU failure of this page (sticky until a reload: every load from then on runs on
    /// WebAssembly).
    webgpu_failure: RwSignal<Option<AppError>>,
    needs_reload: RwSignal<bool>,
}

/// The models of the page, loaded for `settings` now and again whenever they change (or WebGPU fails).
///
/// Before the first load the settings take what the page was opened with: the backend kept from the last
/// visit, and `?backend=`, `?model=`, `?detector=`, `?size=` from the address (the reload that switches
/// onnxruntime-web's build carries the settings there, see [`reload_for_backend`]). From then on the
/// backend is kept whenever it changes.
pub fn start(settings: RwSignal<Settings>) -> EngineState {
    settings.update_untracked(apply_page_settings);
    Effect::new(move |_| {
        let backend = settings.with(|s| s.backend);
        if let Err(e) = browser_storage_set(BACKEND_KEY, &backend.to_string()) {
            web_sys::console::warn_1(&format!("the backend choice could not be kept: {e}").into());
        }
    });
    let loads = Latest::new();
    let reports = Reports {
        phase: RwSignal::new(LoadPhase::Starting),
        progress: RwSignal::new(Vec::new()),
        threads: RwSignal::new(None),
        ready_ms: RwSignal::new(None),
        running: RwSignal::new(None),
        webgpu_failure: RwSignal::new(None),
        needs_reload: RwSignal::new(false),
    };
    // A model run that fails on WebGPU (a photo, a camera frame, the background warm-up): the first such
    // failure moves the page to WebAssembly, which starts a new load.
    pipeline::on_webgpu_failure(move |error| {
        if reports.webgpu_failure.get_untracked().is_none() {
            web_sys::console::warn_1(&format!("WebGPU failed, moving to WebAssembly: {error}").into());
            reports.webgpu_failure.set(Some(error));
        }
    });
    let resource = LocalResource::new(move || {
        // The tracked reads: the resource loads again when the settings change or WebGPU fails.
        let settings = settings.get();
        let failure = reports.webgpu_failure.get();
        let ticket = loads.begin();
        let first = reports.threads.get_untracked().is_none();
        reports.phase.set(if first { LoadPhase::Starting } else { LoadPhase::Loading });
        async move { LoadOutcome { load: ticket.id(), result: load(settings, failure, ticket, reports).await } }
    });
    EngineState {
        resource,
        loads,
        phase: reports.phase,
        progress: reports.progress,
        threads: reports.threads,
        ready_ms: reports.ready_ms,
        embed_speed: RwSignal::new(HashMap::new()),
        running: reports.running,
        needs_reload: reports.needs_reload,
    }
}

/// The settings the page opens with: the kept backend, then whatever the address names. A value the app
/// does not know is logged and skipped (never a silent default for a known key).
fn apply_page_settings(settings: &mut Settings) {
    fn take<T: FromStr<Err = AppError>>(value: Option<String>, set: impl FnOnce(T)) {
        match value.map(|v| T::from_str(&v)) {
            Some(Ok(parsed)) => set(parsed),
            Some(Err(e)) => web_sys::console::warn_1(&format!("setting ignored: {e}").into()),
            None => {}
        }
    }
    take(browser_storage_get(BACKEND_KEY), |b: Backend| settings.backend = b);
    take(browser::query_value("backend"), |b: Backend| settings.backend = b);
    take(browser::query_value("size"), |n: DetectionSize| settings.detection_size = n);
    if let Some(value) = browser::query_value("model") {
        match EmbedderModel::from_str(&value) {
            Ok(model) => settings.model = model,
            Err(e) => web_sys::console::warn_1(&format!("setting ignored: {e}").into()),
        }
    }
    if let Some(value) = browser::query_value("detector") {
        match DetectorKind::from_str(&value) {
            Ok(detector) => settings.detector = detector,
            Err(e) => web_sys::console::warn_1(&format!("setting ignored: {e}").into()),
        }
    }
}

/// `window.localStorage` (through `Reflect`: web-sys's `Storage` would rebuild web-sys and everything on it
/// for two calls). `None` where the browser refuses it (some private modes, sandboxed frames).
fn local_storage() -> Option<wasm_bindgen::JsValue> {
    let window = web_sys::window()?;
    js_sys::Reflect::get(&window, &"localStorage".into()).ok().filter(|s| s.is_object())
}

/// Calls `storage.<method>(args…)`.
fn storage_call(method: &str, args: &[&str]) -> Result<wasm_bindgen::JsValue, AppError> {
    use wasm_bindgen::JsCast;
    let storage = local_storage().ok_or_else(|| AppError::Storage("this page has no localStorage".into()))?;
    let f: js_sys::Function = js_sys::Reflect::get(&storage, &method.into())
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or_else(|| AppError::Storage(format!("localStorage has no {method}")))?;
    let args: js_sys::Array = args.iter().map(|a| wasm_bindgen::JsValue::from_str(a)).collect();
    f.apply(&storage, &args).map_err(|e| AppError::js(&e))
}

fn browser_storage_get(key: &str) -> Option<String> {
    storage_call("getItem", &[key]).ok()?.as_string()
}

fn browser_storage_set(key: &str, value: &str) -> Result<(), AppError> {
    storage_call("setItem", &[key, value]).map(|_| ())
}

/// Reloads the page to switch onnxruntime-web's build (WebAssembly → WebGPU), with the settings in the
/// address so that none is lost (the backend is kept anyway). The photos in the slots are not kept: the
/// settings card says so on the button.
pub fn reload_for_backend(settings: Settings) -> Result<(), AppError> {
    let window = web_sys::window().ok_or_else(browser::no_window)?;
    let location = window.location();
    let keep: Vec<String> = location
        .search()
        .unwrap_or_default()
        .trim_start_matches('?')
        .split('&')
        .filter(|part| {
            !part.is_empty()
                && !["backend", "model", "detector", "size"].contains(&part.split('=').next().unwrap_or(""))
        })
        .map(str::to_string)
        .collect();
    let mut query = keep;
    query.push(format!("backend={}", settings.backend));
    query.push(format!("model={}", model_value(settings.model)));
    query.push(format!("detector={}", settings.detector));
    query.push(format!("size={}", settings.detection_size));
    location.set_search(&query.join("&")).map_err(|e| AppError::js(&e))
}

/// Where one load runs the models: the build to load (the first time), the execution provider, and what
/// the runtime card says.
struct Plan {
    bundle: Bundle,
    execution: Execution,
    running: Running,
    needs_reload: bool,
}

/// Decides where the models run. `adapter` is `None` when nobody looked (WebAssembly chosen).
///
/// Automatic takes WebGPU only on a hardware adapter: on a software one (SwiftShader here) the models run
/// on the CPU through an emulated GPU, several times slower than WebAssembly (see the README's numbers),
/// so an explicit WebGPU choice is needed to use it. Once WebGPU has failed on this page, every load runs
/// on WebAssembly until a reload.
fn plan(
    backend: Backend,
    adapter: Option<&Result<AdapterInfo, NoAdapter>>,
    loaded: Option<Bundle>,
    failure: Option<&AppError>,
    in_worker: bool,
) -> Plan {
    let wasm = |why: Option<NotWebGpu>, needs_reload: bool| Plan {
        bundle: loaded.unwrap_or(Bundle::Wasm),
        execution: Execution::Cpu,
        running: Running::Wasm { why },
        needs_reload,
    };
    if backend == Backend::Wasm {
        return wasm(None, false);
    }
    if in_worker {
        return wasm(Some(NotWebGpu::NoAdapter(NoAdapter::ProxyWorker)), false);
    }
    if let Some(e) = failure {
        return wasm(Some(NotWebGpu::Failed(e.clone())), false);
    }
    let adapter = match adapter {
        Some(Ok(adapter)) => adapter,
        Some(Err(why)) => return wasm(Some(NotWebGpu::NoAdapter(why.clone())), false),
        None => return wasm(None, false),
    };
    if backend == Backend::Auto && adapter.software {
        return wasm(Some(NotWebGpu::SoftwareAdapter(adapter.clone())), false);
    }
    if loaded == Some(Bundle::Wasm) {
        return wasm(Some(NotWebGpu::NeedsReload), true);
    }
    Plan {
        bundle: Bundle::WebGpu,
        execution: Execution::WebGpu,
        running: Running::WebGpu(adapter.clone()),
        needs_reload: false,
    }
}

/// One load: onnxruntime-web (the first time), the model files, the pipeline, a warm-up run; on WebGPU,
/// any failure of the pipeline's set-up or warm-up is recorded and the load goes on on WebAssembly.
async fn load(settings: Settings, failure: Option<AppError>, ticket: Ticket, reports: Reports) -> Result<(), AppError> {
    browser::yield_now().await;
    // The models run on the page's thread: measured in the race (`make bench-race`), onnxruntime-web's proxy
    // worker made every YuNet run ~1.6× slower (copies of the tensors both ways, one more hop per run), and the
    // page's own work is off its thread already (the browser decodes the photo). `?inference=worker` keeps the
    // proxy worker for comparison.
    let in_worker = browser::query_has("inference=worker");
    let adapter =
        if settings.backend == Backend::Wasm || in_worker { None } else { Some(onnx_web::webgpu_adapter().await) };
    let plan = plan(settings.backend, adapter.as_ref(), onnx_web::loaded_bundle(), failure.as_ref(), in_worker);
    let threads = onnx_web::load(&browser::absolute_url("ort/"), wanted_threads(), in_worker, plan.bundle).await?;
    reports.threads.set(Some(threads));
    if ticket.is_current() {
        reports.phase.set(LoadPhase::Loading);
        reports.needs_reload.set(plan.needs_reload);
    }
    let report = move |p: Progress| p.record(reports.progress);
    let mut running = plan.running;
    let mut ready = prepare_and_warm(settings, plan.execution, ticket, reports, &report).await;
    if let (Err(e), Execution::WebGpu) = (&ready, plan.execution) {
        // Not written to `webgpu_failure` here: this load goes on by itself, and that signal would start
        // another. Later loads learn of it through `failure`.
        web_sys::console::warn_1(&format!("WebGPU failed, moving to WebAssembly: {e}").into());
        reports.webgpu_failure.update_untracked(|f| *f = Some(e.clone()));
        running = Running::Wasm { why: Some(NotWebGpu::Failed(e.clone())) };
        ready = prepare_and_warm(settings, Execution::Cpu, ticket, reports, &report).await;
    }
    ready?;
    if ticket.is_current() {
        reports.running.set(Some(running));
    }
    if let Some(n) = onnx_web::threads_in_use() {
        reports.threads.set(Some(n));
    }
    if ticket.is_current() && reports.ready_ms.get_untracked().is_none() {
        reports.ready_ms.set(Some(browser::now_ms()));
    }
    Ok(())
}

/// The pipeline for `settings` on `execution`, then a warm-up run of each model.
async fn prepare_and_warm(
    settings: Settings,
    execution: Execution,
    ticket: Ticket,
    reports: Reports,
    report: &dyn Fn(Progress),
) -> Result<(), AppError> {
    pipeline::prepare(settings, execution, report).await?;
    if ticket.is_current() {
        reports.phase.set(LoadPhase::WarmingUp);
    }
    browser::yield_now().await;
    pipeline::warm_up().await
}

/// Keeps both models running in the background for a while once they are ready (a fresh page's first runs
/// are slow), until a newer load starts; then records the embedder's speed on this device.
///
/// Not on WebGPU: the slow first runs are the browser tiering WebAssembly up, which WebGPU's shaders do
/// not need, and on a software adapter each run takes seconds (SwiftShader here: YuNet at 640×480 about
/// 10 s), so 60 of them would hold the pipeline for minutes.
pub fn keep_warming(engine: EngineState) {
    if matches!(engine.running.get_untracked(), Some(Running::WebGpu(_))) {
        return;
    }
    let ticket = engine.loads.current();
    spawn_local(async move {
        if let Some((model, ms)) = pipeline::keep_warming(WARM_UP_RUNS, move || ticket.is_current()).await {
            engine.embed_speed.update(|speeds| {
                speeds.insert(model, ms);
            });
        }
    });
}
