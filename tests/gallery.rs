//! The gallery of enrolled people on real embeddings: 1:N identification of the shared probes, export and
//! import (round trip, refusals with their messages), editing, and the speed of a search.
// These tests run the native pipeline (files, ONNX Runtime); the wasm32 build has its browser tests in e2e/.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::*;
use image::imageops;
use simface::detect::DetectorKind;
use simface::embed::EMBEDDING_DIM;
use simface::gallery::Gallery;
use simface::matching::calibrated_threshold;
use simface::{EmbedderModel, Embedding, Error, FacePipeline};

const MODEL: EmbedderModel = EmbedderModel::EdgefaceXs;

fn embed(pipeline: &mut FacePipeline, image: &image::RgbImage) -> Embedding {
    block_on(pipeline.embed_face(image, 0)).expect("a face").embedding
}

/// The shared gallery enrolled with two templates per person (the photo and its mirror image, as a webcam
/// enrolment would take several frames), and the probes with their person.
fn enrolled() -> (Gallery, Vec<(String, Embedding)>) {
    let mut pipeline = pipeline(DetectorKind::Yunet, MODEL, 640);
    let mut gallery = Gallery::new(MODEL);
    for (n, path) in jpgs_in(&faces_dir().join("gallery")).iter().enumerate() {
        let image = load_rgb(path);
        let templates = [embed(&mut pipeline, &image), embed(&mut pipeline, &imageops::flip_horizontal(&image))];
        let thumbnail = Some("data:image/jpeg;base64,/9j/4AAQSkZJRg==".to_string());
        gallery.add(&person(path), &templates, thumbnail, 1_700_000_000_000.0 + n as f64).expect("enrolled");
    }
    let probes = jpgs_in(&faces_dir().join("probe"))
        .iter()
        .map(|path| (person(path), embed(&mut pipeline, &load_rgb(path))))
        .collect();
    (gallery, probes)
}

#[test]
fn every_probe_is_identified_as_its_own_person_above_the_threshold_and_strangers_below() {
    let (gallery, probes) = enrolled();
    let threshold = calibrated_threshold(MODEL);
    assert_eq!(gallery.len(), 8);
    let (mut lowest_genuine, mut highest_impostor) = (f32::MAX, f32::MIN);
    for (who, probe) in &probes {
        let ranked = gallery.identify(probe);
        assert_eq!(ranked.len(), 8);
        assert!(ranked.windows(2).all(|w| w[0].score >= w[1].score), "sorted best first");
        println!(
            "probe {who}: best {} {:.4}, next {} {:.4}",
            ranked[0].name, ranked[0].score, ranked[1].name, ranked[1].score
        );
        assert_eq!(&ranked[0].name, who);
        assert!(ranked[0].score >= threshold, "{who}: {}", ranked[0].score);
        lowest_genuine = lowest_genuine.min(ranked[0].score);
        highest_impostor = highest_impostor.max(ranked[1].score);
        assert_eq!(gallery.best(probe, threshold).as_ref(), Some(&ranked[0]));
        assert!(ranked[1..].iter().all(|m| m.score < threshold), "{who}: an impostor reaches the threshold");
    }
    println!(
        "gallery of 8 (2 templates each), {}: lowest genuine best {lowest_genuine:.4}, highest impostor {highest_impostor:.4}, threshold {threshold}",
        MODEL.name()
    );

    // Someone not enrolled: remove a person and their probe becomes "unknown".
    let mut without = gallery.clone();
    let (who, probe) = &probes[0];
    let id = without.people().iter().find(|p| &p.name == who).map(|p| p.id).expect("enrolled");
    assert!(without.remove(id));
    assert!(!without.remove(id));
    assert_eq!(without.len(), 7);
    assert_eq!(without.best(probe, threshold), None, "{who} is no longer enrolled");
    assert!(without.identify(probe).iter().all(|m| m.id != id));

    // A probe of another size cannot come from this model: it matches nobody.
    assert!(gallery.identify(&Embedding::normalized(vec![1.0; 128])).is_empty());
}

#[test]
fn export_and_import_give_the_same_gallery_and_the_same_matches() {
    let (gallery, probes) = enrolled();
    let json = gallery.to_json();
    let header: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(header["format"], "simface-gallery");
    // The file says what it holds, first thing after its format.
    assert_eq!(header["notice"], simface::gallery::EXPORT_NOTICE);
    assert!(
        json.starts_with(r#"{"format":"simface-gallery","notice":"This file holds biometric templates"#),
        "{json:.80}"
    );
    assert_eq!(header["version"], 1);
    assert_eq!(header["model"], MODEL.name());
    assert_eq!(header["embedding_size"], EMBEDDING_DIM);
    println!("export of 8 people × 2 templates: {} bytes", json.len());

    let imported = Gallery::from_json(&json, MODEL).expect("its own export imports");
    assert_eq!(imported, gallery);
    for (_, probe) in &probes {
        assert_eq!(imported.identify(probe), gallery.identify(probe));
    }
    // Serde sees the same document (for apps that embed a gallery in a larger state).
    let via_serde: Gallery = serde_json::from_str(&json).expect("deserialises");
    assert_eq!(via_serde, gallery);

    // Imported into a gallery that has people: everyone stays, the file's people come in under new ids, and the
    // same file imported again adds nobody. Another model's gallery adds nothing.
    let mut mine = Gallery::new(MODEL);
    let mut axis = vec![0.0; EMBEDDING_DIM];
    axis[0] = 1.0;
    let own = mine.add("Someone Else", &[Embedding::normalized(axis)], None, 0.0).expect("added");
    assert_eq!(mine.merge(imported.clone()).expect("merged"), gallery.len());
    assert_eq!(mine.len(), gallery.len() + 1);
    assert_eq!(mine.get(own).map(|p| p.name.as_str()), Some("Someone Else"));
    let ids: std::collections::HashSet<u64> = mine.people().iter().map(|p| p.id).collect();
    assert_eq!(ids.len(), mine.len(), "ids must stay unique");
    for (_, probe) in &probes {
        let (a, b) = (gallery.best(probe, 0.0), mine.best(probe, 0.0));
        assert_eq!(a.map(|m| (m.name, m.score)), b.map(|m| (m.name, m.score)));
    }
    assert_eq!(mine.merge(imported.clone()).expect("merged again"), 0);
    assert_eq!(mine.len(), gallery.len() + 1);
    let err = mine.merge(Gallery::new(EmbedderModel::EdgefaceXxs)).expect_err("another model");
    assert!(matches!(err, Error::GalleryModel { .. }), "{err:?}");

    // New people after an import get ids the file never used.
    let mut more = imported.clone();
    let max_id = imported.people().iter().map(|p| p.id).max().unwrap_or(0);
    let id = more.add("Someone", std::slice::from_ref(&probes[0].1), None, 0.0).expect("added");
    assert!(id > max_id);
}

#[test]
fn imports_that_cannot_be_used_are_refused_with_a_clear_sentence() {
    let (gallery, _) = enrolled();
    let json = gallery.to_json();

    let err = Gallery::from_json(&json, EmbedderModel::EdgefaceXxs).expect_err("another model");
    println!("other model: {err}");
    assert!(matches!(err, Error::GalleryModel { .. }));
    let text = err.to_string();
    assert!(text.contains("edgeface_xs") && text.contains("edgeface_xxs"), "{text}");

    let mut value: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let edited = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut v = value.clone();
        edit(&mut v);
        Gallery::from_json(&v.to_string(), MODEL)
    };
    let cases: Vec<(&str, simface::Result<Gallery>)> = vec![
        ("not JSON", Gallery::from_json("name,template\nA,0.1", MODEL)),
        ("a JSON array", Gallery::from_json("[1, 2]", MODEL)),
        ("another format", edited(&|v| v["format"] = "simface-settings".into())),
        ("newer version", edited(&|v| v["version"] = 2.into())),
        ("no version", edited(&|v| v["version"] = serde_json::Value::Null)),
        ("short template", edited(&|v| v["people"][0]["templates"][0] = serde_json::json!([0.5, 0.5]))),
        ("declared size", edited(&|v| v["embedding_size"] = 256.into())),
        ("overflowing value", edited(&|v| v["people"][1]["templates"][1][3] = serde_json::json!(1e300))),
        ("zero template", edited(&|v| v["people"][1]["templates"][0] = serde_json::json!(vec![0.0; EMBEDDING_DIM]))),
        ("repeated id", edited(&|v| v["people"][1]["id"] = v["people"][0]["id"].clone())),
        ("empty name", edited(&|v| v["people"][2]["name"] = " ".into())),
        ("unknown model", edited(&|v| v["model"] = "arcface_r100".into())),
        (
            "missing people",
            edited(&|v| {
                if let Some(o) = v.as_object_mut() {
                    o.remove("people");
                }
            }),
        ),
    ];
    // Over the size limit: refused before it is parsed, even when it is otherwise a valid export (padded with
    // whitespace, which JSON ignores).
    let padded = format!("{json}{}", " ".repeat(simface::gallery::MAX_GALLERY_JSON_BYTES + 1 - json.len()));
    let err = Gallery::from_json(&padded, MODEL).expect_err("too large");
    println!("too large: {err}");
    assert!(matches!(err, Error::GalleryTooLarge { limit, .. } if limit == simface::gallery::MAX_GALLERY_JSON_BYTES));
    assert_eq!(err.to_string(), "the gallery file is 32.0 MB; the limit is 32 MB");
    let just_fits = &padded[..simface::gallery::MAX_GALLERY_JSON_BYTES];
    assert_eq!(Gallery::from_json(just_fits, MODEL).expect("at the limit"), gallery);

    for (what, result) in cases {
        let err = result.expect_err(what);
        println!("{what}: {err}");
        match what {
            "not JSON" | "a JSON array" | "another format" | "no version" => {
                assert!(matches!(err, Error::GalleryFormat(_)), "{what}: {err:?}");
                assert!(err.to_string().starts_with("this file is not a SimFace gallery export"));
            }
            "newer version" => assert!(matches!(err, Error::GalleryVersion { found: 2, supported: 1 }), "{err:?}"),
            "unknown model" => {
                assert!(matches!(err, Error::GalleryUnknownModel(ref m) if m == "arcface_r100"), "{err:?}")
            }
            _ => assert!(matches!(err, Error::GalleryCorrupt(_)), "{what}: {err:?}"),
        }
    }

    // Templates written un-normalised (by hand, or by another tool) are normalised again; a thumbnail that
    // would make the page fetch something is dropped.
    value["people"][0]["templates"][0].as_array_mut().expect("a template").iter_mut().for_each(|x| {
        *x = serde_json::json!(x.as_f64().unwrap_or(0.0) * 3.0);
    });
    value["people"][0]["thumbnail"] = "https://tracker.example/pixel.png".into();
    let fixed = Gallery::from_json(&value.to_string(), MODEL).expect("imports");
    let t = &fixed.people()[0].templates[0];
    let norm: f32 = t.iter().map(|x| x * x).sum::<f32>().sqrt();
    assert!((norm - 1.0).abs() < 1e-5);
    assert_eq!(fixed.people()[0].thumbnail, None);
    assert!(fixed.people()[1].thumbnail.is_some());
}

#[test]
fn people_are_renamed_removed_and_refused_with_typed_errors() {
    let mut pipeline = pipeline(DetectorKind::Yunet, MODEL, 640);
    let e = embed(&mut pipeline, &load_rgb(&faces_dir().join("gallery/AJOLIE-001_fe3347c0.jpg")));
    let mut gallery = Gallery::new(MODEL);
    // Every change gives the gallery a revision no gallery had before (the live view keeps search results
    // while it stays the same); refused changes and clones keep it.
    let mut seen = vec![gallery.revision(), Gallery::new(MODEL).revision()];
    let mut changed = |g: &Gallery| {
        let fresh = !seen.contains(&g.revision());
        seen.push(g.revision());
        fresh
    };
    let id = gallery.add("  Angelina ", std::slice::from_ref(&e), None, 5.0).expect("added");
    assert!(changed(&gallery), "add");
    assert_eq!(gallery.get(id).map(|p| p.name.as_str()), Some("Angelina"));
    gallery.rename(id, " Angelina Jolie ").expect("renamed");
    assert!(changed(&gallery), "rename");
    let before = gallery.revision();
    assert!(gallery.rename(id, "").is_err() && !gallery.remove(id + 1));
    assert_eq!(gallery.revision(), before, "refused changes keep the revision");
    assert_eq!(gallery.clone().revision(), before);
    assert_eq!(gallery.get(id).map(|p| p.name.as_str()), Some("Angelina Jolie"));
    assert_eq!(gallery.best(&e, 0.99).map(|m| m.name), Some("Angelina Jolie".to_string()));

    let errors = [
        gallery.rename(id, "\t").expect_err("empty"),
        gallery.rename(id + 1, "Nobody").expect_err("no such person"),
        gallery.add(&"x".repeat(65), std::slice::from_ref(&e), None, 0.0).expect_err("too long"),
        gallery.add("Nobody", &[], None, 0.0).expect_err("no templates"),
        gallery.add("Small", &[Embedding::normalized(vec![1.0; 128])], None, 0.0).expect_err("wrong size"),
    ];
    for err in &errors {
        println!("{err}");
    }
    assert!(matches!(errors[0], Error::EmptyName));
    assert!(matches!(errors[1], Error::NoSuchPerson(n) if n == id + 1));
    assert!(matches!(errors[2], Error::NameTooLong { len: 65, max: 64 }));
    assert!(matches!(errors[3], Error::NoTemplates));
    assert!(matches!(errors[4], Error::EmbeddingSize(512, 128)));
    assert_eq!(gallery.len(), 1);

    let other = gallery.add("Other", std::slice::from_ref(&e), None, 6.0).expect("added");
    assert!(changed(&gallery), "add");
    assert!(gallery.remove(other));
    assert!(changed(&gallery), "remove");
    let imported = Gallery::from_json(&gallery.to_json(), MODEL).expect("import");
    assert!(changed(&imported), "import");
    gallery.clear();
    assert!(changed(&gallery), "clear");
    assert!(gallery.is_empty() && gallery.identify(&e).is_empty() && gallery.best(&e, -1.0).is_none());
    assert_eq!(gallery.model(), MODEL);
}

/// Not an assertion: how long 1:N identification takes over 1000 people × 5 templates (random unit
/// vectors). Integration tests build this crate unoptimised, so a release build is several times faster.
#[test]
fn identification_over_a_thousand_people_is_timed() {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut random = move || {
        // xorshift64*: enough randomness for spread-out test vectors, without a dependency.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 40) as f32 / (1u64 << 24) as f32 - 0.5
    };
    let mut vector = || Embedding::normalized((0..EMBEDDING_DIM).map(|_| random()).collect());
    let mut gallery = Gallery::new(MODEL);
    for n in 0..1000 {
        let templates: Vec<Embedding> = (0..5).map(|_| vector()).collect();
        gallery.add(&format!("person {n}"), &templates, None, 0.0).expect("added");
    }
    let probes: Vec<Embedding> = (0..50).map(|_| vector()).collect();
    let start = std::time::Instant::now();
    let mut best = 0.0f32;
    for probe in &probes {
        best = best.max(gallery.identify(probe)[0].score);
    }
    let identify_ms = start.elapsed().as_secs_f64() * 1000.0 / probes.len() as f64;
    let start = std::time::Instant::now();
    let found = probes.iter().filter(|p| gallery.best(p, 0.35).is_some()).count();
    let best_ms = start.elapsed().as_secs_f64() * 1000.0 / probes.len() as f64;
    println!(
        "1000 people × 5 templates × {EMBEDDING_DIM}: identify {identify_ms:.2} ms, best {best_ms:.2} ms per probe \
         (highest random score {best:.3}, {found} random probes above 0.35)"
    );
    assert_eq!(found, 0, "random vectors in 512-d are nearly orthogonal");
}
