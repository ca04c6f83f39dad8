//! The live camera view: start and stop the camera, choose one, mirror the preview, the statistics, the
//! faces in view with their names, and the enrolment form.

use leptos::{prelude::*, task::spawn_local};
use simface::enrolment::EnrolmentPolicy;
use wasm_bindgen::JsCast;
use web_sys::{HtmlCanvasElement, HtmlVideoElement};

use super::frame_loop;
use super::session::LiveState;
use crate::app::error::AppError;
use crate::app::services::camera;
use crate::app::state::AppCtx;
use crate::app::state::live::{EnrolRefusal, EnrolState, LiveLabel};

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
        spawn_local(async move {
            if let Some(session) = live.open(&video).await {
                frame_loop::run(ctx, live, session, video, overlay).await;
            }
        });
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
            live.enrol.set(EnrolState::Refused(EnrolRefusal::NoName));
        } else if !live.running.get_untracked() {
            live.enrol.set(EnrolState::Refused(EnrolRefusal::CameraOff));
        } else {
            let needed = EnrolmentPolicy::default().shots;
            live.enrol.set(EnrolState::Capturing { name: trimmed.to_string(), got: 0, needed, hint: None });
        }
    };
    let enrol_text = move || live.enrol.with(ToString::to_string);
    let enrol_state = move || live.enrol.with(EnrolState::key);

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
                <label class="inline" title="Name and enrol only a live face: not a photo or a screen held up to the camera">
                    <input type="checkbox" data-testid="require-liveness" prop:checked=move || live.require_liveness.get()
                        on:change=move |ev| live.require_liveness.set(event_target_checked(&ev))/>
                    " Require a live face"
                </label>
            </div>
            <p class="muted small">
                "Liveness (two small anti-spoofing models) tells a live face from a photo or a screen held up to the "
                "camera; a suspected one is marked and neither named nor enrolled. It raises the bar against casual "
                "attacks; it is not a security guarantee (deep fakes, good masks and injected video pass it)."
            </p>
            <p class="error" role="alert" data-testid="camera-error" class:hidden=move || live.error.with(|e| e.is_none())>
                {move || live.error.with(|e| e.as_ref().map(AppError::to_string).unwrap_or_default())}
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
                data-liveness-ms=move || format!("{:.2}", live.stats.with(|s| s.liveness_ms))
                data-liveness-per-s=move || format!("{:.1}", live.stats.with(|s| s.liveness_per_s))
                data-frames=move || live.stats.with(|s| s.frames).to_string()
                class:hidden=move || !live.running.get()>
                <dt>"Frame rate"</dt>
                <dd>{move || format!("{:.1} fps ({}×{})", live.stats.with(|s| s.fps), live.stats.with(|s| s.width), live.stats.with(|s| s.height))}</dd>
                <dt>"Detection"</dt>
                <dd>{move || format!("{:.1} ms per frame (YuNet at 320 px)", live.stats.with(|s| s.detect_ms))}</dd>
                <dt>"Embedding"</dt>
                <dd>{move || format!("{:.1} ms per face · {:.0} per second", live.stats.with(|s| s.embed_ms), live.stats.with(|s| s.embeds_per_s))}</dd>
                <dt class:hidden=move || !live.require_liveness.get()>"Liveness"</dt>
                <dd class:hidden=move || !live.require_liveness.get()>{move || format!("{:.1} ms per face · {:.0} per second", live.stats.with(|s| s.liveness_ms), live.stats.with(|s| s.liveness_per_s))}</dd>
            </dl>
            <ul class="live-faces" data-testid="live-faces" aria-live="polite">
                {move || live.faces.get().into_iter().map(|f| {
                    let (name, score) = match &f.label {
                        LiveLabel::Known { name, score } => (name.clone(), Some(*score)),
                        LiveLabel::Unknown { score } => ("unknown".to_string(), *score),
                        LiveLabel::Pending => ("…".to_string(), None),
                        LiveLabel::NotLive { real } => ("possible photo or screen".to_string(), Some(*real)),
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
