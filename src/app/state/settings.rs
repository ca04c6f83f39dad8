//! What the person chose: the recognition model, the detector, the detection size, the backend the models
//! run on, whether uploaded photos get a liveness check, and which view the page shows. Each choice parses
//! from the value of its `<select>` (or the query string) and prints back to it; an unknown value is an
//! error, never a silent default.

use std::{fmt, str::FromStr};

use simface::liveness::LivenessModel;
use simface::{DetectorKind, EmbedderModel};

use crate::app::error::AppError;

/// The one of `all` that prints as `value`: how every choice of the app parses (a `<select>`'s value, the
/// query string), so that an unknown value is an error naming `what`, never a default.
pub fn parse_choice<T: Copy + fmt::Display>(all: &[T], what: &'static str, value: &str) -> Result<T, AppError> {
    all.iter()
        .copied()
        .find(|choice| choice.to_string() == value)
        .ok_or_else(|| AppError::UnknownValue { what, value: value.to_string() })
}

/// The longer image side used for detection; larger finds smaller faces and takes longer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DetectionSize {
    Px320,
    Px480,
    #[default]
    Px640,
    Px960,
    Px1280,
}

impl DetectionSize {
    pub const ALL: [DetectionSize; 5] =
        [DetectionSize::Px320, DetectionSize::Px480, DetectionSize::Px640, DetectionSize::Px960, DetectionSize::Px1280];

    pub fn pixels(self) -> u32 {
        match self {
            DetectionSize::Px320 => 320,
            DetectionSize::Px480 => 480,
            DetectionSize::Px640 => 640,
            DetectionSize::Px960 => 960,
            DetectionSize::Px1280 => 1280,
        }
    }
}

impl fmt::Display for DetectionSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.pixels())
    }
}

impl FromStr for DetectionSize {
    type Err = AppError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_choice(&DetectionSize::ALL, "detection size", s)
    }
}

/// Where the person wants the models to run. What actually runs also depends on the browser (an adapter
/// or none), on the onnxruntime-web build the page loaded and on failures: see `services::engine`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Backend {
    /// WebGPU when the browser has a hardware adapter, else WebAssembly. A software adapter (SwiftShader,
    /// or any the browser marks `isFallbackAdapter`) does not count: it runs the models on the CPU through
    /// a GPU emulation, several times slower than onnxruntime-web's own WebAssembly kernels.
    #[default]
    Auto,
    /// WebGPU on whatever adapter the browser gives, software ones included; WebAssembly when there is none
    /// or WebGPU fails.
    WebGpu,
    /// onnxruntime-web's WebAssembly (SIMD, threads when the page is cross-origin isolated).
    Wasm,
}

impl Backend {
    pub const ALL: [Backend; 3] = [Backend::Auto, Backend::WebGpu, Backend::Wasm];

    /// What the picker says.
    pub fn label(self) -> &'static str {
        match self {
            Backend::Auto => "Automatic",
            Backend::WebGpu => "WebGPU",
            Backend::Wasm => "WebAssembly",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Auto => "auto",
            Backend::WebGpu => "webgpu",
            Backend::Wasm => "wasm",
        })
    }
}

impl FromStr for Backend {
    type Err = AppError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_choice(&Backend::ALL, "backend", s)
    }
}

/// What the user chose in the settings; the models are loaded for exactly this.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Settings {
    pub model: EmbedderModel,
    pub detector: DetectorKind,
    pub detection_size: DetectionSize,
    pub backend: Backend,
    /// Check the liveness of the faces of uploaded photos too. Off by default: an uploaded photo IS a photo,
    /// and presentation-attack detection is meant for what a camera sees (the two liveness models are then not
    /// even downloaded).
    pub liveness_for_uploads: bool,
}

impl Settings {
    /// The model files this configuration needs.
    pub fn files(&self) -> Vec<&'static str> {
        let mut files = vec![self.detector.file_name(), self.model.file_name()];
        if self.liveness_for_uploads {
            files.extend(LivenessModel::ALL.map(LivenessModel::file_name));
        }
        files
    }
}

/// The model's value in the picker: its short name (`xs`, `xxs_int8`), which [`EmbedderModel`]'s
/// `FromStr` reads back.
pub fn model_value(model: EmbedderModel) -> &'static str {
    model.name().trim_start_matches("edgeface_")
}

/// Which of the two tools the page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    #[default]
    Compare,
    Live,
}

impl fmt::Display for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            View::Compare => "compare",
            View::Live => "live",
        })
    }
}

impl FromStr for View {
    type Err = AppError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_choice(&[View::Compare, View::Live], "view", s)
    }
}
