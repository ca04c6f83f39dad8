//! The one error type of the library. Every message is a sentence a user can read, because the web app shows
//! these errors as they are and the CLI prints them after its own context.

use std::path::PathBuf;

/// Everything that can go wrong between a file's bytes and a match decision.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the file is empty")]
    EmptyInput,

    #[error("this file is not an image in a format SimFace reads (JPEG, PNG, WebP, BMP or GIF)")]
    UnsupportedFormat,

    #[error("the image is damaged or truncated and cannot be decoded ({0})")]
    CorruptImage(String),

    #[error(
        "the image is {width}×{height} pixels ({:.1} MP); the limit is {:.0} MP",
        (*width as f64) * (*height as f64) / 1e6,
        (*limit as f64) / 1e6
    )]
    ImageTooLarge { width: u32, height: u32, limit: u64 },

    #[error("no face was found in the image")]
    NoFace,

    #[error("face {index} does not exist: the image has {count} face(s), numbered from 0")]
    NoSuchFace { index: usize, count: usize },

    #[error("the face landmarks are degenerate (the points coincide or are not finite), so the face cannot be aligned")]
    DegenerateLandmarks,

    #[error(
        "the pixels given for a face are {}×{}, but its crop samples a region of {}×{}",
        found.0, found.1, expected.0, expected.1
    )]
    RegionSize { expected: (u32, u32), found: (u32, u32) },

    #[error("model {name} is missing (looked for {path}); run the set-up (`make setup`) to install the models")]
    ModelMissing { name: String, path: PathBuf },

    #[error("model {name} could not be loaded: {detail}")]
    ModelCorrupt { name: String, detail: String },

    #[error("model {name} does not have the expected inputs or outputs: {detail}")]
    ModelShape { name: String, detail: String },

    #[error("there is no recognition model {0:?} (models: xs, xxs, xs-int8, xxs-int8)")]
    UnknownModel(String),

    #[error("there is no detector {0:?} (detectors: yunet, seeta)")]
    UnknownDetector(String),

    #[error("ONNX Runtime is not available: {0}")]
    RuntimeUnavailable(String),

    #[error("running model {name} failed: {detail}")]
    Inference { name: String, detail: String },

    /// A session could not be set up on the accelerator asked for (WebGPU in the browser).
    #[error("model {name} could not be prepared for WebGPU: {detail}")]
    Accelerator { name: String, detail: String },

    #[error("the embeddings have different sizes ({0} and {1}); were they made by different models?")]
    EmbeddingSize(usize, usize),

    #[error("no face in view: enrolment needs exactly one face")]
    EnrolNoFace,

    #[error("{0} faces in view: enrolment needs exactly one face")]
    EnrolManyFaces(usize),

    #[error("a name is needed to enrol a person")]
    EmptyName,

    #[error("the name is {len} characters long; the limit is {max}")]
    NameTooLong { len: usize, max: usize },

    #[error("no face templates were given, so there is nothing to enrol")]
    NoTemplates,

    #[error("no enrolled person has id {0}")]
    NoSuchPerson(u64),

    #[error("this file is not a SimFace gallery export ({0})")]
    GalleryFormat(String),

    #[error(
        "this gallery was exported by a newer SimFace (format version {found}; this one reads version {supported}): update SimFace to import it"
    )]
    GalleryVersion { found: u64, supported: u32 },

    #[error(
        "these templates were made with {found}; the app is using {expected}: switch the model to {found} or enrol the people again"
    )]
    GalleryModel { found: String, expected: String },

    #[error("these templates were made with {0}, a model this app does not have: enrol the people again")]
    GalleryUnknownModel(String),

    #[error("the gallery file is damaged: {0}")]
    GalleryCorrupt(String),

    #[error("the gallery file is {:.1} MB; the limit is {} MB", *.bytes as f64 / 1_048_576.0, .limit >> 20)]
    GalleryTooLarge { bytes: u64, limit: usize },

    #[error("could not read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
