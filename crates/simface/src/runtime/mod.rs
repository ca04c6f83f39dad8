//! Model execution: the only module that touches `ort`.
//!
//! One small API — [`OnnxModel::from_bytes`] and [`OnnxModel::run`] on plain `ndarray` inputs and `f32`
//! outputs — over two backends, each in its own file: [`native`] loads the `libonnxruntime` shared library
//! at run time (`load-dynamic`); [`web`] runs over onnxruntime-web through `ort-web`, whose API the app
//! installs before any model is loaded (loading onnxruntime-web is a page concern: its files, their
//! Subresource Integrity hashes, the proxy worker and User Timing marks live in the web app). Detectors and
//! the embedder own their tensor layouts.

#[cfg(not(target_arch = "wasm32"))]
pub mod native;
#[cfg(target_arch = "wasm32")]
pub mod web;

#[cfg(not(target_arch = "wasm32"))]
use native as backend;
#[cfg(target_arch = "wasm32")]
use web as backend;

use ndarray::Array4;
use ort::session::{Session, SessionOutputs, builder::GraphOptimizationLevel};

use crate::error::{Error, Result};

#[cfg(not(target_arch = "wasm32"))]
pub use native::{PlainSession, set_library_path};
#[cfg(target_arch = "wasm32")]
pub use web::{RunObserver, install_web_api, observe_runs};

/// How sessions are built.
#[derive(Debug, Clone, Copy, Default)]
pub struct RuntimeOptions {
    /// Threads for one operator; `None` leaves ONNX Runtime's default (one per physical core natively).
    pub intra_threads: Option<usize>,
    /// Where the models run.
    pub execution: Execution,
}

/// Where a session runs its operators.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Execution {
    /// ONNX Runtime's CPU kernels: natively the CPU provider, in the browser onnxruntime-web's WebAssembly.
    #[default]
    Cpu,
    /// onnxruntime-web's WebGPU execution provider (browser only; onnxruntime-web must be its WebGPU build,
    /// `ort.webgpu.min.js`). Only WebGPU is registered, never WebAssembly after it: onnxruntime-web would
    /// otherwise move a session whose WebGPU start fails to WebAssembly without telling anyone, and the
    /// page could not say which backend runs. Operators WebGPU lacks still run on the CPU kernels inside
    /// the session, as in every ONNX Runtime build.
    WebGpu,
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

/// A session builder with the options every session here uses (every graph optimisation: `All`, not
/// `Level3`, which `ort` maps to ONNX Runtime's lower "layout" level; the thread count asked for), so
/// that the pipeline and its benchmark baseline run identically configured sessions.
fn session_builder(options: RuntimeOptions, name: &str) -> Result<ort::session::builder::SessionBuilder> {
    let corrupt = |e: ort::Error| Error::ModelCorrupt { name: name.to_string(), detail: e.to_string() };
    let mut builder = Session::builder(backend::environment()?).map_err(corrupt)?;
    builder = builder.with_optimization_level(GraphOptimizationLevel::All).map_err(|e| corrupt(e.into()))?;
    if let Some(threads) = options.intra_threads {
        builder = builder.with_intra_threads(threads).map_err(|e| corrupt(e.into()))?;
    }
    match options.execution {
        Execution::Cpu => {}
        #[cfg(target_arch = "wasm32")]
        Execution::WebGpu => web::append_webgpu(&mut builder)
            .map_err(|e| Error::Accelerator { name: name.to_string(), detail: e.to_string() })?,
        #[cfg(not(target_arch = "wasm32"))]
        Execution::WebGpu => {
            return Err(Error::Accelerator {
                name: name.to_string(),
                detail: "WebGPU runs only in the browser".into(),
            });
        }
    }
    Ok(builder)
}

impl OnnxModel {
    /// Builds a session from the bytes of an ONNX file. `name` is used in error messages.
    ///
    /// On [`Execution::WebGpu`] a session that cannot be created is [`Error::Accelerator`], not
    /// [`Error::ModelCorrupt`]: the same bytes may well load on the CPU, and the app falls back to it.
    pub async fn from_bytes(name: &str, bytes: &[u8], options: RuntimeOptions) -> Result<Self> {
        let session = backend::commit(session_builder(options, name)?, bytes).await.map_err(|e| {
            let (name, detail) = (name.to_string(), e.to_string());
            match options.execution {
                Execution::Cpu => Error::ModelCorrupt { name, detail },
                Execution::WebGpu => Error::Accelerator { name, detail },
            }
        })?;

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
        let failed = |e: ort::Error| Error::Inference { name: self.name.clone(), detail: e.to_string() };
        let tensor = ort::value::Tensor::from_array(input).map_err(failed)?;
        backend::run(&mut self.session, &self.name, &self.input_name, tensor, &self.output_names)
            .await
            .map_err(|e| Error::Inference { name: self.name.clone(), detail: e.to_string() })
    }
}

/// Copies the named outputs of a run out of the runtime.
fn copy_outputs(outputs: &SessionOutputs<'_>, names: &[String]) -> ort::Result<Vec<Output>> {
    let mut copied = Vec::with_capacity(names.len());
    for name in names {
        let (shape, data) = outputs[name.as_str()].try_extract_tensor::<f32>()?;
        copied.push(Output {
            name: name.clone(),
            shape: shape.iter().map(|&d| d.max(0) as usize).collect(),
            data: data.to_vec(),
        });
    }
    Ok(copied)
}
