//! SimFace: face detection, alignment, embedding and matching, natively and in the browser.
//!
//! The stages, each in its own module:
//! [`decode`] (bytes → upright RGB) → [`detect`] (faces, boxes, 5 landmarks; YuNet or SeetaFace) →
//! [`align`] (similarity transform to the ArcFace 112×112 template) → [`embed`] (EdgeFace, 512-d,
//! L2-normalised) → [`matching`] (cosine similarity, calibrated threshold). [`runtime`] is the only
//! module that talks to ONNX Runtime; [`pipeline`] puts the stages behind a small API; [`eval`] computes
//! accuracy metrics over scored pairs.
//!
//! For live video (the webcam): [`quality`] judges whether a face is good enough to enrol (size, sharpness,
//! light, head pose) and says what to fix; [`tracking`] follows faces from frame to frame so a face is
//! embedded a few times a second instead of every frame, with its embeddings averaged; [`gallery`] holds the
//! enrolled people, identifies a face among them (1:N) and exports/imports them as versioned JSON. All three
//! are synchronous and model-free, the same natively and in WebAssembly. [`enrolment`] is the policy of
//! enrolling a person (one face, the gate, several frames), shared by every way the shells enrol.
//! [`models`] reads the compiled-in manifest: each model's file, hash, size, threshold and label.

pub mod align;
pub mod decode;
pub mod detect;
pub mod embed;
pub mod enrolment;
pub mod error;
pub mod eval;
mod finite;
pub mod gallery;
pub mod liveness;
pub mod matching;
pub mod models;
pub mod pipeline;
pub mod quality;
pub mod report;
pub mod runtime;
pub mod tracking;

pub use decode::{DecodeOptions, ImageHeader, decode_image, decode_image_with, read_header};
pub use detect::{BBox, Detector, DetectorKind, Face, LandmarkSource, Point, RotationConfig, Turn};
pub use embed::{EmbedderModel, Embedding};
pub use error::{Error, Result};
pub use gallery::{Gallery, Person, PersonMatch};
pub use matching::{Verdict, cosine_similarity};
pub use pipeline::{AnalyzedFace, FacePipeline, ModelBytes, PipelineConfig, identification_scores, verification_score};
pub use quality::{Pose, Quality, QualityConfig, QualityIssue, assess, estimate_pose};
pub use tracking::{Track, Tracker, TrackerConfig};
