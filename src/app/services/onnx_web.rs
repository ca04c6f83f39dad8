//! Loading onnxruntime-web into the page: its files from our own origin with the Subresource Integrity
//! hashes of `js/onnxruntime-web.json`, its thread count, the proxy worker, and User Timing entries around
//! every model run. The core's runtime only receives the loaded API (`simface::runtime::install_web_api`).
//!
//! onnxruntime-web comes in builds ("bundles"), and a page can load only one: it defines the global `ort`
//! once. The WebAssembly build (`ort.wasm.min.js`, 14 MB wasm) is the default; the WebGPU build
//! (`ort.webgpu.min.js`, with its `asyncify` wasm of 27 MB: in 1.30 that build holds ONNX Runtime's native
//! WebGPU execution provider; the older JSEP one is in `ort.all.min.js`) is loaded only when the models are to run on WebGPU.
//! It also runs the WebAssembly kernels, so a WebGPU failure falls back without a reload; the other way
//! round, from the WebAssembly build to WebGPU, needs a reload.

use std::cell::{Cell, RefCell};
use std::sync::OnceLock;

use js_sys::{Function, Object, Reflect};
use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue, prelude::wasm_bindgen};
use wasm_bindgen_futures::JsFuture;

use crate::app::error::{AppError, js_message};
use crate::app::state::AdapterInfo;
use crate::app::state::engine::NoAdapter;

/// `js/onnxruntime-web.json`: the version and the pinned SHA-384 of each file (set-up checks the npm files
/// against the same file).
#[derive(Debug, Deserialize)]
pub struct OrtWebFiles {
    pub version: String,
    /// The WebAssembly build.
    pub files: OrtWebFileSet,
    /// The WebGPU build.
    pub webgpu_files: OrtWebFileSet,
}

/// Which onnxruntime-web build the page loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bundle {
    /// `ort.wasm.min.js`: WebAssembly only.
    Wasm,
    /// `ort.webgpu.min.js`: WebGPU and WebAssembly.
    WebGpu,
}

impl OrtWebFiles {
    fn of(&self, bundle: Bundle) -> &OrtWebFileSet {
        match bundle {
            Bundle::Wasm => &self.files,
            Bundle::WebGpu => &self.webgpu_files,
        }
    }
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

thread_local! {
    /// The build this page loaded, once loaded.
    static LOADED: Cell<Option<Bundle>> = const { Cell::new(None) };
    /// The adapter [`webgpu_adapter`] found, handed to onnxruntime-web's WebGPU backend so that the
    /// sessions run on the very adapter the page describes.
    static ADAPTER: RefCell<Option<JsValue>> = const { RefCell::new(None) };
}

/// The build this page loaded, if it has loaded one.
pub fn loaded_bundle() -> Option<Bundle> {
    LOADED.with(Cell::get)
}

/// Loads onnxruntime-web's `bundle` from `base_url` (our own origin: the page must make no foreign request)
/// and makes it the backend of every session. Call on the main thread (the loader injects a script tag); a
/// later call keeps the first runtime, whatever bundle it asks for (see [`loaded_bundle`]).
///
/// `threads` sets `env.wasm.numThreads` (more than 1 needs a cross-origin isolated page). With `in_worker`
/// every session runs in onnxruntime-web's proxy worker, so the page stays responsive while a model runs
/// (WebAssembly only: the caller never asks for the WebGPU build there). Returns the thread count in effect.
pub async fn load(base_url: &str, threads: u32, in_worker: bool, bundle: Bundle) -> Result<u32, AppError> {
    if loaded_bundle().is_some() {
        return Ok(threads_in_use().unwrap_or(threads));
    }
    let files = pinned()?.of(bundle);
    let mut dist = ort_web::Dist::new(base_url).with_script_name(&files.main.file);
    if !in_worker {
        // The loader preloads the runtime's wasm (with these hashes) for the page's thread. In a worker the
        // page never uses that preload and the worker downloads the 14 MB again, so it is left out there;
        // the worker fetches the same files from our origin, which set-up checked against these hashes.
        dist = dist.with_binary_name(&files.binary.file).with_wrapper_name(&files.wrapper.file);
        let sri = dist.integrities();
        sri.set_wrapper(&files.wrapper.sha384);
        sri.set_binary(&files.binary.sha384);
    }
    dist.integrities().set_main(&files.main.sha384);
    let api = ort_web::api(dist).await.map_err(|e| AppError::Runtime(e.to_string()))?;
    set_wasm_env("numThreads", &f64::from(threads.max(1)).into());
    if in_worker {
        copy_wasm_views_before_posting(&wasm_bindgen::memory());
        set_wasm_env("proxy", &true.into());
    }
    if bundle == Bundle::WebGpu
        && let Some(adapter) = ADAPTER.with(|a| a.borrow().clone())
    {
        set_env("webgpu", "adapter", &adapter);
    }
    simface::runtime::install_web_api(api)?;
    simface::runtime::observe_runs(user_timing);
    LOADED.with(|l| l.set(Some(bundle)));
    Ok(threads_in_use().unwrap_or(1))
}

/// The browser's WebGPU adapter (`navigator.gpu.requestAdapter()`), described; `Err` says why
/// there is none (no WebGPU in this browser, no adapter, or the request failed). The adapter itself is
/// kept for onnxruntime-web (see [`load`]).
pub async fn webgpu_adapter() -> Result<AdapterInfo, NoAdapter> {
    let navigator = web_sys::window().ok_or(NoAdapter::NoWebGpu)?.navigator();
    let gpu = Reflect::get(&navigator, &"gpu".into()).ok().filter(|g| g.is_object()).ok_or(NoAdapter::NoWebGpu)?;
    let request: Function =
        Reflect::get(&gpu, &"requestAdapter".into()).ok().and_then(|f| f.dyn_into().ok()).ok_or(NoAdapter::NoWebGpu)?;
    let promise: js_sys::Promise = request
        .call0(&gpu)
        .map_err(|e| NoAdapter::RequestFailed(js_message(&e)))?
        .dyn_into()
        .map_err(|_| NoAdapter::RequestFailed("it gave no promise".into()))?;
    let adapter = JsFuture::from(promise).await.map_err(|e| NoAdapter::RequestFailed(js_message(&e)))?;
    if !adapter.is_object() {
        return Err(NoAdapter::NoneGiven);
    }
    let info = Reflect::get(&adapter, &"info".into()).unwrap_or(JsValue::UNDEFINED);
    let text = |key: &str| Reflect::get(&info, &key.into()).ok().and_then(|v| v.as_string()).unwrap_or_default();
    let flag = |of: &JsValue, key: &str| Reflect::get(of, &key.into()).is_ok_and(|v| v.is_truthy());
    let (vendor, architecture) = (text("vendor"), text("architecture"));
    // `info.isFallbackAdapter` is the current name, `adapter.isFallbackAdapter` the older one; SwiftShader
    // is a software adapter whatever the flags say.
    let software = flag(&info, "isFallbackAdapter")
        || flag(&adapter, "isFallbackAdapter")
        || architecture.eq_ignore_ascii_case("swiftshader");
    ADAPTER.with(|a| *a.borrow_mut() = Some(adapter));
    Ok(AdapterInfo { vendor, architecture, software })
}

/// `window.ort.env[section]` (`wasm`, `webgpu`), once onnxruntime-web's script has loaded.
fn ort_env(section: &str) -> Option<JsValue> {
    let global = js_sys::global();
    let ort = Reflect::get(&global, &"ort".into()).ok().filter(|v| v.is_object())?;
    let env = Reflect::get(&ort, &"env".into()).ok().filter(|v| v.is_object())?;
    Reflect::get(&env, &section.into()).ok().filter(|v| v.is_object())
}

fn ort_env_wasm() -> Option<JsValue> {
    ort_env("wasm")
}

fn set_env(section: &str, key: &str, value: &JsValue) {
    if let Some(section) = ort_env(section) {
        let _ = Reflect::set(&section, &key.into(), value);
    }
}

fn set_wasm_env(key: &str, value: &JsValue) {
    set_env("wasm", key, value);
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
