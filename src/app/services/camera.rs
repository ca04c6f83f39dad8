//! The webcam: opening and closing it, listing cameras, the errors a person can meet (`CameraError`),
//! grabbing a frame as RGB pixels for the live pipeline, and taking a full-resolution photo.

use std::cell::RefCell;

use image::RgbImage;
use js_sys::{Object, Reflect};
use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    CanvasRenderingContext2d, DomException, HtmlCanvasElement, HtmlVideoElement, ImageBitmap, MediaDeviceInfo,
    MediaDeviceKind, MediaStream, MediaStreamConstraints, MediaStreamTrack,
};

pub use crate::app::error::CameraError;
use crate::app::error::js_message;

/// The camera error a failed `getUserMedia` stands for, by the DOMException's name.
fn camera_error(e: &JsValue) -> CameraError {
    match e.dyn_ref::<DomException>().map(|d| d.name()) {
        Some(name) if name == "NotAllowedError" || name == "SecurityError" => CameraError::Denied,
        Some(name) if name == "NotFoundError" || name == "OverconstrainedError" => CameraError::NotFound,
        Some(name) if name == "NotReadableError" || name == "AbortError" => CameraError::Busy,
        _ => CameraError::Other(js_message(e)),
    }
}

fn media_devices() -> Result<web_sys::MediaDevices, CameraError> {
    web_sys::window().and_then(|w| w.navigator().media_devices().ok()).ok_or(CameraError::Unsupported)
}

/// The live view's size: what the frame loop reads at 30 frames a second.
pub const LIVE_SIZE: (u32, u32) = (640, 480);

/// The size "Take a photo" asks for: the camera's photo is analysed like an uploaded one, and a larger frame
/// gives the detector and the liveness models more of the face (the camera gives its nearest mode).
pub const PHOTO_SIZE: (u32, u32) = (1280, 960);

/// Opens a camera (`device_id`, or the default one) at about `width`×`height`.
pub async fn open(device_id: Option<&str>, (width, height): (u32, u32)) -> Result<MediaStream, CameraError> {
    let video = Object::new();
    let ideal = |v: f64| {
        let o = Object::new();
        let _ = Reflect::set(&o, &"ideal".into(), &v.into());
        o
    };
    let _ = Reflect::set(&video, &"width".into(), &ideal(f64::from(width)));
    let _ = Reflect::set(&video, &"height".into(), &ideal(f64::from(height)));
    if let Some(id) = device_id.filter(|id| !id.is_empty()) {
        let exact = Object::new();
        let _ = Reflect::set(&exact, &"exact".into(), &id.into());
        let _ = Reflect::set(&video, &"deviceId".into(), &exact);
    }
    let constraints = MediaStreamConstraints::new();
    constraints.set_video(&video);
    constraints.set_audio(&false.into());
    let promise = media_devices()?.get_user_media_with_constraints(&constraints).map_err(|e| camera_error(&e))?;
    let stream = JsFuture::from(promise).await.map_err(|e| camera_error(&e))?;
    stream.dyn_into::<MediaStream>().map_err(|_| CameraError::Other("getUserMedia gave no stream".into()))
}

/// A stream's `ended` handler, under the stream's id.
type EndedHandler = (String, Closure<dyn FnMut()>);

thread_local! {
    /// The `ended` handlers of the open streams, by stream id. `track.stop()` does not fire `ended`, so a
    /// handler made with `Closure::once_into_js` would never be freed: one leaked closure per camera start.
    /// They are kept here instead and dropped by [`close`].
    static ENDED_HANDLERS: RefCell<Vec<EndedHandler>> = const { RefCell::new(Vec::new()) };
}

/// Calls `on_ended` when the stream's camera disappears (unplugged, taken by another app: its video track
/// ends), until [`close`] closes the stream.
pub fn on_ended(stream: &MediaStream, on_ended: impl FnMut() + 'static) {
    let handler = Closure::<dyn FnMut()>::new(on_ended);
    for track in stream.get_video_tracks().iter() {
        if let Ok(track) = track.dyn_into::<MediaStreamTrack>() {
            track.set_onended(Some(handler.as_ref().unchecked_ref()));
        }
    }
    ENDED_HANDLERS.with_borrow_mut(|handlers| handlers.push((stream.id(), handler)));
}

/// Stops every track, which turns the camera (and its light) off, and frees the stream's `ended` handler.
/// (Called from that handler too: wasm-bindgen frees a closure dropped while it runs once it returns.)
pub fn close(stream: &MediaStream) {
    for track in stream.get_tracks().iter() {
        if let Ok(track) = track.dyn_into::<MediaStreamTrack>() {
            track.set_onended(None);
            track.stop();
        }
    }
    let id = stream.id();
    let closed: Vec<_> = ENDED_HANDLERS.with_borrow_mut(|handlers| {
        let (closed, open) = std::mem::take(handlers).into_iter().partition(|(stream, _)| *stream == id);
        *handlers = open;
        closed
    });
    drop(closed);
}

/// Whether the stream's camera faces the user (or says nothing about it, as laptop webcams): its preview is then
/// shown mirrored, as people expect to see themselves. A rear camera ("environment") is shown as it is.
pub fn faces_user(stream: &MediaStream) -> bool {
    let Some(track) = stream.get_video_tracks().get(0).dyn_into::<MediaStreamTrack>().ok() else { return true };
    let facing = Reflect::get(&track.get_settings(), &"facingMode".into()).ok().and_then(|v| v.as_string());
    facing.as_deref() != Some("environment")
}

/// The video's current frame at the camera's full resolution, as the browser holds it (never mirrored: the
/// photo shows the scene as it is, whatever the preview does).
pub async fn take_photo(video: &HtmlVideoElement) -> Result<ImageBitmap, CameraError> {
    if video.video_width() == 0 || video.video_height() == 0 {
        return Err(CameraError::NoFrame);
    }
    let window = web_sys::window().ok_or(CameraError::Unsupported)?;
    let promise =
        window.create_image_bitmap_with_html_video_element(video).map_err(|e| CameraError::Other(js_message(&e)))?;
    let bitmap = JsFuture::from(promise).await.map_err(|e| CameraError::Other(js_message(&e)))?;
    Ok(bitmap.unchecked_into())
}

/// The cameras as (device id, label). Labels are empty until the page has had permission once.
pub async fn list() -> Vec<(String, String)> {
    let Ok(devices) = media_devices() else { return Vec::new() };
    let Ok(promise) = devices.enumerate_devices() else { return Vec::new() };
    let Ok(list) = JsFuture::from(promise).await else { return Vec::new() };
    js_sys::Array::from(&list)
        .iter()
        .filter_map(|d| d.dyn_into::<MediaDeviceInfo>().ok())
        .filter(|d| d.kind() == MediaDeviceKind::Videoinput)
        .enumerate()
        .map(|(i, d)| {
            let label = d.label();
            (d.device_id(), if label.is_empty() { format!("Camera {}", i + 1) } else { label })
        })
        .collect()
}

/// A reusable off-screen canvas that turns video frames into RGB images.
pub struct FrameGrabber {
    canvas: HtmlCanvasElement,
    context: CanvasRenderingContext2d,
}

impl FrameGrabber {
    pub fn new() -> Option<Self> {
        let document = web_sys::window()?.document()?;
        let canvas: HtmlCanvasElement = document.create_element("canvas").ok()?.dyn_into().ok()?;
        // Frames are read back every time: keep the canvas in CPU memory.
        let options = Object::new();
        let _ = Reflect::set(&options, &"willReadFrequently".into(), &true.into());
        let context = canvas.get_context_with_context_options("2d", &options).ok()??.dyn_into().ok()?;
        Some(Self { canvas, context })
    }

    /// The video's current frame scaled to `width`×`height` (the browser scales it while drawing).
    pub fn grab(&self, video: &HtmlVideoElement, width: u32, height: u32) -> Option<RgbImage> {
        if width == 0 || height == 0 {
            return None;
        }
        if self.canvas.width() != width || self.canvas.height() != height {
            self.canvas.set_width(width);
            self.canvas.set_height(height);
        }
        self.context
            .draw_image_with_html_video_element_and_dw_and_dh(video, 0.0, 0.0, width as f64, height as f64)
            .ok()?;
        let rgba = self.context.get_image_data(0.0, 0.0, width as f64, height as f64).ok()?.data().0;
        let mut rgb = Vec::with_capacity((width * height * 3) as usize);
        for px in rgba.chunks_exact(4) {
            rgb.extend_from_slice(&px[..3]);
        }
        RgbImage::from_raw(width, height, rgb)
    }
}
