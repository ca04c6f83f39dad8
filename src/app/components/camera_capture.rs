//! "Take a photo" in a photo slot: the camera's preview in the slot (mirrored when the camera faces the user),
//! a choice of camera, a shutter and Cancel. The photo taken is the camera's frame at its full resolution,
//! never mirrored, analysed like an uploaded photo and checked for liveness. The camera is released as soon as
//! the photo is taken, on Cancel, when another photo comes into the slot and when the view goes away.

use leptos::{prelude::*, task::spawn_local};
use wasm_bindgen_futures::JsFuture;
use web_sys::{HtmlVideoElement, MediaStream};

use crate::app::error::{AppError, CameraError};
use crate::app::services::browser::now_ms;
use crate::app::services::{camera, photo, pipeline};
use crate::app::state::latest::Latest;
use crate::app::state::{AppCtx, SlotState};

/// The camera of the slot `state`, shown while its `camera` is set.
#[component]
pub fn CameraCapture(state: SlotState) -> impl IntoView {
    let slot = state;
    let ctx = expect_context::<AppCtx>();
    let tag = slot.slot.tag();
    let video_ref = NodeRef::<leptos::html::Video>::new();
    let stream = StoredValue::new_local(None::<MediaStream>);
    // Each opening (the first, another camera chosen) is a request; an older one closes what it opened.
    let opening = Latest::new();
    let cameras = RwSignal::new(Vec::<(String, String)>::new());
    let device = RwSignal::new(String::new());
    let playing = RwSignal::new(false);
    let mirrored = RwSignal::new(true);
    let taking = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);

    // Turns the camera (and its light) off. Also runs after the component is gone, when its signals may be.
    let release = move || {
        opening.cancel();
        if let Some(Some(open)) = stream.try_update_value(Option::take) {
            camera::close(&open);
        }
        if let Some(video) = video_ref.try_get_untracked().flatten() {
            video.set_src_object(None);
        }
        playing.try_set(false);
    };

    let open = move |video: HtmlVideoElement| {
        release();
        let request = opening.begin();
        error.set(None);
        spawn_local(async move {
            let chosen = device.get_untracked();
            let opened = match camera::open(Some(&chosen), camera::PHOTO_SIZE).await {
                Ok(opened) if request.is_current() => opened,
                Ok(stale) => return camera::close(&stale),
                Err(e) => {
                    if request.is_current() {
                        error.set(Some(e.into()));
                    }
                    return;
                }
            };
            camera::on_ended(&opened, move || {
                if request.is_current() {
                    release();
                    error.try_set(Some(CameraError::Ended.into()));
                }
            });
            mirrored.set(camera::faces_user(&opened));
            video.set_src_object(Some(&opened));
            stream.set_value(Some(opened));
            if let Ok(started) = video.play() {
                let _ = JsFuture::from(started).await;
            }
            if request.is_current() {
                playing.set(true);
                // Labels are only readable once the page has the permission.
                cameras.set(camera::list().await);
            }
        });
    };

    video_ref.on_load(move |video| {
        open(video.clone());
        // A photo taken now is checked for liveness: fetch its models while the person frames the shot (from
        // the Cache API after the first time). A failure here is reported by the photo's analysis, which asks
        // again.
        spawn_local(async move {
            let _ = pipeline::ensure_liveness(ctx.engine.progress).await;
        });
    });
    on_cleanup(release);

    let take = move |_| {
        let Some(video) = video_ref.get_untracked() else { return };
        let video: HtmlVideoElement = video;
        taking.set(true);
        spawn_local(async move {
            let start = now_ms();
            match camera::take_photo(&video).await {
                Ok(bitmap) => {
                    release();
                    // The slot closes its camera (this component goes) and analyses the photo.
                    photo::load_camera_photo(ctx, slot, bitmap, now_ms() - start);
                }
                Err(e) => {
                    taking.set(false);
                    error.set(Some(e.into()));
                }
            }
        });
    };
    let cancel = move |_| {
        release();
        slot.camera.set(false);
    };

    view! {
        <div class="capture" data-testid=format!("camera-{tag}") data-state=move || if playing.get() { "playing" } else { "starting" }>
            <div class="stage">
                <video node_ref=video_ref class:mirrored=move || mirrored.get() autoplay=true muted=true playsinline=true
                    aria-label=format!("Camera preview for photo {}", slot.slot.label())></video>
            </div>
            <div class="slot-actions">
                <button type="button" class="button" data-testid=format!("shutter-{tag}")
                    disabled=move || !playing.get() || taking.get() on:click=take>
                    {move || if playing.get() { "Take the photo" } else { "Starting the camera…" }}
                </button>
                <label class="inline">
                    "Camera "
                    <select data-testid=format!("camera-select-{tag}") on:change=move |ev| {
                        device.set(event_target_value(&ev));
                        if let Some(video) = video_ref.get_untracked() {
                            open(video.clone());
                        }
                    }>
                        <option value="">"Default camera"</option>
                        {move || cameras.get().into_iter().map(|(id, label)| {
                            let selected = device.get_untracked() == id;
                            view! { <option value=id selected=selected>{label}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <button type="button" class="button secondary" data-testid=format!("camera-cancel-{tag}") on:click=cancel>"Cancel"</button>
            </div>
            <p class="muted small">
                {move || if mirrored.get() { "The preview is mirrored, as a mirror; the photo is not. " } else { "" }}
                "Its faces are checked for liveness (a live "
                "person, not a photo or a screen held up to the camera): this raises the bar against casual attacks "
                "and is not a security guarantee. The photo stays in this page."
            </p>
            <p class="error" role="alert" data-testid=format!("camera-error-{tag}") class:hidden=move || error.with(|e| e.is_none())>
                {move || error.with(|e| e.as_ref().map(AppError::to_string).unwrap_or_default())}
            </p>
        </div>
    }
}
