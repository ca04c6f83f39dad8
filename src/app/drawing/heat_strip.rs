//! The embedding as a heat strip: one cell per value, blue negative, white zero, red positive.

use image::RgbImage;
use web_sys::HtmlCanvasElement;

use super::put_rgb;

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

/// The embedding as a strip of 64-wide rows (512 values: 64×8), each cell coloured by its value relative
/// to the largest magnitude.
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
