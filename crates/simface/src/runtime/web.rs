//! The browser backend: `ort` over onnxruntime-web through `ort-web` (`run_async` only). The app loads
//! onnxruntime-web (its files from our own origin, their SRI hashes, threads, the proxy worker) and hands
//! the resulting API to [`install_web_api`]; it may also [`observe_runs`] to time each model run.

use std::cell::Cell;
use std::sync::OnceLock;

use ort::environment::Environment;
use ort::session::{RunOptions, Session, builder::SessionBuilder};
use ort::value::Tensor;

use super::{Output, copy_outputs};
use crate::error::{Error, Result};

static ENVIRONMENT: OnceLock<std::result::Result<Environment, String>> = OnceLock::new();

/// Called with a model's name when a run starts; the closure it returns is called when the outputs are
/// back. The app writes a User Timing entry per run with it (the browser benchmark reads them).
pub type RunObserver = fn(model: &str) -> Box<dyn FnOnce()>;

thread_local! {
    static OBSERVER: Cell<Option<RunObserver>> = const { Cell::new(None) };
}

/// Makes onnxruntime-web (the API `ort_web::api` returned) the backend of every session. Call once, before
/// loading a model; a second call keeps the first runtime.
pub fn install_web_api(api: ort::sys::OrtApi) -> Result<()> {
    if ENVIRONMENT.get().is_none() {
        ort::set_api(api);
        let env = ort::init().with_name("simface").with_telemetry(false).build().map_err(|e| e.to_string());
        let _ = ENVIRONMENT.set(env);
    }
    environment().map(|_| ())
}

/// Calls `observer` around every model run from now on.
pub fn observe_runs(observer: RunObserver) {
    OBSERVER.with(|o| o.set(Some(observer)));
}

pub(super) fn environment() -> Result<&'static Environment> {
    ENVIRONMENT
        .get()
        .ok_or_else(|| Error::RuntimeUnavailable("onnxruntime-web was not installed (install_web_api)".into()))?
        .as_ref()
        .map_err(|e| Error::RuntimeUnavailable(e.clone()))
}

/// Asks onnxruntime-web for its WebGPU execution provider on this session.
///
/// Not `ort::ep::WebGPU::default().build()`: with `api-22` or later (we use `api-30`) `ort` registers an
/// execution provider under its canonical name, `WebGpuExecutionProvider`, and `ort-web` 0.5 knows only
/// the short names (`WASM`, `WebGL`, `WebGPU`, `WebNN`); it refuses the canonical one, and `ort` then logs
/// the refusal and leaves the session on WebAssembly without an error. So the provider is appended here
/// under the short name, through the same C API entry `ort` would call, with no options (onnxruntime-web's
/// defaults; the adapter is the one the app put in `ort.env.webgpu.adapter`).
pub(super) fn append_webgpu(builder: &mut SessionBuilder) -> ort::Result<()> {
    use ort::AsPointer;
    let append = ort::api().SessionOptionsAppendExecutionProvider;
    // SAFETY: `builder` owns valid session options for the whole call, the name is a NUL-terminated
    // string that outlives it, and zero options are passed, so the key and value arrays are never read.
    // The returned status is either null or a status that `result_from_status` takes ownership of.
    unsafe {
        ort::Error::result_from_status(append(
            builder.ptr_mut(),
            c"WebGPU".as_ptr(),
            std::ptr::null(),
            std::ptr::null(),
            0,
        ))
    }
}

pub(super) async fn commit(mut builder: SessionBuilder, bytes: &[u8]) -> ort::Result<Session> {
    builder.commit_from_memory(bytes).await
}

pub(super) async fn run(
    session: &mut Session,
    model: &str,
    input_name: &str,
    input: Tensor<f32>,
    output_names: &[String],
) -> ort::Result<Vec<Output>> {
    let finished = OBSERVER.with(Cell::get).map(|observe| observe(model));
    // The outputs borrow the run options, so these must outlive them.
    let options = RunOptions::new()?;
    let mut outputs = session.run_async(ort::inputs![input_name => input], &options).await?;
    ort_web::sync_outputs(&mut outputs).await.map_err(|e| ort::Error::new(e.to_string()))?;
    if let Some(finished) = finished {
        finished();
    }
    copy_outputs(&outputs, output_names)
}
