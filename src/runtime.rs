//! Model execution: the only module that touches `ort`.
//!
//! One API over two backends: natively `ort` loads the `libonnxruntime` shared library at run time
//! (`load-dynamic`); on wasm32 it runs over onnxruntime-web through the `ort-web` backend, which must be
//! installed with [`init_web`] before any model is loaded. Detectors and the embedder own their tensor
//! layouts and hand this module plain `ndarray` inputs; they get back plain `f32` outputs.

use std::sync::OnceLock;

use ndarray::Array4;
use ort::{
    environment::Environment,
    session::{Session, builder::GraphOptimizationLevel},
    value::Tensor,
};

use crate::error::{Error, Result};

/// How sessions are built.
#[derive(Debug, Clone, Copy, Default)]
pub struct RuntimeOptions {
    /// Threads for one operator; `None` leaves ONNX Runtime's default (one per physical core natively).
    pub intra_threads: Option<usize>,
}

/// A model output copied out of the runtime: row-major data and its shape.
#[derive(Debug, Clone)]
pub struct Output {
    pub name: String,
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

/// A loaded ONNX model with one float input.
pub struct OnnxModel {
    name: String,
    session: Session,
    input_name: String,
    /// Input shape as the model declares it, `-1` for dynamic dimensions.
    input_shape: Vec<i64>,
    output_names: Vec<String>,
}

impl std::fmt::Debug for OnnxModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnnxModel")
            .field("name", &self.name)
            .field("input_shape", &self.input_shape)
            .field("output_names", &self.output_names)
            .finish()
    }
}

static ENVIRONMENT: OnceLock<std::result::Result<Environment, String>> = OnceLock::new();

/// The path natively used for `libonnxruntime`: `ORT_DYLIB_PATH` when set, else the copy that set-up
/// installs under `.tools/lib` of this source tree.
#[cfg(not(target_arch = "wasm32"))]
pub fn default_dylib_path() -> std::path::PathBuf {
    match std::env::var_os("ORT_DYLIB_PATH") {
        Some(p) if !p.is_empty() => p.into(),
        _ => std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/lib/libonnxruntime.so"),
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn environment() -> Result<&'static Environment> {
    let env = ENVIRONMENT.get_or_init(|| {
        let path = default_dylib_path();
        if !path.exists() {
            return Err(format!(
                "{} does not exist; run `make setup` or point ORT_DYLIB_PATH at libonnxruntime.so (onnxruntime 1.30)",
                path.display()
            ));
        }
        ort::init_from(&path)
            .map_err(|e| format!("loading {} failed: {e}", path.display()))?
            .with_name("simface")
            .with_telemetry(false)
            .build()
            .map_err(|e| e.to_string())
    });
    env.as_ref().map_err(|e| Error::RuntimeUnavailable(e.clone()))
}

#[cfg(target_arch = "wasm32")]
fn environment() -> Result<&'static Environment> {
    ENVIRONMENT
        .get()
        .ok_or_else(|| Error::RuntimeUnavailable("the web runtime was not initialised (call init_web first)".into()))?
        .as_ref()
        .map_err(|e| Error::RuntimeUnavailable(e.clone()))
}

/// The onnxruntime-web 1.30.0 files the page loads (from the npm package's `dist/` folder, served by our own
/// origin) and the SHA-384 (base64) of each, checked by the browser as Subresource Integrity.
/// `scripts/setup.sh` checks the npm files against the same hashes.
#[cfg(target_arch = "wasm32")]
pub mod ort_web_files {
    pub const MAIN: &str = "ort.wasm.min.js";
    pub const WRAPPER: &str = "ort-wasm-simd-threaded.mjs";
    pub const BINARY: &str = "ort-wasm-simd-threaded.wasm";
    pub const MAIN_SHA384: &str = "Bw6URI+Gvoadw0do7/QrSHUC9D1vCYYK5OSqChFyhyV5mzPL4oe2rOAFljAnS8Sq";
    pub const WRAPPER_SHA384: &str = "XcXA/MtAf0WpB8e023xQH9CM7RIjiugakT7x99DIwpFf7k56BIFFcAPerIF7FDad";
    pub const BINARY_SHA384: &str = "vjBJ1z7qrhkTyYsNqKeF6c7N+nOJSU94czEo+tvZcu8G75JparGq9kB+kTnEUNVM";
}

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(module = "/js/ort_proxy.js")]
extern "C" {
    #[wasm_bindgen(js_name = copyWasmViewsBeforePosting)]
    fn copy_wasm_views_before_posting(memory: &wasm_bindgen::JsValue);
}

/// Loads onnxruntime-web from `base_url` (our own origin: the page must make no foreign request) and
/// makes it the backend of every session. Call once, on the main thread, before loading a model.
///
/// `threads` sets onnxruntime-web's `env.wasm.numThreads` (its wasm thread pool; more than 1 needs a
/// cross-origin isolated page). With `in_worker`, onnxruntime-web runs every session in its proxy worker:
/// the page's thread only waits for the results, so the UI stays responsive while a model runs (the loader
/// itself needs `window`, so it cannot move into a worker of ours). Both take effect with the first
/// session. Returns the thread count set.
#[cfg(target_arch = "wasm32")]
pub async fn init_web(base_url: &str, threads: u32, in_worker: bool) -> Result<u32> {
    if ENVIRONMENT.get().is_some() {
        return environment().map(|_| web_threads().unwrap_or(threads));
    }
    let mut dist = ort_web::Dist::new(base_url);
    if !in_worker {
        // The loader preloads the runtime's wasm (with these hashes) for the page's thread. In a worker the
        // page never uses that preload and the worker downloads the 14 MB again, so it is left out there;
        // the worker fetches the same files from our origin, which set-up checked against these hashes.
        dist = dist.with_binary_name(ort_web_files::BINARY);
        let sri = dist.integrities();
        sri.set_wrapper(ort_web_files::WRAPPER_SHA384);
        sri.set_binary(ort_web_files::BINARY_SHA384);
    }
    dist.integrities().set_main(ort_web_files::MAIN_SHA384);
    let api = ort_web::api(dist).await.map_err(|e| Error::RuntimeUnavailable(e.to_string()))?;
    set_web_threads(threads.max(1));
    if in_worker {
        copy_wasm_views_before_posting(&wasm_bindgen::memory());
        if let Some(wasm) = ort_env_wasm() {
            let _ = js_sys::Reflect::set(&wasm, &"proxy".into(), &true.into());
        }
    }
    ort::set_api(api);
    let env = ort::init().with_name("simface").with_telemetry(false).build().map_err(|e| e.to_string());
    let _ = ENVIRONMENT.set(env);
    environment().map(|_| web_threads().unwrap_or(1))
}

/// `window.ort.env.wasm`, once onnxruntime-web's script has loaded.
#[cfg(target_arch = "wasm32")]
fn ort_env_wasm() -> Option<wasm_bindgen::JsValue> {
    use js_sys::Reflect;
    let global = js_sys::global();
    let ort = Reflect::get(&global, &"ort".into()).ok().filter(|v| v.is_object())?;
    let env = Reflect::get(&ort, &"env".into()).ok().filter(|v| v.is_object())?;
    Reflect::get(&env, &"wasm".into()).ok().filter(|v| v.is_object())
}

#[cfg(target_arch = "wasm32")]
fn set_web_threads(threads: u32) {
    if let Some(wasm) = ort_env_wasm() {
        let _ = js_sys::Reflect::set(&wasm, &"numThreads".into(), &f64::from(threads).into());
    }
}

/// True when onnxruntime-web runs the sessions in its proxy worker (`env.wasm.proxy`).
#[cfg(target_arch = "wasm32")]
pub fn web_in_worker() -> bool {
    ort_env_wasm().and_then(|w| js_sys::Reflect::get(&w, &"proxy".into()).ok()).is_some_and(|v| v.is_truthy())
}

/// The size of onnxruntime-web's wasm thread pool (`env.wasm.numThreads`), when it is known.
#[cfg(target_arch = "wasm32")]
pub fn web_threads() -> Option<u32> {
    let wasm = ort_env_wasm()?;
    js_sys::Reflect::get(&wasm, &"numThreads".into()).ok()?.as_f64().map(|n| n as u32)
}

/// A session builder with the options every session here uses (every graph optimisation: `All`, not
/// `Level3`, which `ort` maps to ONNX Runtime's lower "layout" level; the thread count asked for), so
/// that the pipeline and its benchmark baseline run identically configured sessions.
fn session_builder(options: RuntimeOptions, name: &str) -> Result<ort::session::builder::SessionBuilder> {
    let corrupt = |e: ort::Error| Error::ModelCorrupt { name: name.to_string(), detail: e.to_string() };
    let mut builder = Session::builder(environment()?).map_err(corrupt)?;
    builder = builder.with_optimization_level(GraphOptimizationLevel::All).map_err(|e| corrupt(e.into()))?;
    if let Some(threads) = options.intra_threads {
        builder = builder.with_intra_threads(threads).map_err(|e| corrupt(e.into()))?;
    }
    Ok(builder)
}

impl OnnxModel {
    /// Builds a session from the bytes of an ONNX file. `name` is used in error messages.
    pub async fn from_bytes(name: &str, bytes: &[u8], options: RuntimeOptions) -> Result<Self> {
        let corrupt = |e: ort::Error| Error::ModelCorrupt { name: name.to_string(), detail: e.to_string() };
        let mut builder = session_builder(options, name)?;
        #[cfg(not(target_arch = "wasm32"))]
        let session = builder.commit_from_memory(bytes).map_err(corrupt)?;
        #[cfg(target_arch = "wasm32")]
        let session = builder.commit_from_memory(bytes).await.map_err(corrupt)?;

        let [input] = session.inputs() else {
            return Err(Error::ModelShape {
                name: name.into(),
                detail: format!("expected one input, found {}", session.inputs().len()),
            });
        };
        let input_shape = input
            .dtype()
            .tensor_shape()
            .map(|s| s.to_vec())
            .ok_or_else(|| Error::ModelShape { name: name.into(), detail: "the input is not a tensor".into() })?;
        let input_name = input.name().to_string();
        let output_names = session.outputs().iter().map(|o| o.name().to_string()).collect();
        Ok(Self { name: name.to_string(), session, input_name, input_shape, output_names })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The declared input shape, `-1` where the model accepts any size.
    pub fn input_shape(&self) -> &[i64] {
        &self.input_shape
    }

    pub fn output_names(&self) -> &[String] {
        &self.output_names
    }

    /// Runs the model on one NCHW float tensor and copies every output out.
    pub async fn run(&mut self, input: Array4<f32>) -> Result<Vec<Output>> {
        let name = self.name.clone();
        let failed = move |e: ort::Error| Error::Inference { name: name.clone(), detail: e.to_string() };
        let tensor = Tensor::from_array(input).map_err(&failed)?;
        let inputs = ort::inputs![self.input_name.as_str() => tensor];

        #[cfg(not(target_arch = "wasm32"))]
        let outputs = self.session.run(inputs).map_err(&failed)?;
        // The outputs borrow the run options, so these must outlive them.
        #[cfg(target_arch = "wasm32")]
        let options = ort::session::RunOptions::new().map_err(&failed)?;
        #[cfg(target_arch = "wasm32")]
        let outputs = {
            let _timing = UserTiming::start(&self.name);
            let mut outputs = self.session.run_async(inputs, &options).await.map_err(&failed)?;
            ort_web::sync_outputs(&mut outputs)
                .await
                .map_err(|e| Error::Inference { name: self.name.clone(), detail: e.to_string() })?;
            outputs
        };

        let mut copied = Vec::with_capacity(self.output_names.len());
        for name in &self.output_names {
            let (shape, data) = outputs[name.as_str()].try_extract_tensor::<f32>().map_err(&failed)?;
            copied.push(Output {
                name: name.clone(),
                shape: shape.iter().map(|&d| d.max(0) as usize).collect(),
                data: data.to_vec(),
            });
        }
        Ok(copied)
    }
}

/// A User Timing entry (`performance.measure`) named `simface ort <model>` over the latest run of a model
/// in onnxruntime-web, from the input handed over to the outputs back: it separates the runtime's time
/// from ours, and the browser benchmark reads it. Only the latest entry per model is kept (a webcam would
/// otherwise pile them up).
#[cfg(target_arch = "wasm32")]
struct UserTiming<'a> {
    model: &'a str,
    start: f64,
}

#[cfg(target_arch = "wasm32")]
impl<'a> UserTiming<'a> {
    fn performance() -> Option<web_sys::Performance> {
        web_sys::window().and_then(|w| w.performance())
    }

    fn start(model: &'a str) -> Self {
        Self { model, start: Self::performance().map_or(0.0, |p| p.now()) }
    }
}

#[cfg(target_arch = "wasm32")]
impl Drop for UserTiming<'_> {
    fn drop(&mut self) {
        use js_sys::{Function, Object, Reflect};
        use wasm_bindgen::JsCast;
        let Some(performance) = Self::performance() else { return };
        let options = Object::new();
        let _ = Reflect::set(&options, &"start".into(), &self.start.into());
        let _ = Reflect::set(&options, &"end".into(), &performance.now().into());
        let name = format!("simface ort {}", self.model);
        performance.clear_measures_with_measure_name(&name);
        if let Ok(measure) = Reflect::get(&performance, &"measure".into()).and_then(|f| f.dyn_into::<Function>()) {
            let _ = measure.call2(&performance, &name.into(), &options);
        }
    }
}

/// A bare ONNX Runtime session, built with the same options as [`OnnxModel`]: the baseline that the
/// pipeline's model stages are compared with in `simface bench` (no pre- or post-processing, no copies).
#[cfg(not(target_arch = "wasm32"))]
pub struct PlainSession {
    session: Session,
}

#[cfg(not(target_arch = "wasm32"))]
impl PlainSession {
    pub fn new(bytes: &[u8], options: RuntimeOptions) -> Result<Self> {
        let failed = |e: ort::Error| Error::ModelCorrupt { name: "baseline".into(), detail: e.to_string() };
        Ok(Self { session: session_builder(options, "baseline")?.commit_from_memory(bytes).map_err(failed)? })
    }

    /// The time of one `Session::run` on `input`, outputs left in place.
    pub fn time_run(&mut self, input: &Array4<f32>) -> Result<std::time::Duration> {
        let failed = |e: ort::Error| Error::Inference { name: "baseline".into(), detail: e.to_string() };
        let tensor = ort::value::TensorRef::from_array_view(input).map_err(failed)?;
        let start = std::time::Instant::now();
        let outputs = self.session.run(ort::inputs![tensor]).map_err(failed)?;
        let elapsed = start.elapsed();
        drop(outputs);
        Ok(elapsed)
    }
}
