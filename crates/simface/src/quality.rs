//! The quality gate: is a detected face good enough to enrol?
//!
//! A template made from a blurred, dark, tiny or turned face matches its owner worse and strangers
//! better, and every later identification inherits that. So before the webcam enrols a face it checks,
//! like SimFace's SimQ, the things a person in front of the camera can fix: distance (face size),
//! motion and focus (sharpness), light (brightness, contrast) and head pose (from the five landmarks).
//! Each failed check is a [`QualityIssue`] with a short piece of advice for the user.
//!
//! Everything here is synchronous and pure, so the browser can run it on every frame.

use image::RgbImage;
use serde::{Deserialize, Serialize};

use crate::align::ARCFACE_TEMPLATE;
use crate::detect::{Face, Point};

/// The limits of the gate.
///
/// Calibrated with YuNet at 640 px by `tests/quality.rs`, which prints every measure (`--nocapture`). On the
/// largest face of the 16 gallery and probe photos and of `royalty_free_good_face.jpg` (all of which must
/// pass) the measures span: face 166–453 px, sharpness 809–2347, brightness 105–189, contrast 28–60,
/// |yaw| ≤ 27°, |pitch| ≤ 10°, |roll| ≤ 11°. Copies of the good face degraded on purpose must fail:
/// Gaussian blur σ = 2, 3, 4, 6 gives sharpness 831, 442, 233, 91; pixel values ×0.15 a brightness of 19;
/// a 40 px face on a 640×480 frame is too small; a ±35° rotation must read as a tilted head. So:
///
/// - `min_sharpness` 400: about the geometric mean of σ = 4 (233, fails) and the least sharp portrait (809),
///   so σ ≥ 4 fails while σ = 3 (442) just passes.
/// - `max_yaw_deg` 35: the mirror test shows the estimate moving by up to 9° between the two readings of a
///   face, so the limit sits that far above the most turned portrait that must pass (27°); the two strongly
///   turned photos of `edgeface/` (39° and 48°) fail.
/// - `max_pitch_deg` 25: well above every portrait (≤ 10°); pitch readings of a face and its mirror image
///   differ by up to 13°, so a tighter limit would reject good frames at random.
/// - `max_roll_deg` 15: YuNet's landmarks lag behind an in-plane rotation (the good face rotated by 25°,
///   35°, 45° and −35° reads 20°, 22°, 19° and −16°: the points regress towards an upright face), so the
///   limit must sit under those readings, yet above the most tilted portrait (11°). A badly tilted face
///   matters because those lagging landmarks misalign the crop; a correctly located tilt would not, since
///   alignment undoes roll.
/// - `min_face_px` 64: a 64 px box has its eyes about 25 px apart where the crop has 35, so the crop is
///   already upscaled by 40 %, and YuNet's landmarks lose precision on small faces (the README's parity
///   figures hold for faces over 80 px); every portrait is at least 2.6× larger.
/// - Light, which no shared portrait comes near failing: a mean grey under 45 is dark (the ×0.15 copy is at
///   19), over 220 washed out, and a grey spread under 15 has lost the features to flat light (the red,
///   glitched `royalty_free_bad_face.jpg` measures 13).
///
/// The sharpness limit rests on still photos; webcam frames are softer and noisier (noise raises the
/// Laplacian's variance, softness lowers it), so it is the first limit to revisit with real camera frames.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct QualityConfig {
    /// Shorter side of the detector's box, in image pixels.
    pub min_face_px: f32,
    /// Variance of the Laplacian of the grey crop's face region.
    pub min_sharpness: f32,
    /// Mean grey (0–255) of the face region.
    pub min_brightness: f32,
    pub max_brightness: f32,
    /// Standard deviation of the grey face region.
    pub min_contrast: f32,
    /// Degrees; see [`Pose`].
    pub max_yaw_deg: f32,
    pub max_pitch_deg: f32,
    pub max_roll_deg: f32,
}

impl Default for QualityConfig {
    fn default() -> Self {
        Self {
            min_face_px: 64.0,
            min_sharpness: 400.0,
            min_brightness: 45.0,
            max_brightness: 220.0,
            min_contrast: 15.0,
            max_yaw_deg: 35.0,
            max_pitch_deg: 25.0,
            max_roll_deg: 15.0,
        }
    }
}

/// Head pose in degrees, estimated from the five landmarks.
///
/// Signs, in the image as shown: `yaw` > 0 when the nose points to the image's right (the subject turns
/// to their left), `pitch` > 0 when the face tilts down (nose towards the mouth), `roll` > 0 when the
/// eye line slopes down to the right (clockwise in the image, whose y axis points down).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Pose {
    #[serde(deserialize_with = "crate::finite::f32")]
    pub yaw: f32,
    #[serde(deserialize_with = "crate::finite::f32")]
    pub pitch: f32,
    #[serde(deserialize_with = "crate::finite::f32")]
    pub roll: f32,
}

/// How far the nose tip stands in front of the eyes and mouth corners, as a fraction of the distance
/// between the eye centres: 0.43 in the generic 3-D face model commonly used for PnP head pose (nose tip
/// at the origin, eye centres about ±157 units aside and 135 behind, mouth corners 125 behind). Turning the
/// head by θ moves the nose sideways by depth·sin θ while the eyes close up to distance·cos θ, so the
/// ratio of the two is `NOSE_DEPTH · tan θ`.
const NOSE_DEPTH: f32 = 0.43;

/// The nose's height between the eye line (0) and the mouth line (1) on a frontal face, as YuNet places
/// the five points: the median over the 38 portraits of the shared gallery/, probe/, edgeface/ and the good
/// example face (`tests/quality.rs` recomputes it). The ArcFace template has 0.495, but YuNet puts the nose
/// point lower on the tip and the mouth corners higher: measured against the template, all 38 portraits,
/// frontal ones included, read as tilted down by 2–28°.
pub const FRONTAL_NOSE_HEIGHT: f32 = 0.600;

/// What the ArcFace template (an average frontal face) contributes to the pose estimate: the distance of
/// the mouth line from the eye line in eye distances (which scales the pitch), and the nose's sideways
/// offset (0.003: the template is not quite symmetric).
fn template_ratios() -> (f32, f32) {
    FaceFrame::new(&ARCFACE_TEMPLATE).map_or((1.155, 0.0), |f| (f.mouth_y / f.eye_dist, f.nose_offset()))
}

/// The landmarks in the face's own frame: origin at the midpoint of the eyes, x along the eye line, so the
/// yaw and pitch estimates do not depend on roll.
struct FaceFrame {
    roll: f32,
    eye_dist: f32,
    /// The nose and the mouth midpoint in the frame.
    nose: (f32, f32),
    mouth_x: f32,
    mouth_y: f32,
}

impl FaceFrame {
    fn new(l: &[Point; 5]) -> Option<Self> {
        let (ex, ey) = (l[1].x - l[0].x, l[1].y - l[0].y);
        let eye_dist = ex.hypot(ey);
        let (cx, cy) = ((l[0].x + l[1].x) / 2.0, (l[0].y + l[1].y) / 2.0);
        let (cos, sin) = (ex / eye_dist, ey / eye_dist);
        // Rotate by −roll about the eye midpoint.
        let local = |p: Point| {
            let (dx, dy) = (p.x - cx, p.y - cy);
            (dx * cos + dy * sin, -dx * sin + dy * cos)
        };
        let nose = local(l[2]);
        let mouth = local(Point::new((l[3].x + l[4].x) / 2.0, (l[3].y + l[4].y) / 2.0));
        let frame = Self { roll: ey.atan2(ex).to_degrees(), eye_dist, nose, mouth_x: mouth.0, mouth_y: mouth.1 };
        let finite = [frame.roll, eye_dist, nose.0, nose.1, mouth.0, mouth.1].iter().all(|v| v.is_finite());
        // The mouth must be below the eyes for yaw and pitch to mean anything.
        (finite && eye_dist > 0.0 && frame.mouth_y > 0.0).then_some(frame)
    }

    /// The nose's height between the eye line (0) and the mouth line (1).
    fn nose_height(&self) -> f32 {
        self.nose.1 / self.mouth_y
    }

    /// The nose's sideways offset from the line through the eye midpoint and the mouth midpoint, in eye
    /// distances.
    fn nose_offset(&self) -> f32 {
        let midline_x = self.mouth_x * self.nose_height();
        (self.nose.0 - midline_x) / self.eye_dist
    }
}

/// Head pose from the five landmarks (weak perspective: the face is far from the camera compared with its
/// depth).
///
/// Landmarks that cannot be put in a face frame (coincident eyes, the mouth above the eyes, non-finite
/// values) give a yaw and pitch of 90°: whatever the face is doing, it is not looking at the camera.
/// Landmarks placed from the box (SeetaFace) give the same pose for every face: the pose checks mean
/// nothing for them.
///
/// The roll is the eye line's, measured from the orientation the face was found at ([`Face::turn`]): a
/// sideways photo of an upright head has roll 0 (the photo is turned, not the head), and the gate's roll limit
/// is about the detector's landmarks, which lag behind a face rolled away from that orientation. Yaw and pitch
/// are measured in the face's own frame and do not depend on roll.
pub fn estimate_pose(face: &Face) -> Pose {
    let from_turn = |roll: f32| {
        let r = (roll + f32::from(face.turn.degrees())).rem_euclid(360.0);
        if r > 180.0 { r - 360.0 } else { r }
    };
    let Some(frame) = FaceFrame::new(&face.landmarks) else {
        let (ex, ey) = (face.landmarks[1].x - face.landmarks[0].x, face.landmarks[1].y - face.landmarks[0].y);
        let roll = ey.atan2(ex).to_degrees();
        return Pose { yaw: 90.0, pitch: 90.0, roll: if roll.is_finite() { from_turn(roll) } else { 0.0 } };
    };
    let (template_span, template_offset) = template_ratios();
    let yaw = ((frame.nose_offset() - template_offset) / NOSE_DEPTH).atan().to_degrees();
    // Pitching by φ moves the nose along the eye–mouth axis by depth·sin φ while that axis shortens to
    // span·cos φ, so the change in the nose's relative height is (depth / span)·tan φ.
    let pitch = ((frame.nose_height() - FRONTAL_NOSE_HEIGHT) * template_span / NOSE_DEPTH).atan().to_degrees();
    Pose { yaw, pitch, roll: from_turn(frame.roll) }
}

/// One reason a face fails the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QualityIssue {
    TooSmall,
    Blurry,
    TooDark,
    TooBright,
    LowContrast,
    NotFacingCamera,
    HeadTilted,
}

impl QualityIssue {
    /// What the person in front of the camera should do, short enough for an overlay on the video.
    pub fn advice(self) -> &'static str {
        match self {
            QualityIssue::TooSmall => "move closer",
            QualityIssue::Blurry => "hold still: the face is blurry",
            QualityIssue::TooDark => "too dark: add light",
            QualityIssue::TooBright => "too bright: avoid direct light",
            QualityIssue::LowContrast => "low contrast: light the face from the front",
            QualityIssue::NotFacingCamera => "look at the camera",
            QualityIssue::HeadTilted => "keep your head straight",
        }
    }
}

impl std::fmt::Display for QualityIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.advice())
    }
}

/// The verdict of the gate on one face.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quality {
    /// 0..=1, higher is better; at least 0.5 exactly when `issues` is empty (see [`assess`]).
    #[serde(deserialize_with = "crate::finite::f32")]
    pub score: f32,
    /// Shorter side of the detector's box, in image pixels.
    #[serde(deserialize_with = "crate::finite::f32")]
    pub face_px: f32,
    /// Variance of the Laplacian of the grey aligned crop's face region.
    #[serde(deserialize_with = "crate::finite::f32")]
    pub sharpness: f32,
    /// Mean grey (0–255) of the face region.
    #[serde(deserialize_with = "crate::finite::f32")]
    pub brightness: f32,
    /// Standard deviation of the grey face region.
    #[serde(deserialize_with = "crate::finite::f32")]
    pub contrast: f32,
    pub pose: Pose,
    /// The failed checks, most fundamental first: fixing the first often fixes the rest (a face too far
    /// away or in the dark is also blurry and flat), so a user interface shows `issues[0]`.
    pub issues: Vec<QualityIssue>,
}

impl Quality {
    pub fn passes(&self) -> bool {
        self.issues.is_empty()
    }
}

/// The part of the aligned crop measured, as fractions of its side: brows to chin and cheek to cheek in
/// the ArcFace layout (eyes at 34–66 % across and 46 % down, mouth at 82 % down). The corners of the crop
/// are hair, background or, near the image border, black fill; they would make a blurred face look sharp
/// and a dark face in front of a white wall look bright.
const REGION_X: (f32, f32) = (0.22, 0.78);
const REGION_Y: (f32, f32) = (0.30, 0.90);

/// Grey-level statistics of the face region: (sharpness, brightness, contrast).
fn region_stats(crop: &RgbImage) -> (f32, f32, f32) {
    let (w, h) = crop.dimensions();
    let span = |n: u32, (a, b): (f32, f32)| {
        // At least one pixel of margin, so every measured pixel has four neighbours.
        let lo = ((n as f32 * a).round() as u32).max(1);
        let hi = ((n as f32 * b).round() as u32).min(n.saturating_sub(1));
        (lo, hi)
    };
    let ((x0, x1), (y0, y1)) = (span(w, REGION_X), span(h, REGION_Y));
    if x1 <= x0 || y1 <= y0 {
        return (0.0, 0.0, 0.0);
    }
    let grey = |x: u32, y: u32| {
        let p = crop.get_pixel(x, y).0;
        0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2])
    };
    let (mut sum, mut sum2, mut lap_sum, mut lap_sum2) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    for y in y0..y1 {
        for x in x0..x1 {
            let g = grey(x, y);
            let lap = grey(x - 1, y) + grey(x + 1, y) + grey(x, y - 1) + grey(x, y + 1) - 4.0 * g;
            sum += g;
            sum2 += g * g;
            lap_sum += lap;
            lap_sum2 += lap * lap;
        }
    }
    let n = f64::from((x1 - x0) * (y1 - y0));
    let variance = |s: f64, s2: f64| (s2 / n - (s / n).powi(2)).max(0.0);
    (variance(lap_sum, lap_sum2) as f32, (sum / n) as f32, variance(sum, sum2).sqrt() as f32)
}

/// A lower limit's margin: `v / (v + limit)`, 0.5 at the limit, ⅔ at twice it, approaching 1. It never
/// saturates, so among passing frames the score still prefers the sharper, larger face.
fn above(value: f32, limit: f32) -> f32 {
    if limit <= 0.0 {
        return 1.0;
    }
    let v = value.max(0.0);
    v / (v + limit)
}

/// An upper limit on a magnitude: 1 at zero, 0.5 at the limit, 0 at twice the limit.
fn below(value: f32, limit: f32) -> f32 {
    if limit <= 0.0 {
        return if value == 0.0 { 1.0 } else { 0.0 };
    }
    (1.0 - value.abs() / (2.0 * limit)).clamp(0.0, 1.0)
}

/// A window: 1 in the middle, 0.5 at either edge, 0 half a window outside it.
fn within(value: f32, lo: f32, hi: f32) -> f32 {
    let half = (hi - lo) / 2.0;
    if half <= 0.0 {
        return if (lo..=hi).contains(&value) { 1.0 } else { 0.0 };
    }
    (0.5 + 0.5 * (value - lo).min(hi - value) / half).clamp(0.0, 1.0)
}

/// Judges one face. `crop` is its aligned crop ([`crate::FacePipeline::align_faces`]): measured there rather
/// than in the image, the face region is the same part of every face whatever its size or tilt.
///
/// Each check maps its measure to a margin in 0..=1 that is exactly 0.5 at its limit: `v / (v + limit)` for
/// lower limits (face size, sharpness, contrast), `1 − |v| / (2·limit)` for the pose angles, and
/// `0.5 + 0.5·(distance inside the window) / (half the window)` for brightness. The score is the smallest
/// margin, because a face is only as usable as its worst aspect; so `score ≥ 0.5` exactly when the face
/// passes, and among passing faces a higher score is further from every limit.
pub fn assess(face: &Face, crop: &RgbImage, config: &QualityConfig) -> Quality {
    let face_px = face.bbox.width.min(face.bbox.height).max(0.0);
    let face_px = if face_px.is_finite() { face_px } else { 0.0 };
    let (sharpness, brightness, contrast) = region_stats(crop);
    let pose = estimate_pose(face);
    let c = config;

    let margins = [
        above(face_px, c.min_face_px),
        within(brightness, c.min_brightness, c.max_brightness),
        below(pose.yaw, c.max_yaw_deg),
        below(pose.pitch, c.max_pitch_deg),
        below(pose.roll, c.max_roll_deg),
        above(contrast, c.min_contrast),
        above(sharpness, c.min_sharpness),
    ];
    let score = margins.into_iter().fold(1.0, f32::min);
    // The same limits as the margins' 0.5 points, in the order issues are reported.
    let checks = [
        (QualityIssue::TooSmall, face_px < c.min_face_px),
        (QualityIssue::TooDark, brightness < c.min_brightness),
        (QualityIssue::TooBright, brightness > c.max_brightness),
        (QualityIssue::NotFacingCamera, pose.yaw.abs() > c.max_yaw_deg || pose.pitch.abs() > c.max_pitch_deg),
        (QualityIssue::HeadTilted, pose.roll.abs() > c.max_roll_deg),
        (QualityIssue::LowContrast, contrast < c.min_contrast),
        (QualityIssue::Blurry, sharpness < c.min_sharpness),
    ];
    let issues = checks.into_iter().filter(|(_, failed)| *failed).map(|(issue, _)| issue).collect();
    Quality { score, face_px, sharpness, brightness, contrast, pose, issues }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::{BBox, LandmarkSource};

    /// The generic 3-D face (x right, y down, z towards the camera; nose tip at the origin) whose depth
    /// ratio `NOSE_DEPTH` comes from, with the ArcFace template's proportions and YuNet's frontal nose height.
    fn project(yaw: f32, pitch: f32, roll: f32) -> Face {
        let model = [
            (-157.0, -216.0, -135.0),
            (157.0, -216.0, -135.0),
            (0.0, 0.0, 0.0),
            (-130.0, 147.0, -125.0),
            (130.0, 147.0, -125.0),
        ];
        let (sy, cy) = yaw.to_radians().sin_cos();
        let (sp, cp) = pitch.to_radians().sin_cos();
        let (sr, cr) = roll.to_radians().sin_cos();
        let landmarks = model.map(|(x, y, z): (f32, f32, f32)| {
            // Yaw about the vertical axis: the nose (front) moves to +x for yaw > 0.
            let (x, z) = (x * cy + z * sy, -x * sy + z * cy);
            // Pitch about the horizontal axis: the nose moves down (+y) for pitch > 0.
            let (y, _z) = (y * cp + z * sp, -y * sp + z * cp);
            // Roll in the image plane, clockwise as shown (y down).
            let (x, y) = (x * cr - y * sr, x * sr + y * cr);
            Point::new(500.0 + x * 0.5, 400.0 + y * 0.5)
        });
        Face {
            bbox: BBox { x: 380.0, y: 300.0, width: 240.0, height: 240.0 },
            score: 0.9,
            landmarks,
            landmark_source: LandmarkSource::Detected,
            turn: Default::default(),
        }
    }

    #[test]
    fn the_template_itself_is_frontal_upright_and_looks_up_next_to_yunets_frontal_reference() {
        let face = Face {
            bbox: BBox { x: 0.0, y: 0.0, width: 112.0, height: 112.0 },
            score: 1.0,
            landmarks: ARCFACE_TEMPLATE,
            landmark_source: LandmarkSource::Detected,
            turn: Default::default(),
        };
        let pose = estimate_pose(&face);
        assert!(pose.yaw.abs() < 1e-3 && pose.roll.abs() < 0.5, "{pose:?}");
        // The template's nose is higher than YuNet's on frontal faces.
        assert!(pose.pitch < -10.0, "{pose:?}");
    }

    #[test]
    fn pose_of_a_projected_model_face_is_recovered_with_the_right_signs() {
        let frontal = estimate_pose(&project(0.0, 0.0, 0.0));
        for (yaw, pitch, roll) in [(30.0, 0.0, 0.0), (-30.0, 0.0, 0.0), (0.0, 20.0, 0.0), (0.0, -20.0, 0.0)] {
            let p = estimate_pose(&project(yaw, pitch, roll));
            // Relative to the model's own frontal reading (the model is not exactly the ArcFace average).
            let (dy, dp) = (p.yaw - frontal.yaw, p.pitch - frontal.pitch);
            assert!((dy - yaw).abs() < 6.0 && (dp - pitch).abs() < 8.0, "{yaw} {pitch}: {p:?} vs {frontal:?}");
        }
        for roll in [-35.0f32, 10.0, 35.0] {
            let p = estimate_pose(&project(20.0, 0.0, roll));
            let upright = estimate_pose(&project(20.0, 0.0, 0.0));
            assert!((p.roll - roll).abs() < 0.5, "{roll}: {p:?}");
            assert!((p.yaw - upright.yaw).abs() < 0.5 && (p.pitch - upright.pitch).abs() < 0.5, "{p:?}");
        }
    }

    #[test]
    fn degenerate_landmarks_are_not_facing_the_camera_and_nothing_is_nan() {
        let mut face = project(0.0, 0.0, 0.0);
        face.landmarks = [Point::new(10.0, 10.0); 5];
        let pose = estimate_pose(&face);
        assert_eq!((pose.yaw, pose.pitch, pose.roll), (90.0, 90.0, 0.0));
        face.landmarks[0].x = f32::NAN;
        let q = assess(&face, &RgbImage::new(112, 112), &QualityConfig::default());
        assert!(q.score.is_finite() && q.issues.contains(&QualityIssue::NotFacingCamera), "{q:?}");
        let empty = assess(&face, &RgbImage::new(0, 0), &QualityConfig::default());
        assert_eq!(empty.issues[0], QualityIssue::TooDark);
    }

    #[test]
    fn score_is_half_at_each_limit_and_the_weakest_margin() {
        assert!((above(10.0, 10.0) - 0.5).abs() < 1e-6 && (below(-20.0, 20.0) - 0.5).abs() < 1e-6);
        assert!((within(45.0, 45.0, 220.0) - 0.5).abs() < 1e-6 && within(132.5, 45.0, 220.0) == 1.0);
        // A flat mid-grey crop: bright enough, but no contrast and no detail.
        let face = project(0.0, 0.0, 0.0);
        let q = assess(&face, &RgbImage::from_pixel(112, 112, image::Rgb([128, 128, 128])), &QualityConfig::default());
        assert_eq!(q.issues, vec![QualityIssue::LowContrast, QualityIssue::Blurry]);
        assert_eq!(q.score, 0.0);
        assert_eq!(QualityIssue::TooSmall.to_string(), "move closer");
        assert_eq!(serde_json::to_string(&QualityIssue::NotFacingCamera).unwrap_or_default(), "\"not_facing_camera\"");
    }
}
