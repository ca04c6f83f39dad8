//! The app's one error type. It wraps the core's [`simface::Error`] and adds what only a page meets: the
//! camera, IndexedDB, model downloads and JavaScript calls. Errors stay typed until a component shows them
//! (`Display` gives the sentence), and decisions are taken on variants: the live view skips a frame on
//! [`AppError::PipelineNotReady`] and stops the camera on anything else.
//!
//! This module sits below every other one of the app (it imports none of them).

use std::sync::Arc;

use simface::quality::QualityIssue;
use wasm_bindgen::{JsCast, JsValue};

/// Everything that can go wrong in the page.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AppError {
    /// A failure of the pipeline itself (decoding, detection, a model run, the gallery...).
    #[error("{0}")]
    Core(CoreError),

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

    /// A value from the page (a `<select>`, the query string) that names nothing the app knows.
    #[error("unknown {what} {value:?}")]
    UnknownValue { what: &'static str, value: String },

    /// IndexedDB refused to open, read or write.
    #[error("{0}")]
    Storage(String),

    /// The gallery kept in IndexedDB cannot be read back.
    #[error("the stored gallery is unusable: {0}")]
    StoredGallery(Box<AppError>),

    /// The person was added to the gallery in the page, but IndexedDB refused to keep it.
    #[error("enrolled, but the gallery could not be saved: {0}")]
    NotSaved(Box<AppError>),

    /// Photo enrolment: the photo shows no face.
    #[error("no face was found; enrolment needs a photo of one face")]
    PhotoNoFace,

    /// Photo enrolment: the photo shows several faces.
    #[error("{0} faces were found; enrolment needs a photo of exactly one face")]
    PhotoManyFaces(usize),

    /// Photo enrolment: the face fails the quality gate.
    #[error("the face is not good enough to enrol ({})", .0.advice())]
    PoorQuality(QualityIssue),

    /// A photo enrolment was asked for while the models load.
    #[error("the models are still loading; try again in a moment")]
    StillLoading,

    /// Something about a file, with the file's name in front.
    #[error("{name}: {source}")]
    InFile { name: String, source: Box<AppError> },

    /// A file larger than the page accepts.
    #[error("the file is {:.0} MB; the limit is {} MB", *.bytes as f64 / 1_048_576.0, .limit >> 20)]
    FileTooLarge { bytes: usize, limit: usize },

    /// The browser's decoder refused a file whose header looked right (and the Rust decoder could not
    /// take it either).
    #[error("the browser could not decode the image ({0})")]
    BrowserDecode(String),

    /// A file could not be read from the disk.
    #[error("the file could not be read ({0})")]
    FileRead(String),

    /// An imported gallery file is not text.
    #[error("the file is not a text (JSON) file")]
    NotText,

    /// A JSON file the page reads (the sample index) does not have the expected shape.
    #[error("{what} is not valid: {detail}")]
    InvalidJson { what: &'static str, detail: String },

    /// A sample photo the index lists is not served.
    #[error("the sample {0} is not available")]
    SampleMissing(String),

    /// The liveness models could not be loaded for a camera's photo (its face is compared without them).
    #[error("the face's liveness could not be checked: {0}")]
    LivenessUnavailable(Box<AppError>),

    /// A sample photo could not be fetched.
    #[error("the sample {path} could not be loaded: {source}")]
    Sample { path: String, source: Box<AppError> },

    /// The page could not make a canvas (to read camera frames or a photo's pixels, or draw a thumbnail).
    #[error("the page could not create a canvas to read the pixels")]
    NoCanvas,

    /// Alignment or embedding gave nothing for a face it was given.
    #[error("{0} gave no result")]
    NoResult(&'static str),

    /// Detection failed on a camera frame: the live view stopped the camera.
    #[error("Detection failed, so the camera was stopped: {0}")]
    LiveDetection(Box<AppError>),

    /// A browser API call failed (clipboard, download, fetch...), with what the browser said.
    #[error("{0}")]
    Js(String),
}

/// A core error, shared (the app's errors are cloned into signals; the core's are not `Clone`). Two are
/// equal when they are the same error.
#[derive(Debug, Clone)]
pub struct CoreError(pub Arc<simface::Error>);

impl PartialEq for CoreError {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl std::fmt::Display for CoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl From<simface::Error> for AppError {
    fn from(e: simface::Error) -> Self {
        Self::Core(CoreError(Arc::new(e)))
    }
}

impl AppError {
    /// A JavaScript exception or rejection in words: its `message`, or its string form.
    pub fn js(e: &JsValue) -> Self {
        Self::Js(js_message(e))
    }

    /// This error about the file `name`.
    pub fn in_file(self, name: &str) -> Self {
        Self::InFile { name: name.to_string(), source: Box::new(self) }
    }
}

/// What a JavaScript error value says.
pub fn js_message(e: &JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        return String::from(err.message());
    }
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
}

/// Why the page cannot be kept for offline use. Only logged: the page works online without it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OfflineError {
    #[error("offline use needs a secure context (https or localhost)")]
    NotSecure,
    #[error("this browser offers no service workers here")]
    NoServiceWorker,
    #[error("the service worker for offline use could not be registered: {0}")]
    Refused(String),
}

/// Why the camera could not be used, in words for the person.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CameraError {
    #[error(
        "Camera permission was denied. Allow the camera for this page in the browser's site settings, then start again."
    )]
    Denied,
    #[error("No camera was found. Plug one in (or enable it) and start again.")]
    NotFound,
    #[error("The camera is busy: another application or tab is using it. Close it and start again.")]
    Busy,
    #[error("The camera stopped: it was unplugged or taken over by another application.")]
    Ended,
    #[error("The camera has not delivered a picture yet: wait for the preview, then take the photo.")]
    NoFrame,
    #[error("This browser gives pages no camera access here (it needs https or localhost).")]
    Unsupported,
    #[error("The camera could not be started: {0}")]
    Other(String),
}
