//! The one look of a marked face, shared by the compare view's photos and the live overlay: a box in the
//! face's tone, the five landmarks (eyes, nose, mouth corners in their colours), and a label on a tab in
//! the same tone above the box (inside it when the box touches the top).

use simface::Face;
use web_sys::CanvasRenderingContext2d;

/// Landmark colours: eyes, nose, mouth corners.
const LANDMARK_COLOURS: [&str; 5] = ["#22d3ee", "#22d3ee", "#facc15", "#f472b6", "#f472b6"];

/// What a face's colour says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// The face being compared, or a recognised person.
    Good,
    /// Nobody in the gallery.
    Unknown,
    /// A face that looks like a photo or a screen (liveness).
    Attack,
    /// Any other face.
    Plain,
}

impl Tone {
    fn stroke(self) -> &'static str {
        match self {
            Tone::Good => "#22c55e",
            Tone::Unknown => "#f59e0b",
            Tone::Attack => "#ef4444",
            Tone::Plain => "rgba(255,255,255,0.85)",
        }
    }

    fn tab(self) -> &'static str {
        match self {
            Tone::Plain => "rgba(0,0,0,0.6)",
            tone => tone.stroke(),
        }
    }

    fn text(self) -> &'static str {
        match self {
            Tone::Plain => "#ffffff",
            _ => "#0b1020",
        }
    }
}

/// One face to mark and its label.
pub struct FaceMark<'a> {
    pub face: &'a Face,
    pub tone: Tone,
    pub label: String,
}

/// How face coordinates map onto the canvas.
#[derive(Debug, Clone, Copy)]
pub struct Placement {
    /// Canvas pixels per face-coordinate pixel.
    pub scale: f64,
    /// Mirror horizontally within this canvas width (a mirrored video preview); labels stay readable.
    pub mirror_width: Option<f64>,
    /// The canvas's longer side, which sets line widths and text sizes.
    pub longer_side: f64,
}

/// The frame of a face that was not found upright and unrolled: the box as the detector saw it (its sides
/// swapped when the photo was turned by a quarter) and the angle in radians to turn it by about the box's
/// centre, the face's roll in the photo. `None` for a face found upright with less roll than the detector's
/// landmarks are good for: its box is drawn as it is.
fn face_frame(face: &Face) -> Option<(f64, (f64, f64))> {
    let turn = f32::from(face.turn.degrees());
    let roll = simface::detect::rotation::eye_roll(face);
    let in_pass = (roll + turn).rem_euclid(360.0);
    let in_pass = if in_pass > 180.0 { in_pass - 360.0 } else { in_pass };
    if turn == 0.0 && in_pass.abs() <= 15.0 {
        return None;
    }
    let (w, h) = (f64::from(face.bbox.width), f64::from(face.bbox.height));
    let size = if face.turn.degrees().is_multiple_of(180) { (w, h) } else { (h, w) };
    // The pass's box, turned back with the photo (−turn) and then by the face's roll within it.
    Some((f64::from(in_pass - turn).to_radians(), size))
}

/// Draws `marks` (the first one last, so it ends up on top).
pub fn draw_faces(ctx: &CanvasRenderingContext2d, marks: &[FaceMark<'_>], at: Placement) {
    let line = (at.longer_side / 320.0).max(1.5);
    let x_of = |x: f64| match at.mirror_width {
        Some(w) => w - x,
        None => x,
    };
    for mark in marks.iter().rev() {
        let b = mark.face.bbox;
        let (x, y, w, h) = (
            f64::from(b.x) * at.scale,
            f64::from(b.y) * at.scale,
            f64::from(b.width) * at.scale,
            f64::from(b.height) * at.scale,
        );
        let left = if at.mirror_width.is_some() { x_of(x) - w } else { x };
        let emphasised = mark.tone != Tone::Plain;
        ctx.set_line_width(if emphasised { line * 2.0 } else { line });
        ctx.set_stroke_style_str(mark.tone.stroke());
        match face_frame(mark.face) {
            // A face found rolled (in a turned photo, or between quarter turns): its box turned with it.
            Some((angle, (fw, fh))) => {
                let (cx, cy) = (x_of(x + w / 2.0), y + h / 2.0);
                let angle = if at.mirror_width.is_some() { -angle } else { angle };
                ctx.save();
                let _ = ctx.translate(cx, cy);
                let _ = ctx.rotate(angle);
                ctx.stroke_rect(-fw * at.scale / 2.0, -fh * at.scale / 2.0, fw * at.scale, fh * at.scale);
                ctx.restore();
            }
            None => ctx.stroke_rect(left, y, w, h),
        }
        // Dots scale with the face, so small faces in group photos stay readable.
        let radius = (w / 28.0).clamp(1.2, (line * 1.8).max(3.0));
        for (p, colour) in mark.face.landmarks.iter().zip(LANDMARK_COLOURS) {
            ctx.set_fill_style_str(colour);
            ctx.begin_path();
            let _ =
                ctx.arc(x_of(f64::from(p.x) * at.scale), f64::from(p.y) * at.scale, radius, 0.0, std::f64::consts::TAU);
            ctx.fill();
        }
        let size = (line * 7.5).max(12.0);
        ctx.set_font(&format!("600 {size}px system-ui, sans-serif"));
        let text_w = ctx.measure_text(&mark.label).map(|m| m.width()).unwrap_or(size * 0.6 * mark.label.len() as f64);
        let top = if y > size + 6.0 { y - size - 6.0 } else { y };
        ctx.set_fill_style_str(mark.tone.tab());
        ctx.fill_rect(left, top, text_w + 10.0, size + 6.0);
        ctx.set_fill_style_str(mark.tone.text());
        let _ = ctx.fill_text(&mark.label, left + 5.0, top + size);
    }
}
