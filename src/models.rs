//! Where the model files are and what they are called. The manifest with hashes and contracts is
//! `models/manifest.json`; set-up copies and verifies the files, this module only finds them.

/// YuNet's file name in the models directory.
pub const YUNET_FILE: &str = "face_detection_yunet.onnx";
/// The SeetaFace frontal model's file name.
pub const SEETA_FILE: &str = "seeta_fd_frontal_v1.0.bin";

/// The manifest, compiled in so the app and the CLI can verify what they load.
pub const MANIFEST_JSON: &str = include_str!("../models/manifest.json");

/// The models directory natively: `models/` of this source tree, where set-up puts every model (the
/// ones it copies and the int8 ones it makes). `SIMFACE_MODELS_DIR` is only where set-up copies from, so
/// it is not read here: the derived models never exist there. The CLI's `--models DIR` overrides this.
#[cfg(not(target_arch = "wasm32"))]
pub fn default_models_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models")
}

/// Reads a model file, turning a missing file into [`crate::Error::ModelMissing`].
#[cfg(not(target_arch = "wasm32"))]
pub fn read_model_file(dir: &std::path::Path, file: &str) -> crate::Result<Vec<u8>> {
    let path = dir.join(file);
    std::fs::read(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => crate::Error::ModelMissing { name: file.to_string(), path: path.clone() },
        _ => crate::Error::Io { path: path.clone(), source: e },
    })
}
