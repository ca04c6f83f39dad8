//! Photos decoded by the browser. `createImageBitmap` decodes a file on the browser's own threads (the page's
//! thread is free meanwhile) with its native SIMD decoders: a 48 MP JPEG in ~170 ms here, where the Rust
//! decoder in wasm needs over a second. The full-resolution pixels stay in the browser's memory, outside
//! wasm; the page takes from them only what it needs: the preview and the whole photo scaled down for
//! detection (the browser scales too), and each face's aligned 112×112 crop, which the browser samples from the
//! full resolution with the transform the core computes.
//!
//! The decode applies the EXIF orientation (`imageOrientation: "from-image"`, as the Rust decoder does). It
//! keeps the browser's default colour handling: a photo with an embedded colour profile other than sRGB
//! (Display P3 from recent phones) comes out converted to sRGB, as the page shows it, where the CLI and OpenCV
//! ignore the profile. Asking for no conversion (`colorSpaceConversion: "none"`) would match the CLI on such
//! photos but takes the browser off its fast path: a 48 MP JPEG decodes in 270 ms instead of 170 ms here.

use image::RgbImage;
use js_sys::Reflect;
use simface::align::{ALIGNED_SIZE, Similarity};
use wasm_bindgen::{Clamped, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, CanvasRenderingContext2d, HtmlCanvasElement, ImageBitmap, ImageBitmapOptions, ImageData, ImageOrientation,
};

use super::browser::no_window;
use crate::app::error::{AppError, js_message};

/// Decodes an image file with the browser's decoder; a typed error when the browser cannot (the caller
/// has checked the header first and may fall back to the Rust decoder).
pub async fn decode(blob: &Blob) -> Result<ImageBitmap, AppError> {
    let options = ImageBitmapOptions::new();
    options.set_image_orientation(ImageOrientation::FromImage);
    let window = web_sys::window().ok_or_else(no_window)?;
    let promise = window
        .create_image_bitmap_with_blob_and_image_bitmap_options(blob, &options)
        .map_err(|e| AppError::BrowserDecode(js_message(&e)))?;
    let bitmap = JsFuture::from(promise).await.map_err(|e| AppError::BrowserDecode(js_message(&e)))?;
    Ok(bitmap.unchecked_into())
}

/// A bitmap of pixels decoded elsewhere (by the Rust decoder: what the browser cannot decode, and images
/// with alpha, whose transparent pixels keep their stored colour as in the CLI).
pub async fn from_rgb(image: &RgbImage) -> Result<ImageBitmap, AppError> {
    let mut rgba = Vec::with_capacity(image.as_raw().len() / 3 * 4);
    for p in image.pixels() {
        rgba.extend_from_slice(&[p[0], p[1], p[2], 255]);
    }
    let data = ImageData::new_with_u8_clamped_array_and_sh(Clamped(&rgba), image.width(), image.height())
        .map_err(|e| AppError::js(&e))?;
    let window = web_sys::window().ok_or_else(no_window)?;
    let promise = window.create_image_bitmap_with_image_data(&data).map_err(|e| AppError::js(&e))?;
    Ok(JsFuture::from(promise).await.map_err(|e| AppError::js(&e))?.unchecked_into())
}

/// The size of a `width × height` image scaled so that its longer side is at most `max_side` (never
/// enlarged; 0: not scaled).
pub fn scaled_size(width: u32, height: u32, max_side: u32) -> (u32, u32) {
    let longer = width.max(height);
    if max_side == 0 || longer <= max_side {
        return (width, height);
    }
    let scale = f64::from(max_side) / f64::from(longer);
    let side = |v: u32| (f64::from(v) * scale).round().max(1.0) as u32;
    (side(width), side(height))
}

/// The whole photo as RGB, scaled so that its longer side is at most `max_side`: what the detector sees.
/// The browser scales with mipmaps (`imageSmoothingQuality: "high"`), so a 48 MP photo comes down to
/// 640 px without aliasing (~40 ms here, the first time; the preview reuses the mipmaps).
pub fn scaled_rgb(bitmap: &ImageBitmap, max_side: u32) -> Result<RgbImage, AppError> {
    let (w, h) = scaled_size(bitmap.width(), bitmap.height(), max_side);
    let ctx = scratch(w, h, true)?;
    let _ = Reflect::set(&ctx, &"imageSmoothingQuality".into(), &"high".into());
    ctx.draw_image_with_image_bitmap_and_dw_and_dh(bitmap, 0.0, 0.0, f64::from(w), f64::from(h))
        .map_err(|e| AppError::js(&e))?;
    read_rgb(&ctx, w, h)
}

/// The whole photo drawn at `size` on a canvas of its own (the preview the page shows), with the browser's best
/// downscaling (mipmaps: no aliasing however large the photo).
pub fn preview(bitmap: &ImageBitmap, (w, h): (u32, u32)) -> Result<HtmlCanvasElement, AppError> {
    let ctx = scratch(w, h, false)?;
    let _ = Reflect::set(&ctx, &"imageSmoothingQuality".into(), &"high".into());
    ctx.draw_image_with_image_bitmap_and_dw_and_dh(bitmap, 0.0, 0.0, f64::from(w), f64::from(h))
        .map_err(|e| AppError::js(&e))?;
    ctx.canvas().ok_or(AppError::NoCanvas)
}

/// The aligned 112×112 crop for `transform` (photo → crop, pixel centres at integer coordinates, as the core's
/// alignment), sampled by the browser from the full-resolution bitmap: bilinear (`imageSmoothingQuality:
/// "low"`: no mipmaps, as the core's warp and OpenCV's `warpAffine`), black outside the photo. Only the
/// 112×112 samples are computed and read back, however large the face: a 3000 px face in a 48 MP photo would
/// otherwise mean reading 30 MP of pixels out of the browser.
pub fn aligned_crop(bitmap: &ImageBitmap, transform: &Similarity) -> Result<RgbImage, AppError> {
    let side = ALIGNED_SIZE;
    let ctx = scratch(side, side, true)?;
    let _ = Reflect::set(&ctx, &"imageSmoothingQuality".into(), &"low".into());
    // The canvas puts pixel i's centre at i + 0.5, the core at i: crop = T(photo − ½) + ½.
    let (a, b) = (transform.a, transform.b);
    let dx = transform.tx - 0.5 * (a - b) + 0.5;
    let dy = transform.ty - 0.5 * (b + a) + 0.5;
    ctx.set_transform(a, b, -b, a, dx, dy).map_err(|e| AppError::js(&e))?;
    ctx.draw_image_with_image_bitmap(bitmap, 0.0, 0.0).map_err(|e| AppError::js(&e))?;
    read_rgb(&ctx, side, side)
}

/// One liveness model's 80×80 input: the inclusive region `(x0, y0, x1, y1)` of the full-resolution bitmap
/// (`simface::liveness::crop_box`) scaled to 80×80 by the browser, bilinear without mipmaps
/// (`imageSmoothingQuality: "low"`), as the core's `liveness::crop` and `cv2.resize` sample.
pub fn liveness_crop(bitmap: &ImageBitmap, (x0, y0, x1, y1): (u32, u32, u32, u32)) -> Result<RgbImage, AppError> {
    let side = simface::liveness::CROP_SIZE;
    let ctx = scratch(side, side, true)?;
    let _ = Reflect::set(&ctx, &"imageSmoothingQuality".into(), &"low".into());
    let (w, h) = (f64::from(x1 - x0 + 1), f64::from(y1 - y0 + 1));
    let s = f64::from(side);
    ctx.draw_image_with_image_bitmap_and_sw_and_sh_and_dx_and_dy_and_dw_and_dh(
        bitmap,
        f64::from(x0),
        f64::from(y0),
        w,
        h,
        0.0,
        0.0,
        s,
        s,
    )
    .map_err(|e| AppError::js(&e))?;
    read_rgb(&ctx, side, side)
}

/// A canvas of `w × h` to draw into; `read_back` when its pixels will be read (`willReadFrequently`: kept in
/// CPU memory, so reading it back is a copy, not a GPU download).
fn scratch(w: u32, h: u32, read_back: bool) -> Result<CanvasRenderingContext2d, AppError> {
    let document = web_sys::window().and_then(|w| w.document()).ok_or_else(no_window)?;
    let canvas: HtmlCanvasElement = document.create_element("canvas").map_err(|e| AppError::js(&e))?.unchecked_into();
    canvas.set_width(w);
    canvas.set_height(h);
    let options = js_sys::Object::new();
    let _ = Reflect::set(&options, &"willReadFrequently".into(), &JsValue::from_bool(read_back));
    canvas
        .get_context_with_context_options("2d", &options)
        .map_err(|e| AppError::js(&e))?
        .and_then(|c| c.dyn_into().ok())
        .ok_or(AppError::NoCanvas)
}

/// The canvas's pixels as RGB (alpha dropped: every bitmap drawn is opaque).
fn read_rgb(ctx: &CanvasRenderingContext2d, w: u32, h: u32) -> Result<RgbImage, AppError> {
    let rgba = ctx.get_image_data(0.0, 0.0, f64::from(w), f64::from(h)).map_err(|e| AppError::js(&e))?.data();
    let rgb: Vec<u8> = rgba.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect();
    RgbImage::from_raw(w, h, rgb).ok_or(AppError::NoResult("the canvas"))
}
