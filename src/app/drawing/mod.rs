//! Drawing on canvases: the photo and the live video's overlay with every face's box, landmarks and label
//! (one style for both, [`style`]), the aligned crop, the embedding as a heat strip, and gallery thumbnails.
//! Drawing depends on the state layer's types only.

pub mod heat_strip;
pub mod overlay;
pub mod photo;
pub mod style;

use image::RgbImage;
use wasm_bindgen::{Clamped, JsCast, JsValue};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};

pub use heat_strip::draw_heat_strip;
pub use overlay::draw_live_overlay;
pub use photo::draw_photo;

fn context(canvas: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    canvas.get_context("2d").ok().flatten()?.dyn_into().ok()
}

/// Puts an RGB image's pixels on `canvas`, resizing the canvas to it.
pub fn put_rgb(canvas: &HtmlCanvasElement, image: &RgbImage) -> Option<CanvasRenderingContext2d> {
    let (w, h) = image.dimensions();
    canvas.set_width(w);
    canvas.set_height(h);
    let ctx = context(canvas)?;
    let mut rgba = Vec::with_capacity((w * h * 4) as usize);
    for p in image.pixels() {
        rgba.extend_from_slice(&[p[0], p[1], p[2], 255]);
    }
    let data = ImageData::new_with_u8_clamped_array_and_sh(Clamped(&rgba), w, h).ok()?;
    ctx.put_image_data(&data, 0.0, 0.0).ok()?;
    Some(ctx)
}

/// An image as a JPEG `data:` URL (the gallery's thumbnails of aligned faces).
pub fn thumbnail(image: &RgbImage) -> Option<String> {
    let document = web_sys::window()?.document()?;
    let canvas: HtmlCanvasElement = document.create_element("canvas").ok()?.dyn_into().ok()?;
    put_rgb(&canvas, image)?;
    canvas.to_data_url_with_type_and_encoder_options("image/jpeg", &JsValue::from_f64(0.85)).ok()
}
