//! One camera session of the live view: its signals, the open stream, and starting and stopping it. Every
//! start and stop is a new request of `session`, so the frame loop of an older session ends (latest
//! request wins).

use leptos::prelude::*;
use web_sys::{HtmlVideoElement, MediaStream};

use crate::app::error::{AppError, CameraError};
use crate::app::services::camera;
use crate::app::state::latest::{Latest, Ticket};
use crate::app::state::live::{EnrolRefusal, EnrolState, LiveFace, LiveStats};

#[derive(Clone, Copy)]
pub struct LiveState {
    pub running: RwSignal<bool>,
    pub starting: RwSignal<bool>,
    /// Every start and stop; a loop of an older session ends.
    pub session: Latest,
    pub error: RwSignal<Option<AppError>>,
    pub cameras: RwSignal<Vec<(String, String)>>,
    pub camera: RwSignal<String>,
    pub mirror: RwSignal<bool>,
    pub stats: RwSignal<LiveStats>,
    pub faces: RwSignal<Vec<LiveFace>>,
    pub enrol: RwSignal<EnrolState>,
    /// Names and enrolment need a live face (liveness: not a photo or a screen held up to the camera). On by
    /// default here, where what is in front of the camera is what counts.
    pub require_liveness: RwSignal<bool>,
    stream: StoredValue<Option<MediaStream>, LocalStorage>,
}

impl LiveState {
    pub fn new() -> Self {
        Self {
            running: RwSignal::new(false),
            starting: RwSignal::new(false),
            session: Latest::new(),
            error: RwSignal::new(None),
            cameras: RwSignal::new(Vec::new()),
            camera: RwSignal::new(String::new()),
            mirror: RwSignal::new(true),
            require_liveness: RwSignal::new(true),
            stats: RwSignal::new(LiveStats::default()),
            faces: RwSignal::new(Vec::new()),
            enrol: RwSignal::new(EnrolState::Idle),
            stream: StoredValue::new_local(None),
        }
    }

    /// Turns the camera off when the view goes away (its signals may already be gone).
    pub fn release(&self) {
        self.session.cancel();
        if let Some(Some(stream)) = self.stream.try_get_value() {
            camera::close(&stream);
        }
    }

    /// Stops the camera and the frame loop.
    pub fn stop(&self, video: Option<HtmlVideoElement>) {
        self.session.cancel();
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
            self.enrol.set(EnrolState::Refused(EnrolRefusal::CameraStopped));
        }
    }

    /// Stops with a message in the view.
    pub fn fail(&self, video: Option<HtmlVideoElement>, error: AppError) {
        self.stop(video);
        self.error.set(Some(error));
    }

    /// Starts (or restarts, with the camera chosen now) the camera in `video`: the session's ticket once it
    /// plays, `None` when it could not start (the view then shows why) or a newer start took over.
    pub async fn open(&self, video: &HtmlVideoElement) -> Option<Ticket> {
        let live = *self;
        {
            live.stop(Some(video.clone()));
            let session = live.session.begin();
            live.starting.set(true);
            live.error.set(None);
            let device = live.camera.get_untracked();
            let stream = match camera::open(Some(&device), camera::LIVE_SIZE).await {
                Ok(stream) => stream,
                Err(e) => {
                    live.starting.set(false);
                    live.error.set(Some(e.into()));
                    return None;
                }
            };
            if !session.is_current() {
                camera::close(&stream);
                return None;
            }
            let ended_video = video.clone();
            camera::on_ended(&stream, move || {
                if session.is_current() {
                    live.fail(Some(ended_video.clone()), CameraError::Ended.into());
                }
            });
            video.set_src_object(Some(&stream));
            live.stream.set_value(Some(stream));
            if let Ok(playing) = video.play() {
                let _ = wasm_bindgen_futures::JsFuture::from(playing).await;
            }
            live.starting.set(false);
            live.running.set(true);
            // Labels are only readable once the page has the permission.
            live.cameras.set(camera::list().await);
            Some(session)
        }
    }
}

impl Default for LiveState {
    fn default() -> Self {
        Self::new()
    }
}
