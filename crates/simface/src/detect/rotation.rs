//! Faces at any angle. YuNet and SeetaFace were trained on upright faces: past ~45° of roll they miss faces,
//! and YuNet's landmarks degrade well before that. The alignment itself is rotation-invariant (the similarity
//! transform takes the roll from the landmarks), so what a rolled face needs is to be *found* upright.
//!
//! [`detect_any_angle`] runs the detector once on the image as it is. Only when that pass finds no strong face
//! (or a strongly rolled one) it runs again on the image turned by a quarter, three quarters and a half
//! (lossless: pixels are moved, never resampled; a pass that finds a strong face ends the search) and keeps
//! the pass whose best face scores highest, its faces mapped back to the image's coordinates. Neither the landmarks nor the boxes tell a turned face from an
//! upright one: YuNet finds faces lying on their side or upside down with scores up to ~0.9 and landmarks laid
//! out as for an upright face (roll ≈ 0), so the comparison is by score, which is highest at the upright turn
//! for every shared photo (by 0.04 or more). The whole image is judged at once: a photo is turned as a whole,
//! and picking one pass keeps the faces of an upright photo exactly as one upright pass finds them. Upright
//! photos whose best face scores at least [`RotationConfig::strong_score`] pay for nothing more than the one
//! pass.

use image::RgbImage;
use image::imageops::{rotate90, rotate180, rotate270};
use imageproc::geometric_transformations::{Border, Interpolation, warp_into_with};
use serde::{Deserialize, Serialize};

use super::{BBox, Detector, Face, Point, sort_largest_first};
use crate::error::Result;

/// A clockwise quarter turn of the image, as a detector saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(into = "u16", try_from = "u16")]
pub enum Turn {
    #[default]
    None,
    Quarter,
    Half,
    ThreeQuarters,
}

impl Turn {
    pub const ALL: [Turn; 4] = [Turn::None, Turn::Quarter, Turn::Half, Turn::ThreeQuarters];

    /// Degrees clockwise: 0, 90, 180 or 270.
    pub fn degrees(self) -> u16 {
        match self {
            Turn::None => 0,
            Turn::Quarter => 90,
            Turn::Half => 180,
            Turn::ThreeQuarters => 270,
        }
    }

    /// `image` turned clockwise by this turn (`None` gives a copy).
    pub fn apply(self, image: &RgbImage) -> RgbImage {
        match self {
            Turn::None => image.clone(),
            Turn::Quarter => rotate90(image),
            Turn::Half => rotate180(image),
            Turn::ThreeQuarters => rotate270(image),
        }
    }

    /// A point of the turned image, in the coordinates of the image before the turn (`size`: its width and
    /// height). Pixel centres are at integer coordinates, so pixel (x, y) maps exactly to the pixel it came from.
    pub fn point_back(self, p: Point, (width, height): (u32, u32)) -> Point {
        let (w, h) = (width as f32 - 1.0, height as f32 - 1.0);
        match self {
            Turn::None => p,
            // Turned clockwise: (x, y) went to (h − y, x).
            Turn::Quarter => Point::new(p.y, h - p.x),
            Turn::Half => Point::new(w - p.x, h - p.y),
            // Turned counter-clockwise: (x, y) went to (y, w − x).
            Turn::ThreeQuarters => Point::new(w - p.y, p.x),
        }
    }

    /// A face found in the turned image, in the coordinates of the image before the turn. Its box is the
    /// same rectangle (a quarter turn keeps boxes axis-aligned); its landmarks keep their order, which is the
    /// subject's (right eye first), so the alignment turns the face upright again.
    pub fn face_back(self, mut face: Face, size: (u32, u32)) -> Face {
        let b = face.bbox;
        // The box's corners are pixel edges: half a pixel outside the outermost pixel centres.
        let a = self.point_back(Point::new(b.x + 0.5, b.y + 0.5), size);
        let c = self.point_back(Point::new(b.x + b.width - 0.5, b.y + b.height - 0.5), size);
        let (x0, x1) = (a.x.min(c.x) - 0.5, a.x.max(c.x) + 0.5);
        let (y0, y1) = (a.y.min(c.y) - 0.5, a.y.max(c.y) + 0.5);
        face.bbox = BBox { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
        for p in &mut face.landmarks {
            *p = self.point_back(*p, size);
        }
        face.turn = self.compose(face.turn);
        face
    }

    /// This turn after `other` (turns add up, modulo a full turn).
    fn compose(self, other: Turn) -> Turn {
        let degrees = (self.degrees() + other.degrees()) % 360;
        Turn::ALL.into_iter().find(|t| t.degrees() == degrees).unwrap_or_default()
    }
}

impl From<Turn> for u16 {
    fn from(turn: Turn) -> u16 {
        turn.degrees()
    }
}

impl TryFrom<u16> for Turn {
    type Error = String;

    fn try_from(degrees: u16) -> std::result::Result<Self, Self::Error> {
        Turn::ALL.into_iter().find(|t| t.degrees() == degrees).ok_or_else(|| format!("not a quarter turn: {degrees}°"))
    }
}

/// `image` rotated clockwise by `degrees` about its centre onto a canvas that holds all of it (black around
/// it), as a photo taken with the camera held at that angle: quarter turns move pixels exactly, other angles
/// are sampled bilinearly. For tests and benchmarks of faces at any angle.
pub fn rotated_copy(image: &RgbImage, degrees: f32) -> RgbImage {
    let quarter = degrees.rem_euclid(360.0);
    for turn in Turn::ALL {
        if quarter == f32::from(turn.degrees()) {
            return turn.apply(image);
        }
    }
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (w, h) = (image.width() as f32, image.height() as f32);
    let (nw, nh) = ((w * cos.abs() + h * sin.abs()).ceil(), (w * sin.abs() + h * cos.abs()).ceil());
    let (cx, cy) = ((w - 1.0) / 2.0, (h - 1.0) / 2.0);
    let (ncx, ncy) = ((nw - 1.0) / 2.0, (nh - 1.0) / 2.0);
    let mut out = RgbImage::new(nw as u32, nh as u32);
    // The pre-image of each output pixel: the inverse rotation about the centres.
    let back = |u: f32, v: f32| {
        let (du, dv) = (u - ncx, v - ncy);
        (cx + cos * du + sin * dv, cy - sin * du + cos * dv)
    };
    warp_into_with(image, back, Interpolation::Bilinear, Border::Constant(image::Rgb([0, 0, 0])), &mut out);
    out
}

/// When the upright pass is enough, and when a rolled face's landmarks are found again.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RotationConfig {
    /// Off: one upright pass, as an upright-only detector.
    pub enabled: bool,
    /// The upright pass is enough when it found at least one face scoring this much (`None`: any face is
    /// enough, for detectors whose scores have no fixed scale, as SeetaFace's)… YuNet's 0.93 was chosen
    /// from the shared photos' scores: upright, their best face scores 0.87–0.96 (38 of 50 reach 0.93),
    /// turned by a quarter, a half or three quarters at most 0.91. A lower value saves the retry on more upright
    /// photos and risks missing a turned photo whose face scores above it.
    pub strong_score: Option<f32>,
    /// …and no face whose eye line is rolled by more than this (YuNet's landmarks lag behind a rolled face
    /// past ~30°: `tests/quality.rs`).
    pub max_upright_roll_deg: f32,
    /// When no pass is confident (a strong face, none rolled past `max_upright_roll_deg`), faces rolled more
    /// than this in the pass that found them get their landmarks again from an upright copy of their
    /// surroundings (one small detection each).
    pub refine_roll_deg: f32,
}

impl Default for RotationConfig {
    fn default() -> Self {
        Self { enabled: true, strong_score: Some(0.93), max_upright_roll_deg: 35.0, refine_roll_deg: 15.0 }
    }
}

/// The roll of a face's eye line in degrees, −180..180 (0: upright; > 0 clockwise in the image).
pub fn eye_roll(face: &Face) -> f32 {
    let [right, left, ..] = face.landmarks;
    (left.y - right.y).atan2(left.x - right.x).to_degrees()
}

/// Whether the upright pass's `faces` are enough, by `config`.
pub fn upright_is_enough(faces: &[Face], config: &RotationConfig) -> bool {
    let strong = match config.strong_score {
        Some(min) => faces.iter().any(|f| f.score >= min),
        None => !faces.is_empty(),
    };
    strong && faces.iter().all(|f| eye_roll(f).abs() <= config.max_upright_roll_deg)
}

/// The faces of `image` at any angle (see the module's documentation): one upright pass, and the three
/// quarter turns only when that pass is not enough. Coordinates are `image`'s; each face says at which turn
/// it was found ([`Face::turn`]).
pub async fn detect_any_angle<D: Detector + ?Sized>(
    detector: &mut D,
    image: &RgbImage,
    config: &RotationConfig,
) -> Result<Vec<Face>> {
    let upright = detector.detect(image).await?;
    if !config.enabled {
        return Ok(upright);
    }
    let (best, mut faces) = if upright_is_enough(&upright, config) {
        (Turn::None, upright)
    } else {
        let best_score = |faces: &[Face]| faces.iter().map(|f| f.score).fold(f32::NEG_INFINITY, f32::max);
        let (mut best, mut faces) = (Turn::None, upright);
        // Sideways first (phone photos whose orientation was lost are mostly sideways), upside down last; a
        // pass that is confident by itself ends the search (no turned photo's face reaches the strong score).
        for turn in [Turn::Quarter, Turn::ThreeQuarters, Turn::Half] {
            let found = detector.detect(&turn.apply(image)).await?;
            let confident = upright_is_enough(&found, config);
            // Ties go to the turn tried first (upright first).
            if best_score(&found) > best_score(&faces) {
                (best, faces) = (turn, found);
            }
            if confident {
                break;
            }
        }
        (best, faces)
    };
    // Judged in the chosen pass's own frame, before mapping back: a photo turned by a quarter whose faces are
    // found with confidence gives exactly the upright photo's faces.
    let confident = upright_is_enough(&faces, config);
    if best != Turn::None {
        let size = image.dimensions();
        faces = faces.into_iter().map(|f| best.face_back(f, size)).collect();
    }
    // When even the best pass is not confident, a face it sees rolled past `refine_roll_deg` gets its landmarks
    // from an upright copy of its surroundings: YuNet's landmarks lag behind a rolled face (a face 45° from
    // the nearest quarter turn, at 135°, can read as 20°). In an upright pass only past `max_upright_roll_deg`:
    // an upright photo's faces stay as one upright pass finds them (the golden landmarks of the Python
    // reference are those), though the refinement would move a weak face rolled 23° by up to 20 px.
    if !confident {
        let refine_above = if best == Turn::None { config.max_upright_roll_deg } else { config.refine_roll_deg };
        for face in &mut faces {
            let in_pass = (eye_roll(face) + f32::from(face.turn.degrees())).rem_euclid(360.0);
            if in_pass.min(360.0 - in_pass) > refine_above
                && let Some(landmarks) = refine_rolled(detector, image, face).await?
            {
                face.landmarks = landmarks;
            }
        }
    }
    sort_largest_first(&mut faces);
    Ok(faces)
}

/// The faces of `image` turned by `turn` (one pass), in `image`'s coordinates: for a camera whose turn is
/// known from an earlier frame ([`detect_any_angle`] found it), so that every frame does not search again.
pub async fn detect_at_turn<D: Detector + ?Sized>(detector: &mut D, image: &RgbImage, turn: Turn) -> Result<Vec<Face>> {
    if turn == Turn::None {
        return detector.detect(image).await;
    }
    let size = image.dimensions();
    let mut faces: Vec<Face> =
        detector.detect(&turn.apply(image)).await?.into_iter().map(|f| turn.face_back(f, size)).collect();
    sort_largest_first(&mut faces);
    Ok(faces)
}

/// The landmarks of a rolled face found again on an upright copy of its surroundings: the image around the
/// face rotated by its roll (bilinear, at the image's own scale, so that the detector sees the face as large
/// as before: its landmarks depend on that scale), detected, and the face nearest the centre mapped back.
/// `None` when the upright copy shows no face there.
async fn refine_rolled<D: Detector + ?Sized>(
    detector: &mut D,
    image: &RgbImage,
    face: &Face,
) -> Result<Option<[Point; 5]>> {
    let (sin, cos) = eye_roll(face).to_radians().sin_cos();
    let b = face.bbox;
    let (cx, cy) = (b.x + b.width / 2.0, b.y + b.height / 2.0);
    // Twice the face's size: the detector needs the face's surroundings, as in a photo.
    let side = (2.0 * b.width.max(b.height)).ceil().clamp(32.0, 2048.0);
    let half = (side - 1.0) / 2.0;
    // Crop pixel (u, v) shows the image at the face's centre plus (u, v) rotated by the roll.
    let to_image = move |u: f32, v: f32| {
        let (du, dv) = (u - half, v - half);
        (cx + cos * du - sin * dv, cy + sin * du + cos * dv)
    };
    let mut upright = RgbImage::new(side as u32, side as u32);
    warp_into_with(image, to_image, Interpolation::Bilinear, Border::Constant(image::Rgb([0, 0, 0])), &mut upright);
    let found = detector.detect(&upright).await?;
    let centre = |f: &Face| (f.bbox.x + f.bbox.width / 2.0 - half).hypot(f.bbox.y + f.bbox.height / 2.0 - half);
    let Some(nearest) = found.iter().min_by(|a, b| centre(a).total_cmp(&centre(b))) else { return Ok(None) };
    if centre(nearest) > side / 4.0 {
        return Ok(None);
    }
    Ok(Some(nearest.landmarks.map(|p| {
        let (x, y) = to_image(p.x, p.y);
        Point::new(x, y)
    })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::LandmarkSource;

    fn face_at(x: f32, y: f32, w: f32, h: f32) -> Face {
        Face {
            bbox: BBox { x, y, width: w, height: h },
            score: 0.95,
            landmarks: [
                Point::new(x + 0.3 * w, y + 0.4 * h),
                Point::new(x + 0.7 * w, y + 0.4 * h),
                Point::new(x + 0.5 * w, y + 0.6 * h),
                Point::new(x + 0.35 * w, y + 0.8 * h),
                Point::new(x + 0.65 * w, y + 0.8 * h),
            ],
            landmark_source: LandmarkSource::Detected,
            turn: Turn::None,
        }
    }

    /// Every pixel of a turned image maps back onto the pixel it came from, for all four turns of a
    /// non-square image.
    #[test]
    fn point_back_undoes_each_turn_pixel_for_pixel() {
        let (w, h) = (5u32, 3u32);
        let image = RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 0]));
        for turn in Turn::ALL {
            let turned = turn.apply(&image);
            for (u, v, p) in turned.enumerate_pixels() {
                let back = turn.point_back(Point::new(u as f32, v as f32), (w, h));
                assert_eq!((back.x, back.y), (f32::from(p[0]), f32::from(p[1])), "{turn:?} at ({u}, {v})");
            }
        }
    }

    /// A face's box and landmarks, turned with the image and mapped back, are where they were; the face
    /// records the turn it was found at.
    #[test]
    fn face_back_restores_box_and_landmarks() {
        let (w, h) = (40u32, 30u32);
        let original = face_at(5.5, 4.5, 12.0, 16.0);
        for turn in Turn::ALL {
            // The face as a detector would see it in the turned image: its points turned forward.
            let forward = |p: Point| -> Point {
                let (wf, hf) = (w as f32 - 1.0, h as f32 - 1.0);
                match turn {
                    Turn::None => p,
                    Turn::Quarter => Point::new(hf - p.y, p.x),
                    Turn::Half => Point::new(wf - p.x, hf - p.y),
                    Turn::ThreeQuarters => Point::new(p.y, wf - p.x),
                }
            };
            let b = original.bbox;
            let a = forward(Point::new(b.x + 0.5, b.y + 0.5));
            let c = forward(Point::new(b.x + b.width - 0.5, b.y + b.height - 0.5));
            let mut seen = original.clone();
            seen.bbox = BBox {
                x: a.x.min(c.x) - 0.5,
                y: a.y.min(c.y) - 0.5,
                width: (a.x - c.x).abs() + 1.0,
                height: (a.y - c.y).abs() + 1.0,
            };
            seen.landmarks = original.landmarks.map(forward);
            let back = turn.face_back(seen, (w, h));
            for (x, y) in [(back.bbox.x, original.bbox.x), (back.bbox.y, original.bbox.y)]
                .into_iter()
                .chain([(back.bbox.width, original.bbox.width), (back.bbox.height, original.bbox.height)])
            {
                assert!((x - y).abs() < 1e-4, "{turn:?}: box {:?} vs {:?}", back.bbox, original.bbox);
            }
            for (p, q) in back.landmarks.iter().zip(&original.landmarks) {
                assert!((p.x - q.x).abs() < 1e-4 && (p.y - q.y).abs() < 1e-4, "{turn:?}: {p:?} vs {q:?}");
            }
            assert_eq!(back.turn, turn);
        }
    }

    #[test]
    fn eye_roll_is_the_eye_lines_angle() {
        let mut f = face_at(0.0, 0.0, 10.0, 10.0);
        assert!(eye_roll(&f).abs() < 1e-4);
        // The subject's right eye below the left: the face turned a quarter counter-clockwise.
        f.landmarks[0] = Point::new(5.0, 8.0);
        f.landmarks[1] = Point::new(5.0, 2.0);
        assert!((eye_roll(&f) + 90.0).abs() < 1e-4);
    }

    #[test]
    fn upright_pass_is_enough_only_with_a_strong_unrolled_face() {
        let config = RotationConfig::default();
        let upright = face_at(0.0, 0.0, 10.0, 10.0);
        assert!(upright_is_enough(std::slice::from_ref(&upright), &config));
        assert!(!upright_is_enough(&[], &config));
        let weak = Face { score: 0.7, ..upright.clone() };
        assert!(!upright_is_enough(std::slice::from_ref(&weak), &config));
        let mut rolled = upright.clone();
        rolled.landmarks[1] = Point::new(rolled.landmarks[0].x + 2.0, rolled.landmarks[0].y + 3.0);
        assert!(!upright_is_enough(&[upright.clone(), rolled], &config));
        let any = RotationConfig { strong_score: None, ..config };
        assert!(upright_is_enough(&[weak], &any));
    }
}
