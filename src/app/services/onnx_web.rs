//! Loading onnxruntime-web into the page: its files from our own origin with the Subresource Integrity
//! hashes of `js/onnxruntime-web.json`, its thread count, the proxy worker, and User Timing entries around
//! every model run. The core's runtime only receives the loaded API (`simface::runtime::install_web_api`).

use std::sync::OnceLock;

use js_sys::{Function, Object, Reflect};
use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue, prelude::wasm_bindgen};

use crate::app::error::AppError;

/// `js/onnxruntime-web.json`: the version and the pinned SHA-384 of each file (set-up checks the npm files
/// against the same file).
#[derive(Debug, Deserialize)]
pub struct OrtWebFiles {
    pub version: String,
    pub files: OrtWebFileSet,
}

#[derive(Debug, Deserialize)]
pub struct OrtWebFileSet {
    pub main: PinnedFile,
    pub wrapper: PinnedFile,
    pub binary: PinnedFile,
}

#[derive(Debug, Deserialize)]
pub struct PinnedFile {
    pub file: String,
    pub sha384: String,
}

const ORT_WEB_JSON: &str = include_str!("../../../js/onnxruntime-web.json");

/// The pinned onnxruntime-web files (compiled in; a unit test of the native build cannot reach this
/// module, so a broken file shows as the runtime card's error instead of a panic).
pub fn pinned() -> Result<&'static OrtWebFiles, AppError> {
    static PINNED: OnceLock<Result<OrtWebFiles, AppError>> = OnceLock::new();
    PINNED
        .get_or_init(|| {
            serde_json::from_str(ORT_WEB_JSON)
                .map_err(|e| AppError::InvalidJson { what: "js/onnxruntime-web.json", detail: e.to_string() })
        })
        .as_ref()
        .map_err(Clone::clone)
}

#[wasm_bindgen(module = "/js/ort_proxy.js")]
extern "C" {
    #[wasm_bindgen(js_name = copyWasmViewsBeforePosting)]
    fn copy_wasm_views_before_posting(memory: &JsValue);
}

/// Loads onnxruntime-web from `base_url` (our own origin: the page must make no foreign request) and makes
/// it the backend of every session. Call on the main thread (the loader injects a script tag); a second
/// call keeps the first runtime.
///
/// `threads` sets `env.wasm.numThreads` (more than 1 needs a cross-origin isolated page). With `in_worker`
/// every session runs in onnxruntime-web's proxy worker, so the page stays responsive while a model runs.
/// Returns the thread count in effect.
pub async fn load(base_url: &str, threads: u32, in_worker: bool) -> Result<u32, AppError> {
    static LOADED: OnceLock<()> = OnceLock::new();
    if LOADED.get().is_some() {
        return Ok(threads_in_use().unwrap_or(threads));
    }
    let pinned = pinned()?;
    let mut dist = ort_web::Dist::new(base_url);
    if !in_worker {
        // The loader preloads the runtime's wasm (with these hashes) for the page's thread. In a worker the
        // page never uses that preload and the worker downloads the 14 MB again, so it is left out there;
        // the worker fetches the same files from our origin, which set-up checked against these hashes.
        dist = dist.with_binary_name(&pinned.files.binary.file);
        let sri = dist.integrities();
        sri.set_wrapper(&pinned.files.wrapper.sha384);
        sri.set_binary(&pinned.files.binary.sha384);
    }
    dist.integrities().set_main(&pinned.files.main.sha384);
    let api = ort_web::api(dist).await.map_err(|e| AppError::Runtime(e.to_string()))?;
    set_wasm_env("numThreads", &f64::from(threads.max(1)).into());
    if in_worker {
        copy_wasm_views_before_posting(&wasm_bindgen::memory());
        set_wasm_env("proxy", &true.into());
    }
    simface::runtime::install_web_api(api)?;
    simface::runtime::observe_runs(user_timing);
    let _ = LOADED.set(());
    Ok(threads_in_use().unwrap_or(1))
}

/// `window.ort.env.wasm`, once onnxruntime-web's script has loaded.
fn ort_env_wasm() -> Option<JsValue> {
    let global = js_sys::global();
    let ort = Reflect::get(&global, &"ort".into()).ok().filter(|v| v.is_object())?;
    let env = Reflect::get(&ort, &"env".into()).ok().filter(|v| v.is_object())?;
    Reflect::get(&env, &"wasm".into()).ok().filter(|v| v.is_object())
}

fn set_wasm_env(key: &str, value: &JsValue) {
    if let Some(wasm) = ort_env_wasm() {
        let _ = Reflect::set(&wasm, &key.into(), value);
    }
}

/// True when onnxruntime-web runs the sessions in its proxy worker (`env.wasm.proxy`).
pub fn in_worker() -> bool {
    ort_env_wasm().and_then(|w| Reflect::get(&w, &"proxy".into()).ok()).is_some_and(|v| v.is_truthy())
}

/// The size of onnxruntime-web's wasm thread pool (`env.wasm.numThreads`), when it is known.
pub fn threads_in_use() -> Option<u32> {
    let wasm = ort_env_wasm()?;
    Reflect::get(&wasm, &"numThreads".into()).ok()?.as_f64().map(|n| n as u32)
}

/// A User Timing entry (`performance.measure`) named `simface ort <model>` over each run of a model in
/// onnxruntime-web, from the input handed over to the outputs back: it separates the runtime's time from
/// ours, and the browser benchmark reads it. Only the latest entry per model is kept (a webcam would
/// otherwise pile them up).
fn user_timing(model: &str) -> Box<dyn FnOnce()> {
    let Some(performance) = web_sys::window().and_then(|w| w.performance()) else { return Box::new(|| ()) };
    let start = performance.now();
    let name = format!("simface ort {model}");
    Box::new(move || {
        let options = Object::new();
        let _ = Reflect::set(&options, &"start".into(), &start.into());
        let _ = Reflect::set(&options, &"end".into(), &performance.now().into());
        performance.clear_measures_with_measure_name(&name);
        if let Ok(measure) = Reflect::get(&performance, &"measure".into()).and_then(|f| f.dyn_into::<Function>()) {
            let _ = measure.call2(&performance, &name.into(), &options);
        }
    })
}
