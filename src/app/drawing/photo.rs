//! A photo of the compare view with its faces marked: the compared face stands out, each face is labelled
//! with its number as in the face picker.

use simface::Face;
use web_sys::HtmlCanvasElement;

use super::context;
use super::style::{FaceMark, Placement, Tone, draw_faces};
use crate::app::state::slot::Photo;

/// The photo (its preview, drawn once from the full-resolution bitmap) with every face drawn; `selected` is the
/// face being compared.
pub fn draw_photo(canvas: &HtmlCanvasElement, photo: &Photo, faces: &[Face], selected: usize) {
    let (w, h) = photo.preview;
    canvas.set_width(w);
    canvas.set_height(h);
    let Some(ctx) = context(canvas) else { return };
    if ctx.draw_image_with_html_canvas_element(photo.preview_image(), 0.0, 0.0).is_err() {
        return;
    }
    let marks: Vec<FaceMark<'_>> = faces
        .iter()
        .enumerate()
        .map(|(i, face)| FaceMark {
            face,
            tone: if i == selected { Tone::Good } else { Tone::Plain },
            label: format!("{}", i + 1),
        })
        .collect();
    let at = Placement { scale: f64::from(photo.scale), mirror_width: None, longer_side: f64::from(w.max(h)) };
    draw_faces(&ctx, &marks, at);
}
