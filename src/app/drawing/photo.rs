//! A photo of the compare view with its faces marked: the compared face stands out, each face is labelled
//! with its number as in the face picker.

use image::RgbImage;
use simface::Face;
use web_sys::HtmlCanvasElement;

use super::put_rgb;
use super::style::{FaceMark, Placement, Tone, draw_faces};

/// The photo (its preview, `scale` = preview / full-resolution) with every face drawn; `selected` is the
/// face being compared.
pub fn draw_photo(canvas: &HtmlCanvasElement, preview: &RgbImage, scale: f32, faces: &[Face], selected: usize) {
    let Some(ctx) = put_rgb(canvas, preview) else { return };
    let marks: Vec<FaceMark<'_>> = faces
        .iter()
        .enumerate()
        .map(|(i, face)| FaceMark {
            face,
            tone: if i == selected { Tone::Good } else { Tone::Plain },
            label: format!("{}", i + 1),
        })
        .collect();
    let at = Placement {
        scale: f64::from(scale),
        mirror_width: None,
        longer_side: f64::from(preview.width().max(preview.height())),
    };
    draw_faces(&ctx, &marks, at);
}
