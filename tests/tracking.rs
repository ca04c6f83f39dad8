//! Face tracking across frames: stable ids under motion and crossing, dropping and re-creating tracks, the
//! embedding schedule and the smoothed embedding, on synthetic boxes and on real detections and embeddings.
// These tests run the native pipeline (files, ONNX Runtime); the wasm32 build has its browser tests in e2e/.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::*;
use image::imageops;
use simface::detect::{BBox, DetectorKind, LandmarkSource, Point};
use simface::tracking::{Tracker, TrackerConfig};
use simface::{EmbedderModel, Embedding, Face, cosine_similarity};

fn face(x: f32, y: f32, size: f32) -> Face {
    let at = |fx: f32, fy: f32| Point::new(x + fx * size, y + fy * size);
    Face {
        bbox: BBox { x, y, width: size, height: size },
        score: 0.9,
        landmarks: [at(0.34, 0.46), at(0.66, 0.46), at(0.5, 0.64), at(0.37, 0.82), at(0.63, 0.82)],
        landmark_source: LandmarkSource::Detected,
        turn: Default::default(),
    }
}

fn id_at(tracker: &Tracker, x: f32, y: f32) -> Option<u64> {
    tracker.tracks().iter().find(|t| (t.face.bbox.x - x).abs() < 0.01 && (t.face.bbox.y - y).abs() < 0.01).map(|t| t.id)
}

#[test]
fn ids_stay_stable_while_boxes_drift_a_few_pixels_per_frame() {
    let mut tracker = Tracker::new(TrackerConfig::default());
    tracker.update(vec![face(100.0, 100.0, 120.0), face(400.0, 120.0, 90.0)]);
    let (a, b) = (id_at(&tracker, 100.0, 100.0).expect("a"), id_at(&tracker, 400.0, 120.0).expect("b"));
    assert_ne!(a, b);
    for frame in 1..=60 {
        let d = frame as f32;
        // The detector lists faces largest first, which may change; feed them in alternating order.
        let mut faces = vec![face(100.0 + 3.0 * d, 100.0 + d, 120.0), face(400.0 - 2.0 * d, 120.0 - d, 90.0)];
        if frame % 2 == 1 {
            faces.reverse();
        }
        tracker.update(faces);
        assert_eq!(tracker.tracks().len(), 2);
        assert_eq!(id_at(&tracker, 100.0 + 3.0 * d, 100.0 + d), Some(a), "frame {frame}");
        assert_eq!(id_at(&tracker, 400.0 - 2.0 * d, 120.0 - d), Some(b), "frame {frame}");
    }
    assert!(tracker.tracks().iter().all(|t| t.age == 60 && t.missed == 0));
}

#[test]
fn two_faces_crossing_keep_their_ids() {
    // A walks right, B walks left, 30 px lower; they pass in front of each other.
    let (step, size) = (6.0f32, 100.0f32);
    let a_at = |f: usize| face(100.0 + step * f as f32, 100.0, size);
    let b_at = |f: usize| face(400.0 - step * f as f32, 130.0, size);
    let mut tracker = Tracker::new(TrackerConfig::default());
    tracker.update(vec![a_at(0), b_at(0)]);
    let (a, b) = (tracker.tracks()[0].id, tracker.tracks()[1].id);
    let mut max_cross = 0.0f32;
    for f in 1..=50 {
        // The premise: each box overlaps its own previous box more than the other face's previous box.
        let own = a_at(f - 1).bbox.iou(&a_at(f).bbox).min(b_at(f - 1).bbox.iou(&b_at(f).bbox));
        let cross = a_at(f - 1).bbox.iou(&b_at(f).bbox).max(b_at(f - 1).bbox.iou(&a_at(f).bbox));
        assert!(own > cross);
        max_cross = max_cross.max(cross);
        let mut faces = vec![a_at(f), b_at(f)];
        if f % 3 == 0 {
            faces.reverse();
        }
        tracker.update(faces);
        let track_a = tracker.tracks().iter().find(|t| t.id == a).expect("A is tracked");
        let track_b = tracker.tracks().iter().find(|t| t.id == b).expect("B is tracked");
        assert_eq!(track_a.face.bbox, a_at(f).bbox, "frame {f}");
        assert_eq!(track_b.face.bbox, b_at(f).bbox, "frame {f}");
        assert_eq!(tracker.tracks().len(), 2);
    }
    println!(
        "crossing: own-box IoU per frame {:.3}, highest cross IoU {max_cross:.3}",
        a_at(0).bbox.iou(&a_at(1).bbox)
    );
}

#[test]
fn a_face_gone_too_long_is_dropped_and_comes_back_as_a_new_track() {
    let config = TrackerConfig { max_missed: 5, ..TrackerConfig::default() };
    let mut tracker = Tracker::new(config);
    tracker.update(vec![face(50.0, 50.0, 100.0)]);
    let first = tracker.tracks()[0].id;

    // Gone for max_missed frames: kept, and recognised when it is back.
    for missed in 1..=5 {
        tracker.update(Vec::new());
        assert_eq!(tracker.tracks().len(), 1);
        assert_eq!(tracker.tracks()[0].missed, missed);
        assert!(!tracker.tracks()[0].needs_embedding(1e9, &config), "a stale box is not embedded");
    }
    tracker.update(vec![face(53.0, 50.0, 100.0)]);
    assert_eq!(tracker.tracks()[0].id, first);
    assert_eq!(tracker.tracks()[0].missed, 0);

    // Gone for one frame more than that: dropped, and a new id when it returns.
    for _ in 0..=5 {
        tracker.update(Vec::new());
    }
    assert!(tracker.tracks().is_empty());
    tracker.update(vec![face(53.0, 50.0, 100.0)]);
    assert_eq!(tracker.tracks().len(), 1);
    assert_ne!(tracker.tracks()[0].id, first);

    // Clearing forgets the tracks but never reuses their ids.
    let before = tracker.tracks()[0].id;
    tracker.clear();
    tracker.update(vec![face(53.0, 50.0, 100.0)]);
    assert!(tracker.tracks()[0].id > before);
}

#[test]
fn embeddings_are_due_at_the_configured_interval_and_history_is_bounded() {
    let config = TrackerConfig { embed_interval_ms: 250.0, history: 3, ..TrackerConfig::default() };
    let mut tracker = Tracker::new(config);
    tracker.update(vec![face(0.0, 0.0, 100.0)]);
    let id = tracker.tracks()[0].id;
    assert!(tracker.tracks()[0].needs_embedding(1000.0, &config), "a new track is embedded at once");
    assert!(tracker.tracks()[0].smoothed().is_none());

    let unit = |i: usize| {
        let mut v = vec![0.0f32; 4];
        v[i % 4] = 1.0;
        Embedding::normalized(v)
    };
    let track = tracker.track_mut(id).expect("the track");
    track.add_embedding(unit(0), 1000.0);
    assert!(!track.needs_embedding(1100.0, &config));
    assert!(!track.needs_embedding(1249.9, &config));
    assert!(track.needs_embedding(1250.0, &config));
    assert!(track.needs_embedding(10.0, &config), "a clock that went back counts as due");
    for (i, t) in [1250.0, 1500.0, 1750.0].into_iter().enumerate() {
        track.add_embedding(unit(i + 1), t);
    }
    assert_eq!(track.embeddings(), 3, "only the last `history` are kept");
    // The last three are e1, e2, e3: their normalised mean is (0, 1, 1, 1)/√3.
    let s = track.smoothed().expect("smoothed");
    let expected = 1.0 / 3f32.sqrt();
    assert!(s.as_slice()[0].abs() < 1e-6 && s.as_slice()[1..].iter().all(|v| (v - expected).abs() < 1e-6), "{s:?}");

    // A different size means another model: the old embeddings are dropped, not averaged.
    track.add_embedding(Embedding::normalized(vec![1.0, 0.0]), 2000.0);
    assert_eq!(track.embeddings(), 1);
    track.reset_embeddings();
    assert!(track.needs_embedding(2001.0, &config) && track.smoothed().is_none());
    assert!(tracker.track_mut(id + 100).is_none());
}

/// A camera at 30 fps and an interval of 100 ms: the embeddings come at 10 a second, not every fourth frame
/// (7.5 a second), because each is booked to its slot rather than to the frame that happened to bring it.
#[test]
fn embeddings_keep_their_rate_when_frames_arrive_on_another_clock() {
    let config = TrackerConfig { embed_interval_ms: 100.0, ..TrackerConfig::default() };
    let mut tracker = Tracker::new(config);
    tracker.update(vec![face(0.0, 0.0, 100.0)]);
    let id = tracker.tracks()[0].id;
    let track = tracker.track_mut(id).expect("the track");
    let mut made = 0;
    for frame in 0..300 {
        // 10 s of frames 1000/30 ms apart, with a little jitter either way.
        let now = f64::from(frame) * 1000.0 / 30.0 + if frame % 2 == 0 { 0.4 } else { -0.4 };
        if track.needs_embedding(now, &config) {
            track.add_embedding(Embedding::normalized(vec![1.0, 0.0]), now);
            made += 1;
        }
    }
    assert_eq!(made, 100, "{made} embeddings in 10 s");
    // After a pause (the face hidden, say) the schedule starts again from the next embedding.
    let track = tracker.track_mut(id).expect("the track");
    track.add_embedding(Embedding::normalized(vec![1.0, 0.0]), 60_000.0);
    assert!(!track.needs_embedding(60_099.0, &config) && track.needs_embedding(60_100.0, &config));
}

#[test]
fn the_smoothed_embedding_of_one_person_stays_close_to_each_photo_and_far_from_others() {
    let mut pipeline = pipeline(DetectorKind::Yunet, EmbedderModel::EdgefaceXs, 640);
    let mut embed = |rel: &str| {
        let image = load_rgb(&faces_dir().join(rel));
        block_on(pipeline.embed_face(&image, 0)).unwrap_or_else(|e| panic!("{rel}: {e}")).embedding
    };
    let (gallery, probe) = (embed("gallery/AJOLIE-001_fe3347c0.jpg"), embed("probe/AJOLIE-013_95ecbd39.jpg"));
    let other = embed("probe/BPITT1-003_7a6b2156.jpg");

    let mut tracker = Tracker::new(TrackerConfig::default());
    tracker.update(vec![face(0.0, 0.0, 200.0)]);
    let id = tracker.tracks()[0].id;
    let track = tracker.track_mut(id).expect("the track");
    track.add_embedding(gallery.clone(), 0.0);
    track.add_embedding(probe.clone(), 250.0);
    let smoothed = track.smoothed().expect("two embeddings");

    let norm: f32 = smoothed.as_slice().iter().map(|v| v * v).sum::<f32>().sqrt();
    let pair = cosine_similarity(&gallery, &probe).expect("same model");
    let (to_gallery, to_probe) = (
        cosine_similarity(&smoothed, &gallery).expect("same model"),
        cosine_similarity(&smoothed, &probe).expect("same model"),
    );
    let to_other = cosine_similarity(&smoothed, &other).expect("same model");
    println!(
        "AJOLIE gallery·probe {pair:.4}; smoothed·gallery {to_gallery:.4}, smoothed·probe {to_probe:.4}, \
         smoothed·BPITT1 {to_other:.4}"
    );
    assert!((norm - 1.0).abs() < 1e-5);
    // The mean of two unit vectors at cosine c has cosine √((1 + c)/2) to each: above c itself.
    let expected = ((1.0 + pair) / 2.0).sqrt();
    assert!((to_gallery - expected).abs() < 1e-4 && (to_probe - expected).abs() < 1e-4);
    assert!(to_gallery > pair && to_probe > pair && to_gallery > 0.8);
    assert!(to_other < simface::matching::calibrated_threshold(EmbedderModel::EdgefaceXs));
}

/// A camera panning over a group photo: real YuNet boxes of 12 faces, shifted 4 px a frame.
#[test]
fn real_detections_of_a_panning_group_photo_keep_their_ids() {
    let mut pipeline = pipeline(DetectorKind::Yunet, EmbedderModel::EdgefaceXxs, 640);
    let photo = load_rgb(&faces_dir().join("groups/office4.jpg"));
    let (shift, frames) = (4u32, 10u32);
    let (w, h) = (photo.width() - shift * frames, photo.height() - shift * frames);
    let mut tracker = Tracker::new(TrackerConfig::default());
    let mut first_ids = Vec::new();
    let mut inside = Vec::new();
    for f in 0..=frames {
        let view = imageops::crop_imm(&photo, f * shift, f * shift, w, h).to_image();
        let faces = block_on(pipeline.detect_faces(&view)).expect("detection runs");
        tracker.update(faces);
        if f == 0 {
            // Faces whose box stays inside every view must keep their id throughout.
            let margin = (shift * frames) as f32;
            for t in tracker.tracks() {
                first_ids.push(t.id);
                let b = t.face.bbox;
                if b.x >= margin && b.y >= margin && b.x + b.width <= w as f32 && b.y + b.height <= h as f32 {
                    inside.push(t.id);
                }
            }
        }
    }
    let last: Vec<u64> = tracker.tracks().iter().map(|t| t.id).collect();
    let kept = first_ids.iter().filter(|id| last.contains(id)).count();
    let new = last.iter().filter(|id| !first_ids.contains(id)).count();
    println!(
        "pan over office4: {} faces in frame 0, {} of them always in view; after {frames} frames {kept} kept their id, {new} new",
        first_ids.len(),
        inside.len()
    );
    assert!(inside.len() >= 6, "too few faces to check");
    for id in &inside {
        assert!(last.contains(id), "track {id} lost its id");
    }
    assert!(tracker.tracks().iter().all(|t| t.age <= frames));
}
