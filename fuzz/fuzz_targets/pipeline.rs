//! The whole native pipeline with the real models (YuNet, EdgeFace-XS; ONNX Runtime on one thread) on whatever
//! decodes: detection at any angle, alignment and embedding must give faces or a typed error, never a panic.
//! Images are limited to 256×256 pixels after decoding so that each run takes milliseconds.
//!
//! The models are read from `../models` (or `$SIMFACE_MODELS_DIR`), ONNX Runtime from `$ORT_DYLIB_PATH` (or
//! `../.tools/lib/libonnxruntime.so`), as `make setup` installs them.
#![no_main]

use std::cell::RefCell;
use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;
use simface::runtime::RuntimeOptions;
use simface::{DecodeOptions, FacePipeline, PipelineConfig, decode_image_with};

const MAX_SIDE: u32 = 256;

fn checkout() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Built once per process (libFuzzer runs every input on one thread; the pipeline is not `Sync`): loading the
/// models takes far longer than a run.
fn build_pipeline() -> FacePipeline {
    if std::env::var_os("ORT_DYLIB_PATH").is_none_or(|p| p.is_empty()) {
        simface::runtime::set_library_path(checkout().join(".tools/lib/libonnxruntime.so"));
    }
    let dir = std::env::var_os("SIMFACE_MODELS_DIR").map_or_else(|| checkout().join("models"), PathBuf::from);
    let config = PipelineConfig {
        runtime: RuntimeOptions { intra_threads: Some(1), ..Default::default() },
        ..Default::default()
    };
    match FacePipeline::from_dir(&dir, config) {
        Ok(pipeline) => pipeline,
        // Not a finding: the fuzzer cannot run without its models.
        Err(e) => panic!("the pipeline cannot be built from {} ({e}): run `make setup`", dir.display()),
    }
}

thread_local! {
    static PIPELINE: RefCell<FacePipeline> = RefCell::new(build_pipeline());
}

fuzz_target!(|bytes: &[u8]| {
    let options = DecodeOptions { max_pixels: u64::from(MAX_SIDE) * u64::from(MAX_SIDE) };
    let Ok(image) = decode_image_with(bytes, options) else {
        return;
    };
    if image.width() > MAX_SIDE || image.height() > MAX_SIDE {
        return;
    }
    PIPELINE.with_borrow_mut(|pipeline| {
        let Ok(faces) = pollster::block_on(pipeline.analyze(&image)) else {
            return;
        };
        for analyzed in &faces {
            let face = &analyzed.face;
            assert!(face.score.is_finite(), "{face:?}");
            assert!(face.bbox.width.is_finite() && face.bbox.height.is_finite(), "{face:?}");
            assert_eq!(analyzed.aligned.dimensions(), (112, 112));
            assert_eq!(analyzed.embedding.len(), simface::embed::EMBEDDING_DIM);
            assert!(analyzed.embedding.as_slice().iter().all(|v| v.is_finite()));
        }
        // One face by index, as the CLI's `embed --face` and the page's face picker ask for it.
        let _ = pollster::block_on(pipeline.embed_face(&image, faces.len().saturating_sub(1)));
    });
});
