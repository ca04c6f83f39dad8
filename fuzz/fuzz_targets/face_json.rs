//! Arbitrary text → the face JSON that the CLI (`detect`, `embed`, `compare`, `quality --json`) and the page's
//! "Download JSON" write (`simface::report::{FaceRecord, ImageRecord}`): a record or a serde error, and a
//! record that parses writes JSON that reads back as the same record.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::{Serialize, de::DeserializeOwned};
use simface::report::{FaceRecord, ImageRecord};

/// Parse, write, parse again: the same value.
fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(text: &str) {
    let Ok(value) = serde_json::from_str::<T>(text) else {
        return;
    };
    let written = match serde_json::to_string(&value) {
        Ok(written) => written,
        Err(e) => panic!("a record that parsed cannot be written: {e}"),
    };
    match serde_json::from_str::<T>(&written) {
        // NaN never equals itself, so compare the JSON.
        Ok(again) => assert_eq!(serde_json::to_string(&again).ok().as_deref(), Some(written.as_str())),
        Err(e) => panic!("{value:?} writes {written}, which does not read back: {e}"),
    }
}

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    round_trip::<FaceRecord>(text);
    round_trip::<ImageRecord>(text);
    round_trip::<Vec<ImageRecord>>(text);
});
