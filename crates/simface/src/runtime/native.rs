//! The native backend: `ort` loads ONNX Runtime's shared library at run time (`load-dynamic`), from the path
//! the program sets with [`set_library_path`] (the CLI: `--ort-lib`, `ORT_DYLIB_PATH` or beside the
//! executable) or else from `ORT_DYLIB_PATH`. The core knows no checkout: where things are is the shell's
//! business.

use std::path::PathBuf;
use std::sync::OnceLock;

use ndarray::Array4;
use ort::environment::Environment;
use ort::session::{Session, builder::SessionBuilder};
use ort::value::Tensor;

use super::{Output, RuntimeOptions, copy_outputs, session_builder};
use crate::error::{Error, Result};

static LIBRARY: OnceLock<PathBuf> = OnceLock::new();
static ENVIRONMENT: OnceLock<std::result::Result<Environment, String>> = OnceLock::new();

/// Sets the `libonnxruntime` file to load. Takes effect only before the first model is loaded; returns
/// false when a path was set already.
pub fn set_library_path(path: impl Into<PathBuf>) -> bool {
    LIBRARY.set(path.into()).is_ok()
}

pub(super) fn environment() -> Result<&'static Environment> {
    let env = ENVIRONMENT.get_or_init(|| {
        let path = match (LIBRARY.get(), std::env::var_os("ORT_DYLIB_PATH")) {
            (Some(path), _) => path.clone(),
            (None, Some(env)) if !env.is_empty() => PathBuf::from(env),
            _ => {
                return Err("no ONNX Runtime library was given: set ORT_DYLIB_PATH to libonnxruntime.so \
                            (onnxruntime 1.30; `make setup` installs one under .tools/lib)"
                    .to_string());
            }
        };
        if !path.is_file() {
            return Err(format!("{} does not exist (onnxruntime 1.30's libonnxruntime.so is needed)", path.display()));
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

pub(super) async fn commit(mut builder: SessionBuilder, bytes: &[u8]) -> ort::Result<Session> {
    builder.commit_from_memory(bytes)
}

pub(super) async fn run(
    session: &mut Session,
    _model: &str,
    input_name: &str,
    input: Tensor<f32>,
    output_names: &[String],
) -> ort::Result<Vec<Output>> {
    let outputs = session.run(ort::inputs![input_name => input])?;
    copy_outputs(&outputs, output_names)
}

/// A bare ONNX Runtime session, built with the same options as [`super::OnnxModel`]: the baseline that the
/// pipeline's model stages are compared with in `simface bench` (no pre- or post-processing, no copies).
pub struct PlainSession {
    session: Session,
}

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
