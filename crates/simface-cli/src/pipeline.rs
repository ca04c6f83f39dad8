//! From the global options to a loaded pipeline: the configuration, where the models and ONNX Runtime
//! are (`locate`), and reading images.

use std::path::{Path, PathBuf};

use anyhow::Context;
use image::RgbImage;
use simface::runtime::RuntimeOptions;
use simface::{FacePipeline, PipelineConfig, decode_image};

use crate::GlobalOptions;
use crate::locate::{self, Surroundings};

impl GlobalOptions {
    pub fn runtime(&self) -> RuntimeOptions {
        RuntimeOptions { intra_threads: self.threads, ..RuntimeOptions::default() }
    }

    pub fn config(&self) -> PipelineConfig {
        let defaults = PipelineConfig::default();
        PipelineConfig {
            detector: self.detector,
            embedder: self.model,
            runtime: self.runtime(),
            rotation: simface::RotationConfig { enabled: !self.upright_only, ..defaults.rotation },
            ..defaults
        }
        .with_max_side(self.max_side)
    }

    /// The models directory (`locate::models_dir`).
    pub fn models_dir(&self) -> anyhow::Result<PathBuf> {
        locate::models_dir(self.models.as_deref(), &Surroundings::of_this_process())
    }

    /// Finds the models and ONNX Runtime, points the core at the library and loads the pipeline. When
    /// both are missing, both are reported: fixing one only to hear about the other wastes a run.
    pub fn pipeline(&self) -> anyhow::Result<FacePipeline> {
        let around = Surroundings::of_this_process();
        let models = locate::models_dir(self.models.as_deref(), &around);
        let ort = locate::ort_library(self.ort_lib.as_deref(), &around);
        let (models, ort) = match (models, ort) {
            (Ok(models), Ok(ort)) => (models, ort),
            (Err(models), Err(ort)) => anyhow::bail!("{models}\n{ort}"),
            (Err(e), Ok(_)) | (Ok(_), Err(e)) => return Err(e),
        };
        // Only the first call sets it; there is one pipeline per run.
        simface::runtime::set_library_path(ort);
        FacePipeline::from_dir(&models, self.config())
            .with_context(|| format!("loading the models from {}", models.display()))
    }
}

impl GlobalOptions {
    /// The two anti-spoofing models, from the same models directory (call after [`GlobalOptions::pipeline`],
    /// which points the core at ONNX Runtime).
    pub fn liveness_checker(&self) -> anyhow::Result<simface::liveness::LivenessChecker> {
        let models = self.models_dir()?;
        simface::liveness::LivenessChecker::from_dir(&models, self.runtime())
            .with_context(|| format!("loading the liveness models from {}", models.display()))
    }
}

/// Reads and decodes an image file (EXIF-upright RGB).
pub fn load_image(path: &Path) -> anyhow::Result<RgbImage> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    decode_image(&bytes).with_context(|| format!("{}", path.display()))
}
