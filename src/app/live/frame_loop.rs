//! The per-frame loop of a camera session: faces detected in every frame (at 320 px), tracked between
//! frames, each track re-embedded at a steady rate and matched 1:N against the gallery with its last few
//! embeddings averaged, so names do not flicker; enrolment frames taken when one is under way.

use std::collections::{HashMap, VecDeque};

use leptos::prelude::*;
use simface::Face;
use simface::enrolment::{Enrolment, EnrolmentPolicy};
use simface::gallery::PersonMatch;
use simface::quality::{Quality, QualityConfig, assess};
use simface::tracking::{Tracker, TrackerConfig};
use web_sys::{HtmlCanvasElement, HtmlVideoElement};

use super::enrolment::{Capture, LivenessNeed, Step, step};
use super::session::LiveState;
use crate::app::components::text::quality_text;
use crate::app::drawing::draw_live_overlay;
use crate::app::error::AppError;
use crate::app::services::browser::{next_animation_frame, now_ms};
use crate::app::services::camera::FrameGrabber;
use crate::app::services::pipeline;
use crate::app::state::AppCtx;
use crate::app::state::latest::Ticket;
use crate::app::state::live::{EnrolRefusal, EnrolState, LiveFace, LiveLabel, LiveStats};
use crate::app::state::wait::until;

/// Longer side of the frame given to the detector: webcam faces are large, and YuNet at 320 px is about
/// four times cheaper than at 640.
const DETECT_SIDE: f64 = 320.0;
/// How often a tracked face is embedded again.
const EMBED_INTERVAL_MS: f64 = 100.0;
/// How often a tracked face's liveness is checked again (both anti-spoofing models: about as costly as an
/// embedding), and how many of its latest checks are averaged: a steady rate per track, not every frame.
const LIVENESS_INTERVAL_MS: f64 = 250.0;
const LIVENESS_HISTORY: usize = 5;
/// How many checks a track needs before it is judged (named, or refused as a possible photo or screen): one
/// check of a face near the threshold is a coin toss (the models move by up to 0.13 between two decodings of
/// one photo; README, "Liveness"). A track not judged yet is checked on its next frames, first.
const LIVENESS_MIN_CHECKS: usize = 3;
/// How often the frame is searched at every quarter turn (`simface::detect::rotation`: up to four detection
/// passes when no face is found with confidence); the frames in between use the turn found last.
const TURN_SEARCH_INTERVAL_MS: f64 = 1000.0;

/// A track's recent liveness checks.
#[derive(Default)]
struct LivenessChecks {
    reals: VecDeque<f32>,
    next_ms: f64,
}

impl LivenessChecks {
    /// The mean of the recent checks, once there are enough of them to judge by.
    fn mean(&self) -> Option<f32> {
        (self.reals.len() >= LIVENESS_MIN_CHECKS).then(|| self.reals.iter().sum::<f32>() / self.reals.len() as f32)
    }
}

/// Sliding one-second windows for the statistics.
#[derive(Default)]
struct Meter {
    frames: VecDeque<f64>,
    embeds: VecDeque<f64>,
    checks: VecDeque<f64>,
    detect: VecDeque<f64>,
    embed: VecDeque<f64>,
    liveness: VecDeque<f64>,
    total: u64,
}

impl Meter {
    fn push(window: &mut VecDeque<f64>, value: f64, keep: usize) {
        window.push_back(value);
        while window.len() > keep {
            window.pop_front();
        }
    }

    fn stats(&mut self, now: f64, width: u32, height: u32) -> LiveStats {
        for window in [&mut self.frames, &mut self.embeds, &mut self.checks] {
            while window.front().is_some_and(|&t| now - t > 1000.0) {
                window.pop_front();
            }
        }
        let mean = |w: &VecDeque<f64>| if w.is_empty() { 0.0 } else { w.iter().sum::<f64>() / w.len() as f64 };
        let span = self.frames.front().map_or(0.0, |&t| (now - t).max(1.0));
        LiveStats {
            fps: if self.frames.len() > 1 { (self.frames.len() - 1) as f64 * 1000.0 / span } else { 0.0 },
            detect_ms: mean(&self.detect),
            embed_ms: mean(&self.embed),
            embeds_per_s: self.embeds.len() as f64,
            liveness_ms: mean(&self.liveness),
            liveness_per_s: self.checks.len() as f64,
            frames: self.total,
            width,
            height,
        }
    }
}

/// A track's best match in the gallery and what it was computed from.
#[derive(Default)]
struct Search {
    /// The track's latest embedding time (as bits) and the gallery revision.
    key: Option<(u64, u64)>,
    best: Option<PersonMatch>,
}

/// Runs until the session ends (stop, restart, the view closed) or detection fails.
pub async fn run(ctx: AppCtx, live: LiveState, session: Ticket, video: HtmlVideoElement, overlay: HtmlCanvasElement) {
    // One canvas per size: a canvas whose size changes reallocates its pixels, and frames with a face
    // due for embedding are read at both sizes.
    let (Some(full_grabber), Some(small_grabber)) = (FrameGrabber::new(), FrameGrabber::new()) else {
        live.error.set(Some(AppError::NoCanvas));
        return;
    };
    // Ten embeddings a second for a face in view: names settle within a few frames, and the averaged
    // history (the tracker's) keeps them from flickering.
    let config = TrackerConfig { embed_interval_ms: EMBED_INTERVAL_MS, ..TrackerConfig::default() };
    let gate = QualityConfig::default();
    let policy = EnrolmentPolicy::default();
    let mut tracker = Tracker::new(config);
    let mut qualities: HashMap<u64, Quality> = HashMap::new();
    // Each track's best match, kept while neither its embeddings nor the gallery changed: a track gets a
    // new embedding about ten times a second, the loop runs every frame.
    let mut searches: HashMap<u64, Search> = HashMap::new();
    let mut checks: HashMap<u64, LivenessChecks> = HashMap::new();
    // Whether the liveness models are loaded (the first frame that needs them loads them).
    let mut liveness_ready = false;
    // The turn at which the camera's faces are upright (a phone held sideways), and when to search again.
    let mut turn = simface::Turn::None;
    let mut next_search_ms = f64::MIN;
    let mut meter = Meter::default();
    let mut capture: Option<Capture> = None;
    let mut last_time = -1.0;
    let mut model = ctx.settings.with_untracked(|s| s.model);
    let current = move || session.is_current();

    while current() {
        next_animation_frame().await;
        if !current() {
            break;
        }
        // While the models load, wait for them (no frame is read meanwhile).
        if !ctx.engine.is_ready_untracked() {
            until(move || ctx.engine.is_ready()).await;
            continue;
        }
        // Embeddings of another model mean nothing to this model's gallery.
        let model_now = ctx.settings.with_untracked(|s| s.model);
        if model_now != model {
            model = model_now;
            tracker.clear();
            qualities.clear();
            searches.clear();
        }
        let require = live.require_liveness.get_untracked();
        if require && !liveness_ready {
            match pipeline::ensure_liveness(ctx.engine.progress).await {
                Ok(()) => liveness_ready = true,
                Err(AppError::PipelineNotReady) => continue,
                Err(e) => {
                    live.fail(Some(video.clone()), e);
                    break;
                }
            }
        }
        // One pass per new video frame.
        let time = video.current_time();
        let (width, height) = (video.video_width(), video.video_height());
        if video.ready_state() < 2 || width == 0 || height == 0 || time == last_time {
            continue;
        }
        last_time = time;
        let now = now_ms();

        // Enrolment state changes come from the form.
        match (live.enrol.get_untracked(), capture.is_some()) {
            (EnrolState::Capturing { name, .. }, false) => match Enrolment::start(&name, policy, now) {
                Ok(enrolment) => capture = Some(Capture { enrolment, thumbnail: None }),
                Err(e) => live.enrol.set(EnrolState::Refused(AppError::from(e).into())),
            },
            (EnrolState::Capturing { .. }, true) => {}
            (_, true) => capture = None,
            _ => {}
        }
        let capture_due = capture.as_ref().is_some_and(|c| c.enrolment.due(now));
        let embed_due = tracker.tracks().iter().any(|t| t.needs_embedding(now, &config));
        let liveness_due = require
            && tracker.tracks().iter().any(|t| t.missed == 0 && checks.get(&t.id).is_none_or(|c| now >= c.next_ms));
        // The full frame only when a face will be aligned or checked from it; the detector gets a smaller one.
        let full =
            if capture_due || embed_due || liveness_due { full_grabber.grab(&video, width, height) } else { None };
        let scale = (DETECT_SIDE / f64::from(width.max(height))).min(1.0);
        let (dw, dh) = ((f64::from(width) * scale).round() as u32, (f64::from(height) * scale).round() as u32);
        let Some(small) = small_grabber.grab(&video, dw.max(1), dh.max(1)) else { continue };
        // The camera's turn (held sideways or upside down) is searched for at most once a second; the frames
        // in between are detected in one pass at the turn found last.
        let search = now >= next_search_ms;
        let (mut faces, detect_ms) = match pipeline::detect(&small, (!search).then_some(turn)).await {
            Ok(found) => {
                if search {
                    next_search_ms = now + TURN_SEARCH_INTERVAL_MS;
                    if let Some(largest) = found.0.first() {
                        turn = largest.turn;
                    }
                }
                found
            }
            // The settings changed under the frame (the pipeline is being rebuilt): the next frame waits.
            Err(AppError::PipelineNotReady) => continue,
            Err(e) => {
                live.fail(Some(video.clone()), AppError::LiveDetection(Box::new(e)));
                break;
            }
        };
        if !current() {
            break;
        }
        simface::detect::scale_faces(&mut faces, (width as f32 / dw as f32, height as f32 / dh as f32));
        tracker.update(faces);
        Meter::push(&mut meter.detect, detect_ms, 30);

        // A visible face not judged live yet is checked before anything else: it cannot be named or enrolled
        // until then, and on a slow machine every frame could otherwise go to an embedding or an enrolment
        // capture (both due every few hundred ms) and the checks would starve.
        let liveness_first = liveness_due
            && tracker
                .tracks()
                .iter()
                .any(|t| t.missed == 0 && checks.get(&t.id).is_none_or(|c| c.reals.len() < LIVENESS_MIN_CHECKS));
        if capture_due
            && !liveness_first
            && let (Some(c), Some(frame)) = (capture.as_mut(), full.as_ref())
        {
            let visible: Vec<u64> = tracker.tracks().iter().filter(|t| t.missed == 0).map(|t| t.id).collect();
            let liveness = match (require, visible.as_slice()) {
                (false, _) => LivenessNeed::NotRequired,
                (true, [id]) => LivenessNeed::Required(checks.get(id).and_then(LivenessChecks::mean)),
                // No face or several: the enrolment policy refuses the frame before liveness matters.
                (true, _) => LivenessNeed::Required(None),
            };
            match step(ctx, &tracker, frame, c, liveness, now).await {
                Ok(None) => {
                    let got = c.enrolment.templates().len();
                    live.enrol.update(|e| {
                        if let EnrolState::Capturing { got: g, hint, .. } = e {
                            *g = got;
                            *hint = None;
                        }
                    });
                }
                Ok(Some(done)) => {
                    capture = None;
                    live.enrol.set(done);
                }
                Err(Step::Retry(hint)) => {
                    if c.enrolment.timed_out(now) {
                        capture = None;
                        live.enrol.set(EnrolState::Refused(EnrolRefusal::NoGoodFrame(hint)));
                    } else {
                        live.enrol.update(|e| {
                            if let EnrolState::Capturing { hint: h, .. } = e {
                                *h = Some(hint);
                            }
                        });
                    }
                }
                Err(Step::Refuse(reason)) => {
                    capture = None;
                    live.enrol.set(EnrolState::Refused(reason));
                }
            }
        } else if let Some(frame) = full.as_ref() {
            // Re-embed the track that has waited longest (one per frame keeps the frame rate steady).
            let due = tracker
                .tracks()
                .iter()
                .filter(|t| !liveness_first && t.needs_embedding(now, &config))
                .min_by(|a, b| {
                    a.last_embedded_ms().unwrap_or(f64::MIN).total_cmp(&b.last_embedded_ms().unwrap_or(f64::MIN))
                })
                .map(|t| (t.id, t.face.clone()));
            if let Some((id, face)) = due
                && let Ok(crop) = pipeline::align(frame, &face)
            {
                qualities.insert(id, assess(&face, &crop, &gate));
                if let Ok((embedding, _, embed_ms)) = pipeline::embed_crop(&crop).await {
                    if let Some(track) = tracker.track_mut(id) {
                        track.add_embedding(embedding, now);
                    }
                    Meter::push(&mut meter.embed, embed_ms, 30);
                    meter.embeds.push_back(now_ms());
                }
            } else if liveness_due {
                // No embedding in this frame (or a face to judge first): check the liveness of the face that has
                // waited longest.
                let next = tracker
                    .tracks()
                    .iter()
                    .filter(|t| t.missed == 0)
                    .map(|t| (t.id, t.face.clone(), checks.get(&t.id).map_or(f64::MIN, |c| c.next_ms)))
                    .filter(|(_, _, next)| now >= *next)
                    .min_by(|a, b| a.2.total_cmp(&b.2));
                if let Some((id, face, _)) = next {
                    let start = now_ms();
                    match pipeline::liveness_of_frame(frame, &face).await {
                        Ok(Some(l)) => {
                            Meter::push(&mut meter.liveness, now_ms() - start, 30);
                            meter.checks.push_back(now_ms());
                            let c = checks.entry(id).or_default();
                            c.reals.push_back(l.real);
                            while c.reals.len() > LIVENESS_HISTORY {
                                c.reals.pop_front();
                            }
                            // Until it can be judged, a new track is checked on every frame without an
                            // embedding; then at the steady rate.
                            c.next_ms =
                                if c.reals.len() < LIVENESS_MIN_CHECKS { now } else { now + LIVENESS_INTERVAL_MS };
                        }
                        // The models are being reloaded; the next frame tries again.
                        Ok(None) | Err(AppError::PipelineNotReady) => liveness_ready = false,
                        Err(e) => {
                            live.fail(Some(video.clone()), e);
                            break;
                        }
                    }
                }
            }
        }
        if !current() {
            break;
        }
        qualities.retain(|id, _| tracker.tracks().iter().any(|t| t.id == *id));
        checks.retain(|id, _| tracker.tracks().iter().any(|t| t.id == *id));
        searches.retain(|id, _| tracker.tracks().iter().any(|t| t.id == *id));

        // Who is who: each visible track's averaged embedding against the gallery.
        let threshold = ctx.threshold.get_untracked();
        let visible: Vec<(LiveFace, Face)> = ctx.gallery.with_untracked(|gallery| {
            tracker
                .tracks()
                .iter()
                .filter(|t| t.missed == 0)
                .map(|t| {
                    let liveness = checks.get(&t.id).and_then(LivenessChecks::mean);
                    let label = match (require, liveness, t.last_embedded_ms()) {
                        // A face that must be live is named only once it is found live.
                        (true, Some(real), _) if real < simface::liveness::DEFAULT_THRESHOLD => {
                            LiveLabel::NotLive { real }
                        }
                        (true, None, _) | (_, _, None) => LiveLabel::Pending,
                        (_, _, Some(embedded_ms)) => {
                            let search = searches.entry(t.id).or_default();
                            if search.key != Some((embedded_ms.to_bits(), gallery.revision())) {
                                let smoothed = t.smoothed();
                                search.best = smoothed.and_then(|e| gallery.identify(&e).into_iter().next());
                                search.key = Some((embedded_ms.to_bits(), gallery.revision()));
                            }
                            match &search.best {
                                Some(m) if m.score >= threshold => {
                                    LiveLabel::Known { name: m.name.clone(), score: m.score }
                                }
                                best => LiveLabel::Unknown { score: best.as_ref().map(|m| m.score) },
                            }
                        }
                    };
                    let quality = qualities.get(&t.id).map(quality_text);
                    (LiveFace { track: t.id, label, quality }, t.face.clone())
                })
                .collect()
        });
        draw_live_overlay(&overlay, width, height, &visible, live.mirror.get_untracked());
        // The list is an aria-live region: re-rendered only when what it says changed (a new score or
        // name, a face come or gone), not on every frame.
        let faces: Vec<LiveFace> = visible.into_iter().map(|(f, _)| f).collect();
        if live.faces.with_untracked(|shown| *shown != faces) {
            live.faces.set(faces);
        }
        meter.total += 1;
        meter.frames.push_back(now);
        live.stats.set(meter.stats(now_ms(), width, height));
    }
}
