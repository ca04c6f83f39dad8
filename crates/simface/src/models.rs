//! The models SimFace knows, as `models/manifest.json` describes them: one source for each model's file,
//! size, SHA-256, label, decision threshold and reference speed. The manifest is compiled in, so the app
//! and the CLI verify what they load against it; set-up copies and verifies the files by the same entries.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::detect::DetectorKind;
use crate::embed::EmbedderModel;

/// The manifest's text, compiled in.
pub const MANIFEST_JSON: &str = include_str!("../../../models/manifest.json");

/// `models/manifest.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    pub schema: u32,
    pub models: Vec<ModelEntry>,
}

/// What a model is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    Detector,
    Embedder,
    /// Presentation-attack detection (`crate::liveness`).
    Liveness,
}

/// One model of the manifest (the fields the programs use; the contract fields are documentation).
#[derive(Debug, Clone, Deserialize)]
pub struct ModelEntry {
    /// The name reports and exported templates use, e.g. `edgeface_xs`.
    pub name: String,
    /// The file name in the models directory (and under `models/` of the web app).
    pub file: String,
    /// Lower-case hex SHA-256 of the file.
    pub sha256: String,
    /// The file's size in bytes.
    pub size: u64,
    pub kind: ModelKind,
    /// The name shown to people.
    pub label: String,
    /// Embedders: the calibrated decision threshold of cosine similarity (README, "Calibration").
    #[serde(default)]
    pub threshold: Option<f32>,
    /// Embedders: ms per face in headless Chromium with one thread (models/README.md), shown until the
    /// app has measured the model on the device.
    #[serde(default)]
    pub reference_ms_per_face: Option<f32>,
    /// Models that set-up makes from another one (the int8 embedders) name it here.
    #[serde(default)]
    pub derived_from: Option<String>,
}

impl Manifest {
    /// The entry named `name`.
    pub fn entry(&self, name: &str) -> Option<&ModelEntry> {
        self.models.iter().find(|m| m.name == name)
    }

    /// The entry whose file is `file`.
    pub fn entry_for_file(&self, file: &str) -> Option<&ModelEntry> {
        self.models.iter().find(|m| m.file == file)
    }
}

/// The compiled-in manifest. Every model the code names has an entry (the tests below check it), so the
/// accessors of [`EmbedderModel`] and [`DetectorKind`] can rely on it.
pub fn manifest() -> &'static Manifest {
    static MANIFEST: OnceLock<Manifest> = OnceLock::new();
    MANIFEST.get_or_init(|| match serde_json::from_str(MANIFEST_JSON) {
        Ok(manifest) => manifest,
        // Compiled in and checked by `every_model_of_the_code_is_in_the_manifest`: not reachable by input.
        Err(e) => panic!("models/manifest.json is invalid: {e}"),
    })
}

fn entry(name: &str) -> &'static ModelEntry {
    match manifest().entry(name) {
        Some(entry) => entry,
        None => panic!("models/manifest.json has no entry {name}"),
    }
}

impl EmbedderModel {
    /// This model's manifest entry.
    pub fn entry(self) -> &'static ModelEntry {
        entry(self.name())
    }

    pub fn file_name(self) -> &'static str {
        &self.entry().file
    }

    /// The calibrated decision threshold (from the manifest).
    pub fn threshold(self) -> f32 {
        self.entry().threshold.unwrap_or(f32::NAN)
    }
}

impl crate::liveness::LivenessModel {
    /// This model's manifest entry.
    pub fn entry(self) -> &'static ModelEntry {
        entry(self.name())
    }

    pub fn file_name(self) -> &'static str {
        &self.entry().file
    }
}

impl DetectorKind {
    /// The manifest name of this detector's model.
    pub fn model_name(self) -> &'static str {
        match self {
            DetectorKind::Yunet => "yunet",
            DetectorKind::Seeta => "seeta_frontal",
        }
    }

    /// This detector's manifest entry.
    pub fn entry(self) -> &'static ModelEntry {
        entry(self.model_name())
    }

    pub fn file_name(self) -> &'static str {
        &self.entry().file
    }
}

/// Reads a model file natively, turning a missing file into [`crate::Error::ModelMissing`].
#[cfg(not(target_arch = "wasm32"))]
pub fn read_model_file(dir: &std::path::Path, file: &str) -> crate::Result<Vec<u8>> {
    let path = dir.join(file);
    std::fs::read(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => crate::Error::ModelMissing { name: file.to_string(), path: path.clone() },
        _ => crate::Error::Io { path: path.clone(), source: e },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_model_of_the_code_is_in_the_manifest() {
        for model in EmbedderModel::ALL {
            let e = model.entry();
            assert_eq!(e.kind, ModelKind::Embedder, "{}", e.name);
            assert!(e.threshold.is_some_and(|t| t > 0.0 && t < 1.0), "{} needs a threshold", e.name);
            assert!(e.reference_ms_per_face.is_some(), "{} needs a reference speed", e.name);
        }
        for detector in [DetectorKind::Yunet, DetectorKind::Seeta] {
            assert_eq!(detector.entry().kind, ModelKind::Detector);
        }
        for model in crate::liveness::LivenessModel::ALL {
            assert_eq!(model.entry().kind, ModelKind::Liveness);
        }
        for e in &manifest().models {
            assert_eq!(e.sha256.len(), 64, "{}", e.name);
            assert!(e.size > 0, "{}", e.name);
        }
    }
}
