//! The app's one error type. It wraps the core's [`simface::Error`] and adds what only a page meets: the
//! camera, IndexedDB, model downloads and JavaScript calls. Errors stay typed until a component shows them
//! (`Display` gives the sentence), and decisions are taken on variants: the live view skips a frame on
//! [`AppError::PipelineNotReady`] and stops the camera on anything else.

use wasm_bindgen::{JsCast, JsValue};

pub use super::services::camera::CameraError;

/// Everything that can go wrong in the page.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AppError {
    /// A failure of the pipeline itself (decoding, detection, a model run, the gallery...).
    #[error("{0}")]
    Core(std::sync::Arc<simface::Error>),

    /// The models are being (re)loaded: a stage asked for the pipeline before it was ready. Not a
    /// failure: callers wait or skip the frame.
    #[error("the models are not loaded yet")]
    PipelineNotReady,

    #[error(transparent)]
    Camera(#[from] CameraError),

    /// onnxruntime-web could not be loaded into the page.
    #[error("ONNX Runtime Web could not be loaded: {0}")]
    Runtime(String),

    /// A model file could not be downloaded.
    #[error("downloading {url} failed: {detail}")]
    Download { url: String, detail: String },

    /// A model file's bytes are not the manifest's.
    #[error("{file} failed verification: its SHA-256 is {actual}, the manifest expects {expected}")]
    Verification { file: String, actual: String, expected: String },

    /// A model the settings name is not in the manifest (a stale or edited build).
    #[error("{0} is not in the model manifest")]
    NotInManifest(String),

    /// IndexedDB refused to open, read or write.
    #[error("the browser's storage (IndexedDB) failed: {0}")]
    Storage(String),

    /// A file could not be read from the disk.
    #[error("{name}: the file could not be read ({detail})")]
    FileRead { name: String, detail: String },

    /// A browser API call failed (clipboard, download, canvas...), with what the browser said.
    #[error("{0}")]
    Js(String),
}

impl From<simface::Error> for AppError {
    fn from(e: simface::Error) -> Self {
        Self::Core(std::sync::Arc::new(e))
    }
}

impl AppError {
    /// A JavaScript exception or rejection in words: its `message`, or its string form.
    pub fn js(e: &JsValue) -> Self {
        Self::Js(js_message(e))
    }

    /// The core error inside, for decisions on its variant.
    pub fn core(&self) -> Option<&simface::Error> {
        match self {
            Self::Core(e) => Some(e),
            _ => None,
        }
    }
}

/// What a JavaScript error value says.
pub fn js_message(e: &JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        return String::from(err.message());
    }
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
}
