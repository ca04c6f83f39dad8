//! The live camera view: faces detected in every frame (at 320 px), tracked between frames, each track
//! re-embedded at a steady rate and matched 1:N against the gallery with its last few embeddings
//! averaged, so names do not flicker; enrolment of the one face in view from several good frames.

use std::collections::{HashMap, VecDeque};

use image::RgbImage;
use leptos::{prelude::*, task::spawn_local};
use wasm_bindgen::{JsCast, closure::Closure};
use web_sys::{HtmlCanvasElement, HtmlVideoElement, MediaStream};

use simface::{
    Embedding, Face,
    gallery::PersonMatch,
    quality::{Quality, QualityConfig, assess},
    tracking::{Tracker, TrackerConfig},
};

use super::camera::{self, CameraError, FrameGrabber, data_url};
use super::canvas::draw_live_overlay;
use super::engine;
use super::gallery_view::add_person;
use super::photo_slot::quality_text;
use super::state::{AppCtx, EngineStatus};
use super::web::{next_animation_frame, now_ms, sleep_ms};

/// Longer side of the frame given to the detector: webcam faces are large, and YuNet at 320 px is about
/// four times cheaper than at 640.
const DETECT_SIDE: f64 = 320.0;
/// How often a tracked face is embedded again.
const EMBED_INTERVAL_MS: f64 = 100.0;
/// Frames captured per enrolment, and the least time between two of them (so they differ a little).
const ENROL_SHOTS: usize = 5;
const ENROL_GAP_MS: f64 = 300.0;
/// Enrolment gives up when it has not collected its frames by then.
const ENROL_TIMEOUT_MS: f64 = 10_000.0;

/// Frames per second, detection and embedding times, over the last second or so.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveStats {
    pub fps: f64,
    pub detect_ms: f64,
    pub embed_ms: f64,
    pub embeds_per_s: f64,
    pub frames: u64,
    pub width: u32,
    pub height: u32,
}

/// Who a tracked face is, as far as the gallery can tell.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveLabel {
    /// Not embedded yet.
    Pending,
    Known {
        name: String,
        score: f32,
    },
    /// Below the threshold for everyone (`score`: the best match, if the gallery has anyone).
    Unknown {
        score: Option<f32>,
    },
}

/// One face in the current frame as the page lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveFace {
    pub track: u64,
    pub label: LiveLabel,
    pub quality: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EnrolState {
    Idle,
    Capturing { name: String, got: usize, hint: Option<String> },
    Done(String),
    Refused(String),
}

#[derive(Clone, Copy)]
pub struct LiveState {
    pub running: RwSignal<bool>,
    pub starting: RwSignal<bool>,
    /// Bumped by every start and stop; a loop of an older session ends.
    pub session: RwSignal<u64>,
    pub error: RwSignal<Option<String>>,
    pub cameras: RwSignal<Vec<(String, String)>>,
    pub camera: RwSignal<String>,
    pub mirror: RwSignal<bool>,
    pub stats: RwSignal<LiveStats>,
    pub faces: RwSignal<Vec<LiveFace>>,
    pub enrol: RwSignal<EnrolState>,
    stream: StoredValue<Option<MediaStream>, LocalStorage>,
}

impl LiveState {
    fn new() -> Self {
        Self {
            running: RwSignal::new(false),
            starting: RwSignal::new(false),
            session: RwSignal::new(0),
            error: RwSignal::new(None),
            cameras: RwSignal::new(Vec::new()),
            camera: RwSignal::new(String::new()),
            mirror: RwSignal::new(true),
            stats: RwSignal::new(LiveStats::default()),
            faces: RwSignal::new(Vec::new()),
            enrol: RwSignal::new(EnrolState::Idle),
            stream: StoredValue::new_local(None),
        }
    }

    /// Turns the camera off when the view goes away (its signals may already be gone).
    fn release(&self) {
        self.session.try_update(|s| *s += 1);
        if let Some(Some(stream)) = self.stream.try_get_value() {
            camera::close(&stream);
        }
    }

    fn stop(&self, video: Option<HtmlVideoElement>) {
        self.session.update(|s| *s += 1);
        if let Some(stream) = self.stream.get_value() {
            camera::close(&stream);
        }
        self.stream.set_value(None);
        if let Some(video) = video {
            video.set_src_object(None);
        }
        self.running.set(false);
        self.starting.set(false);
        self.faces.set(Vec::new());
        if matches!(self.enrol.get_untracked(), EnrolState::Capturing { .. }) {
            self.enrol.set(EnrolState::Refused("Enrolment stopped with the camera.".into()));
        }
    }
}

/// An enrolment in progress.
struct Capture {
    name: String,
    templates: Vec<Embedding>,
    thumbnail: Option<String>,
    started: f64,
    last: f64,
}

/// Sliding one-second windows for the statistics.
#[derive(Default)]
struct Meter {
    frames: VecDeque<f64>,
    embeds: VecDeque<f64>,
    detect: VecDeque<f64>,
    embed: VecDeque<f64>,
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
        for window in [&mut self.frames, &mut self.embeds] {
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
            frames: self.total,
            width,
            height,
        }
    }
}

async fn start(ctx: AppCtx, live: LiveState, video: HtmlVideoElement, overlay: HtmlCanvasElement) {
    live.stop(Some(video.clone()));
    let session = live.session.get_untracked();
    live.starting.set(true);
    live.error.set(None);
    let device = live.camera.get_untracked();
    let stream = match camera::open(Some(&device)).await {
        Ok(stream) => stream,
        Err(e) => {
            live.starting.set(false);
            live.error.set(Some(e.to_string()));
            return;
        }
    };
    if live.session.get_untracked() != session {
        camera::close(&stream);
        return;
    }
    // A camera that disappears (unplugged, taken by another app) ends its track.
    for track in stream.get_video_tracks().iter() {
        if let Ok(track) = track.dyn_into::<web_sys::MediaStreamTrack>() {
            let video = video.clone();
            let ended = Closure::once_into_js(move || {
                if live.session.get_untracked() == session {
                    live.stop(Some(video));
                    live.error.set(Some(CameraError::Ended.to_string()));
                }
            });
            track.set_onended(Some(ended.unchecked_ref()));
        }
    }
    video.set_src_object(Some(&stream));
    live.stream.set_value(Some(stream));
    if let Ok(playing) = video.play() {
        let _ = wasm_bindgen_futures::JsFuture::from(playing).await;
    }
    live.starting.set(false);
    live.running.set(true);
    // Labels are only readable once the page has the permission.
    live.cameras.set(camera::list().await);
    run(ctx, live, session, video, overlay).await;
}

/// The per-frame loop of one camera session.
async fn run(ctx: AppCtx, live: LiveState, session: u64, video: HtmlVideoElement, overlay: HtmlCanvasElement) {
    // One canvas per size: a canvas whose size changes reallocates its pixels, and frames with a face
    // due for embedding are read at both sizes.
    let (Some(full_grabber), Some(small_grabber)) = (FrameGrabber::new(), FrameGrabber::new()) else {
        live.error.set(Some("the page could not create a canvas to read the camera".into()));
        return;
    };
    // Ten embeddings a second for a face in view: names settle within a few frames, and the averaged
    // history (the tracker's) keeps them from flickering.
    let config = TrackerConfig { embed_interval_ms: EMBED_INTERVAL_MS, ..TrackerConfig::default() };
    let gate = QualityConfig::default();
    let mut tracker = Tracker::new(config);
    let mut qualities: HashMap<u64, Quality> = HashMap::new();
    // Each track's best match, kept while neither its embeddings nor the gallery changed: a track gets a
    // new embedding about ten times a second, the loop runs every frame.
    let mut searches: HashMap<u64, Search> = HashMap::new();
    let mut meter = Meter::default();
    let mut capture: Option<Capture> = None;
    let mut last_time = -1.0;
    let mut model = ctx.settings.with_untracked(|s| s.model);
    let current = move || live.session.get_untracked() == session;

    while current() {
        next_animation_frame().await;
        if !current() {
            break;
        }
        if ctx.status.get_untracked() != EngineStatus::Ready {
            sleep_ms(100).await;
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
            (EnrolState::Capturing { name, .. }, false) => {
                capture = Some(Capture { name, templates: Vec::new(), thumbnail: None, started: now, last: 0.0 })
            }
            (EnrolState::Capturing { .. }, true) => {}
            (_, true) => capture = None,
            _ => {}
        }
        let capture_due = capture.as_ref().is_some_and(|c| now - c.last >= ENROL_GAP_MS);
        let embed_due = tracker.tracks().iter().any(|t| t.needs_embedding(now, &config));
        // The full frame only when a face will be aligned from it; the detector gets a smaller one.
        let full = if capture_due || embed_due { full_grabber.grab(&video, width, height) } else { None };
        let scale = (DETECT_SIDE / f64::from(width.max(height))).min(1.0);
        let (dw, dh) = ((f64::from(width) * scale).round() as u32, (f64::from(height) * scale).round() as u32);
        let Some(small) = small_grabber.grab(&video, dw.max(1), dh.max(1)) else { continue };
        let (mut faces, detect_ms) = match engine::detect(&small).await {
            Ok(found) => found,
            // The settings changed under the frame (the pipeline is being rebuilt): the next frame waits.
            Err(_) if ctx.status.get_untracked() != EngineStatus::Ready => continue,
            Err(e) => {
                live.stop(Some(video.clone()));
                live.error.set(Some(format!("Detection failed, so the camera was stopped: {e}")));
                break;
            }
        };
        if !current() {
            break;
        }
        simface::detect::scale_faces(&mut faces, (width as f32 / dw as f32, height as f32 / dh as f32));
        tracker.update(faces);
        Meter::push(&mut meter.detect, detect_ms, 30);

        if capture_due && let (Some(c), Some(frame)) = (capture.as_mut(), full.as_ref()) {
            match enrol_step(ctx, &tracker, frame, c, &gate, now).await {
                Ok(None) => {
                    let got = c.templates.len();
                    live.enrol.update(|e| {
                        if let EnrolState::Capturing { got: g, hint, .. } = e {
                            *g = got;
                            *hint = None;
                        }
                    });
                }
                Ok(Some(done)) => {
                    capture = None;
                    live.enrol.set(EnrolState::Done(done));
                }
                Err(Step::Retry(hint)) => {
                    if now - c.started > ENROL_TIMEOUT_MS {
                        capture = None;
                        live.enrol.set(EnrolState::Refused(format!("Enrolment stopped: no good frame ({hint}).")));
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
                .filter(|t| t.needs_embedding(now, &config))
                .min_by(|a, b| {
                    a.last_embedded_ms().unwrap_or(f64::MIN).total_cmp(&b.last_embedded_ms().unwrap_or(f64::MIN))
                })
                .map(|t| (t.id, t.face.clone()));
            if let Some((id, face)) = due
                && let Ok(crop) = engine::align(frame, &face)
            {
                qualities.insert(id, assess(&face, &crop, &gate));
                if let Ok((embedding, _, embed_ms)) = engine::embed_crop(&crop).await {
                    if let Some(track) = tracker.track_mut(id) {
                        track.add_embedding(embedding, now_ms());
                    }
                    Meter::push(&mut meter.embed, embed_ms, 30);
                    meter.embeds.push_back(now_ms());
                }
            }
        }
        if !current() {
            break;
        }
        qualities.retain(|id, _| tracker.tracks().iter().any(|t| t.id == *id));
        searches.retain(|id, _| tracker.tracks().iter().any(|t| t.id == *id));

        // Who is who: each visible track's averaged embedding against the gallery.
        let threshold = ctx.threshold.get_untracked();
        let visible: Vec<(LiveFace, Face)> = ctx.gallery.with_untracked(|gallery| {
            tracker
                .tracks()
                .iter()
                .filter(|t| t.missed == 0)
                .map(|t| {
                    let label = match t.last_embedded_ms() {
                        None => LiveLabel::Pending,
                        Some(embedded_ms) => {
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

/// A track's best match in the gallery and what it was computed from.
#[derive(Default)]
struct Search {
    /// The track's latest embedding time (as bits) and the gallery revision.
    key: Option<(u64, u64)>,
    best: Option<PersonMatch>,
}

enum Step {
    /// This frame is not good enough; try the next one.
    Retry(String),
    /// Enrolment cannot go on.
    Refuse(String),
}

/// One enrolment capture: exactly one face in view, passing the quality gate, embedded. Returns the
/// closing message once the person is stored.
async fn enrol_step(
    ctx: AppCtx,
    tracker: &Tracker,
    frame: &RgbImage,
    capture: &mut Capture,
    gate: &QualityConfig,
    now: f64,
) -> Result<Option<String>, Step> {
    let faces: Vec<&Face> = tracker.tracks().iter().filter(|t| t.missed == 0).map(|t| &t.face).collect();
    let face = match faces.as_slice() {
        [] => {
            return Err(Step::Refuse(
                "No face in view: enrolment needs exactly one face in front of the camera.".into(),
            ));
        }
        [face] => *face,
        more => {
            return Err(Step::Refuse(format!(
                "{} faces in view: enrolment needs exactly one face, so ask the others to step aside.",
                more.len()
            )));
        }
    };
    let crop = engine::align(frame, face).map_err(Step::Retry)?;
    let quality = assess(face, &crop, gate);
    if let Some(issue) = quality.issues.first() {
        return Err(Step::Retry(issue.advice().to_string()));
    }
    let (embedding, model, _) = engine::embed_crop(&crop).await.map_err(Step::Refuse)?;
    capture.templates.push(embedding);
    capture.last = now;
    if capture.thumbnail.is_none() {
        capture.thumbnail = data_url(&crop);
    }
    if capture.templates.len() < ENROL_SHOTS {
        return Ok(None);
    }
    add_person(ctx, &capture.name, &capture.templates, capture.thumbnail.take(), model).await.map_err(Step::Refuse)?;
    Ok(Some(format!("Enrolled {} from {ENROL_SHOTS} frames.", capture.name.trim())))
}

#[component]
pub fn LiveView() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let live = LiveState::new();
    let video_ref = NodeRef::<leptos::html::Video>::new();
    let overlay_ref = NodeRef::<leptos::html::Canvas>::new();
    let name = RwSignal::new(String::new());

    let start_camera = move || {
        let (Some(video), Some(overlay)) = (video_ref.get_untracked(), overlay_ref.get_untracked()) else { return };
        let video: HtmlVideoElement = (*video).clone().unchecked_into();
        let overlay: HtmlCanvasElement = (*overlay).clone().unchecked_into();
        spawn_local(start(ctx, live, video, overlay));
    };
    let stop_camera = move || {
        let video = video_ref.get_untracked().map(|v| (*v).clone().unchecked_into::<HtmlVideoElement>());
        live.stop(video);
    };
    // Leaving the page (or this view) releases the camera.
    on_cleanup(move || live.release());
    spawn_local(async move { live.cameras.set(camera::list().await) });

    let enrol = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = name.get_untracked();
        let trimmed = typed.trim();
        if trimmed.is_empty() {
            live.enrol.set(EnrolState::Refused("Type the person's name first.".into()));
        } else if !live.running.get_untracked() {
            live.enrol.set(EnrolState::Refused("Start the camera first.".into()));
        } else {
            live.enrol.set(EnrolState::Capturing { name: trimmed.to_string(), got: 0, hint: None });
        }
    };
    let enrol_text = move || match live.enrol.get() {
        EnrolState::Idle => String::new(),
        EnrolState::Capturing { name, got, hint } => match hint {
            Some(h) => format!("Enrolling {name}: {got} of {ENROL_SHOTS} frames · {h}"),
            None => format!("Enrolling {name}: {got} of {ENROL_SHOTS} frames…"),
        },
        EnrolState::Done(m) | EnrolState::Refused(m) => m,
    };
    let enrol_state = move || match live.enrol.get() {
        EnrolState::Idle => "idle",
        EnrolState::Capturing { .. } => "capturing",
        EnrolState::Done(_) => "done",
        EnrolState::Refused(_) => "refused",
    };

    view! {
        <section class="card live" aria-labelledby="live-title" data-testid="live">
            <div class="card-head">
                <h2 id="live-title">"Live camera"</h2>
                <span class="muted small">"Frames never leave this page."</span>
            </div>
            <div class="live-controls">
                <button type="button" class="button" data-testid="camera-toggle"
                    disabled=move || live.starting.get()
                    on:click=move |_| if live.running.get_untracked() { stop_camera() } else { start_camera() }>
                    {move || if live.starting.get() { "Starting…" } else if live.running.get() { "Stop camera" } else { "Start camera" }}
                </button>
                <label class="inline">
                    "Camera "
                    <select data-testid="camera-select"
                        on:change=move |ev| {
                            live.camera.set(event_target_value(&ev));
                            if live.running.get_untracked() { start_camera(); }
                        }>
                        <option value="">"Default camera"</option>
                        {move || live.cameras.get().into_iter().map(|(id, label)| {
                            let selected = live.camera.get_untracked() == id;
                            view! { <option value=id selected=selected>{label}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label class="inline">
                    <input type="checkbox" data-testid="mirror" prop:checked=move || live.mirror.get()
                        on:change=move |ev| live.mirror.set(event_target_checked(&ev))/>
                    " Mirror"
                </label>
            </div>
            <p class="error" role="alert" data-testid="camera-error" class:hidden=move || live.error.with(|e| e.is_none())>
                {move || live.error.get().unwrap_or_default()}
            </p>
            <div class="stage" class:hidden=move || !live.running.get() && !live.starting.get()>
                <video node_ref=video_ref data-testid="video" class:mirrored=move || live.mirror.get()
                    autoplay=true muted=true playsinline=true aria-label="Camera preview"></video>
                <canvas node_ref=overlay_ref class="overlay" data-testid="overlay" aria-hidden="true"></canvas>
            </div>
            <p class="muted" class:hidden=move || live.running.get() || live.starting.get()>
                "Start the camera to see faces matched against the gallery as they appear."
            </p>
            <dl class="facts live-stats" data-testid="live-stats"
                data-fps=move || format!("{:.2}", live.stats.with(|s| s.fps))
                data-detect-ms=move || format!("{:.2}", live.stats.with(|s| s.detect_ms))
                data-embed-ms=move || format!("{:.2}", live.stats.with(|s| s.embed_ms))
                data-embeds-per-s=move || format!("{:.1}", live.stats.with(|s| s.embeds_per_s))
                data-frames=move || live.stats.with(|s| s.frames).to_string()
                class:hidden=move || !live.running.get()>
                <dt>"Frame rate"</dt>
                <dd>{move || format!("{:.1} fps ({}×{})", live.stats.with(|s| s.fps), live.stats.with(|s| s.width), live.stats.with(|s| s.height))}</dd>
                <dt>"Detection"</dt>
                <dd>{move || format!("{:.1} ms per frame (YuNet at 320 px)", live.stats.with(|s| s.detect_ms))}</dd>
                <dt>"Embedding"</dt>
                <dd>{move || format!("{:.1} ms per face · {:.0} per second", live.stats.with(|s| s.embed_ms), live.stats.with(|s| s.embeds_per_s))}</dd>
            </dl>
            <ul class="live-faces" data-testid="live-faces" aria-live="polite">
                {move || live.faces.get().into_iter().map(|f| {
                    let (name, score) = match &f.label {
                        LiveLabel::Known { name, score } => (name.clone(), Some(*score)),
                        LiveLabel::Unknown { score } => ("unknown".to_string(), *score),
                        LiveLabel::Pending => ("…".to_string(), None),
                    };
                    let text = match score {
                        Some(s) => format!("{name} · {s:.2}"),
                        None => name.clone(),
                    };
                    view! {
                        <li data-name=name data-score=score.map(|s| format!("{s:.4}")).unwrap_or_default() data-track=f.track.to_string()>
                            <strong>{text}</strong>
                            <span class="muted small">{f.quality.map(|q| format!(" · quality {q}")).unwrap_or_default()}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <form class="enrol" on:submit=enrol>
                <label class="inline">
                    "Name "
                    <input type="text" maxlength="64" data-testid="enrol-name" required=true
                        prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                </label>
                <button type="submit" class="button" data-testid="enrol"
                    disabled=move || matches!(live.enrol.get(), EnrolState::Capturing { .. })>"Enrol"</button>
            </form>
            <p class="small" role="status" data-testid="enrol-status" data-state=enrol_state>{enrol_text}</p>
        </section>
    }
}
