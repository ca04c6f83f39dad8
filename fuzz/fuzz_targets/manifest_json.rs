//! Arbitrary text → the model manifest (`simface::models::Manifest`, as `models::manifest()` parses the
//! compiled-in `models/manifest.json`) or a serde error; lookups in what parses.
#![no_main]

use libfuzzer_sys::fuzz_target;
use simface::models::Manifest;

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let Ok(manifest) = serde_json::from_str::<Manifest>(text) else {
        return;
    };
    for entry in &manifest.models {
        assert!(manifest.entry(&entry.name).is_some());
        assert!(manifest.entry_for_file(&entry.file).is_some());
    }
});
