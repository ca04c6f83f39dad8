//! The live overlay: every visible face's box, landmarks and name (or "unknown") on a transparent canvas
//! the size of the video frame, in the same style as the compare view's photos.

use simface::Face;
use web_sys::HtmlCanvasElement;

use super::context;
use super::style::{FaceMark, Placement, Tone, draw_faces};
use crate::app::state::live::{LiveFace, LiveLabel};

/// Draws `faces` over a `width`×`height` frame. With `mirror` the video is shown mirrored, so the boxes
/// are mirrored too; the text is not.
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
    let (w, h) = (f64::from(width), f64::from(height));
    ctx.clear_rect(0.0, 0.0, w, h);
    let marks: Vec<FaceMark<'_>> = faces
        .iter()
        .map(|(live, face)| {
            let (tone, label) = match &live.label {
                LiveLabel::Known { name, score } => (Tone::Good, format!("{name} {score:.2}")),
                LiveLabel::Unknown { score: Some(s) } => (Tone::Unknown, format!("unknown {s:.2}")),
                LiveLabel::Unknown { score: None } => (Tone::Unknown, "unknown".to_string()),
                LiveLabel::Pending => (Tone::Plain, "…".to_string()),
                LiveLabel::NotLive { real } => (Tone::Attack, format!("photo or screen? {real:.2}")),
            };
            FaceMark { face, tone, label }
        })
        .collect();
    draw_faces(&ctx, &marks, Placement { scale: 1.0, mirror_width: mirror.then_some(w), longer_side: w.max(h) });
}
