//! Drawing on canvases: the photo with every face's box and landmarks, the aligned crop, and the
//! embedding as a heat strip.

use super::live::{LiveFace, LiveLabel};
use image::RgbImage;
use simface::Face;
use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};

/// Longest side of the photo as shown; boxes are drawn at this resolution.
pub const PREVIEW_SIDE: u32 = 960;

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

/// Landmark colours: eyes, nose, mouth corners.
const LANDMARK_COLOURS: [&str; 5] = ["#22d3ee", "#22d3ee", "#facc15", "#f472b6", "#f472b6"];

/// The photo (its preview, `scale` = preview / full-resolution) with every face drawn; `selected` is
/// the face being compared.
pub fn draw_photo(canvas: &HtmlCanvasElement, preview: &RgbImage, scale: f32, faces: &[Face], selected: usize) {
    let Some(ctx) = put_rgb(canvas, preview) else { return };
    let line = (preview.width().max(preview.height()) as f64 / 320.0).max(1.5);
    for (i, face) in faces.iter().enumerate().rev() {
        let b = face.bbox;
        let (x, y, w, h) = (b.x * scale, b.y * scale, b.width * scale, b.height * scale);
        let chosen = i == selected;
        ctx.set_line_width(if chosen { line * 2.0 } else { line });
        ctx.set_stroke_style_str(if chosen { "#22c55e" } else { "rgba(255,255,255,0.85)" });
        ctx.stroke_rect(x as f64, y as f64, w as f64, h as f64);
        // Dots scale with the face, so small faces in group photos stay readable.
        let radius = (w as f64 / 28.0).clamp(1.2, (line * 1.8).max(3.0));
        for (p, colour) in face.landmarks.iter().zip(LANDMARK_COLOURS) {
            ctx.set_fill_style_str(colour);
            ctx.begin_path();
            let _ = ctx.arc((p.x * scale) as f64, (p.y * scale) as f64, radius, 0.0, std::f64::consts::TAU);
            ctx.fill();
        }
        // The face number, as in the face picker.
        let label = format!("{}", i + 1);
        let size = (line * 7.0).max(11.0);
        ctx.set_font(&format!("600 {size}px system-ui, sans-serif"));
        ctx.set_fill_style_str(if chosen { "#22c55e" } else { "rgba(0,0,0,0.6)" });
        ctx.fill_rect(x as f64, y as f64 - size - 4.0, size * 0.7 * label.len() as f64 + 8.0, size + 4.0);
        ctx.set_fill_style_str("#ffffff");
        let _ = ctx.fill_text(&label, x as f64 + 4.0, y as f64 - 5.0);
    }
}

/// A diverging colour for an embedding value scaled to −1..1: blue, white, red.
fn diverging(v: f32) -> [u8; 3] {
    let t = v.clamp(-1.0, 1.0);
    let mix = |a: f32, b: f32, t: f32| (a + (b - a) * t).round() as u8;
    if t < 0.0 {
        let t = -t;
        [mix(247.0, 37.0, t), mix(247.0, 99.0, t), mix(247.0, 235.0, t)]
    } else {
        [mix(247.0, 220.0, t), mix(247.0, 38.0, t), mix(247.0, 38.0, t)]
    }
}

/// The embedding as a strip of 32×16 cells (512 values), each coloured by its value relative to the
/// largest magnitude.
pub fn draw_heat_strip(canvas: &HtmlCanvasElement, values: &[f32]) {
    const COLS: u32 = 64;
    let rows = (values.len() as u32).div_ceil(COLS).max(1);
    let peak = values.iter().fold(0.0f32, |m, v| m.max(v.abs())).max(1e-6);
    let mut img = RgbImage::from_pixel(COLS, rows, image::Rgb([247, 247, 247]));
    for (i, v) in values.iter().enumerate() {
        let (x, y) = (i as u32 % COLS, i as u32 / COLS);
        img.put_pixel(x, y, image::Rgb(diverging(v / peak)));
    }
    put_rgb(canvas, &img);
}

/// The live overlay: every visible face's box, landmarks and name (or "unknown"), on a transparent canvas
/// the size of the video frame. With `mirror` the video is shown mirrored, so the boxes are mirrored too;
/// the text is not.
pub fn draw_live_overlay(
    canvas: &HtmlCanvasElement,
    width: u32,
    height: u32,
    faces: &[(LiveFace, Face)],
    mirror: bool,
) {
    if canvas.width() != width || canvas.height() != height {
        canvas.set_width(width);
        canvas.set_height(height);
    }
    let Some(ctx) = context(canvas) else { return };
    ctx.clear_rect(0.0, 0.0, width as f64, height as f64);
    let w = width as f64;
    let x_of = |x: f64| if mirror { w - x } else { x };
    let line = (w / 320.0).max(1.5);
    for (live, face) in faces {
        let b = face.bbox;
        let (x, y, bw, bh) = (b.x as f64, b.y as f64, b.width as f64, b.height as f64);
        let left = if mirror { w - x - bw } else { x };
        let (colour, text) = match &live.label {
            LiveLabel::Known { name, score } => ("#22c55e", format!("{name} {score:.2}")),
            LiveLabel::Unknown { score: Some(s) } => ("#f59e0b", format!("unknown {s:.2}")),
            LiveLabel::Unknown { score: None } => ("#f59e0b", "unknown".to_string()),
            LiveLabel::Pending => ("rgba(255,255,255,0.85)", "…".to_string()),
        };
        ctx.set_line_width(line * 1.5);
        ctx.set_stroke_style_str(colour);
        ctx.stroke_rect(left, y, bw, bh);
        let radius = (bw / 30.0).clamp(1.5, 4.0);
        for (p, dot) in face.landmarks.iter().zip(LANDMARK_COLOURS) {
            ctx.set_fill_style_str(dot);
            ctx.begin_path();
            let _ = ctx.arc(x_of(p.x as f64), p.y as f64, radius, 0.0, std::f64::consts::TAU);
            ctx.fill();
        }
        let size = (line * 8.0).max(13.0);
        ctx.set_font(&format!("600 {size}px system-ui, sans-serif"));
        let text_w = ctx.measure_text(&text).map(|m| m.width()).unwrap_or(size * text.len() as f64 * 0.6);
        let top = if y > size + 6.0 { y - size - 6.0 } else { y + bh };
        ctx.set_fill_style_str(colour);
        ctx.fill_rect(left, top, text_w + 10.0, size + 6.0);
        ctx.set_fill_style_str("#0b1020");
        let _ = ctx.fill_text(&text, left + 5.0, top + size);
    }
}
