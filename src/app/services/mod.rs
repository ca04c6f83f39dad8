//! What the page does with the browser and the core: the models (`engine`, `pipeline`, `model_files`,
//! `onnx_web`), the photos of the slots (`photo`), the gallery and its storage (`gallery`, `storage`), the
//! camera (`camera`), the sample index (`samples`), offline use (`offline`: the service worker) and small
//! browser helpers (`browser`). Services use the state and drawing layers, never the components.

pub mod bitmap;
pub mod browser;
pub mod camera;
pub mod engine;
pub mod gallery;
pub mod model_files;
pub mod offline;
pub mod onnx_web;
pub mod photo;
pub mod pipeline;
pub mod samples;
pub mod storage;
