//! Arbitrary text → a gallery import (`Gallery::from_json`) or a typed error. What imports must export and
//! import again unchanged, and identify a probe without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use simface::embed::EMBEDDING_DIM;
use simface::gallery::Gallery;
use simface::{EmbedderModel, Embedding};

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    // The plain deserialiser validates the same way, bar the expected model.
    let plain: Result<Gallery, _> = serde_json::from_str(text);
    let Ok(gallery) = Gallery::from_json(text, EmbedderModel::EdgefaceXs) else {
        return;
    };
    assert_eq!(plain.as_ref().ok(), Some(&gallery), "from_json accepts what the deserialiser refuses");
    let exported = gallery.to_json();
    let again = match Gallery::from_json(&exported, EmbedderModel::EdgefaceXs) {
        Ok(again) => again,
        Err(e) => panic!("an imported gallery's export is refused: {e}"),
    };
    assert_eq!(again, gallery);
    let mut probe = vec![0.0; EMBEDDING_DIM];
    probe[0] = 1.0;
    let probe = Embedding::normalized(probe);
    let ranked = gallery.identify(&probe);
    assert!(ranked.len() <= gallery.len());
    assert!(ranked.iter().all(|m| (-1.0..=1.0).contains(&m.score)));
    assert_eq!(gallery.best(&probe, -1.0).as_ref(), ranked.first());
});
