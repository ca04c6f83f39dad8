//! Face detection: the [`Detector`] trait, the [`Face`] it returns, and what detectors share (NMS).
//!
//! Coordinate convention, for the whole crate: image coordinates in pixels of the full-resolution,
//! upright image, with the centre of the top-left pixel at (0, 0), x to the right and y down (as in
//! OpenCV). A box's `x, y` is its top-left corner in that system.

pub mod rotation;
pub mod seeta;
pub mod yunet;

use image::RgbImage;
use serde::{Deserialize, Serialize};

use crate::error::Result;

pub use rotation::{RotationConfig, Turn};
pub use seeta::SeetaDetector;
pub use yunet::{YuNet, YuNetConfig};

/// A point in image coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    #[serde(deserialize_with = "crate::finite::f32")]
    pub x: f32,
    #[serde(deserialize_with = "crate::finite::f32")]
    pub y: f32,
}

impl Point {
    pub const fn new(x: f32, y: f32) -> Self {
        Self { x, y }
    }
}

/// An axis-aligned box: top-left corner and size.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BBox {
    #[serde(deserialize_with = "crate::finite::f32")]
    pub x: f32,
    #[serde(deserialize_with = "crate::finite::f32")]
    pub y: f32,
    #[serde(deserialize_with = "crate::finite::f32")]
    pub width: f32,
    #[serde(deserialize_with = "crate::finite::f32")]
    pub height: f32,
}

impl BBox {
    pub fn area(&self) -> f32 {
        self.width.max(0.0) * self.height.max(0.0)
    }

    /// Intersection over union, 0 for disjoint or empty boxes.
    pub fn iou(&self, other: &BBox) -> f32 {
        let ix = (self.x + self.width).min(other.x + other.width) - self.x.max(other.x);
        let iy = (self.y + self.height).min(other.y + other.height) - self.y.max(other.y);
        if ix <= 0.0 || iy <= 0.0 {
            return 0.0;
        }
        let inter = ix * iy;
        let union = self.area() + other.area() - inter;
        if union > 0.0 { inter / union } else { 0.0 }
    }
}

/// Where the five landmarks of a face came from; alignment quality depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LandmarkSource {
    /// Predicted by the detector for this face.
    Detected,
    /// Placed at their average positions inside the box (for detectors without landmarks).
    FromBox,
}

/// One detected face.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Face {
    pub bbox: BBox,
    /// Detector confidence. YuNet gives 0..1; SeetaFace gives an unbounded classifier score.
    #[serde(deserialize_with = "crate::finite::f32")]
    pub score: f32,
    /// Right eye, left eye, nose tip, right mouth corner, left mouth corner, as seen from the
    /// subject; so the first of each pair is on the image's left. This is the ArcFace template's order.
    pub landmarks: [Point; 5],
    pub landmark_source: LandmarkSource,
    /// The quarter turn of the image at which the detector found this face upright (`rotation`): 0 for
    /// an upright photo, 90 for a face lying on its side in a photo turned clockwise, … Coordinates are
    /// always the upright image's.
    #[serde(default)]
    pub turn: Turn,
}

/// A face detector. Implementations return faces sorted by box area, largest first, so that index 0
/// is the default face to compare and indices are stable for a given image.
///
/// `detect` is async because model execution is (in the browser it must be); everything around the
/// model call stays synchronous. The futures are not `Send`: nothing here crosses threads.
#[allow(async_fn_in_trait)]
pub trait Detector {
    /// A short name for reports ("yunet", "seeta").
    fn name(&self) -> &'static str;

    /// Finds the faces in an upright RGB image. Coordinates are in `image`'s pixels.
    async fn detect(&mut self, image: &RgbImage) -> Result<Vec<Face>>;
}

/// Which detector to use; the pipeline holds one of these so callers can switch at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DetectorKind {
    #[default]
    Yunet,
    Seeta,
}

impl DetectorKind {
    pub const ALL: [DetectorKind; 2] = [DetectorKind::Yunet, DetectorKind::Seeta];

    /// The name settings, the CLI and reports use (`yunet`, `seeta`).
    pub fn name(self) -> &'static str {
        match self {
            DetectorKind::Yunet => "yunet",
            DetectorKind::Seeta => "seeta",
        }
    }
}

impl std::fmt::Display for DetectorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for DetectorKind {
    type Err = crate::Error;

    /// `yunet` or `seeta`; anything else is refused, never guessed.
    fn from_str(s: &str) -> crate::Result<Self> {
        Self::ALL.into_iter().find(|d| d.name() == s).ok_or_else(|| crate::Error::UnknownDetector(s.to_string()))
    }
}

/// Greedy non-maximum suppression: keeps the best-scoring face of every group whose boxes overlap
/// by more than `iou_threshold`. Returns the kept faces in descending score order.
pub fn non_maximum_suppression(mut faces: Vec<Face>, iou_threshold: f32) -> Vec<Face> {
    faces.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept: Vec<Face> = Vec::with_capacity(faces.len());
    for face in faces {
        if kept.iter().all(|k| k.bbox.iou(&face.bbox) <= iou_threshold) {
            kept.push(face);
        }
    }
    kept
}

/// Sorts faces largest first (ties by score), the order every detector returns.
pub fn sort_largest_first(faces: &mut [Face]) {
    faces.sort_by(|a, b| b.bbox.area().total_cmp(&a.bbox.area()).then(b.score.total_cmp(&a.score)));
}

/// Maps faces found on a downscaled view back to the full-resolution image.
pub fn scale_faces(faces: &mut [Face], (sx, sy): (f32, f32)) {
    for f in faces {
        f.bbox.x *= sx;
        f.bbox.y *= sy;
        f.bbox.width *= sx;
        f.bbox.height *= sy;
        for p in &mut f.landmarks {
            p.x *= sx;
            p.y *= sy;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face(x: f32, score: f32) -> Face {
        Face {
            bbox: BBox { x, y: 0.0, width: 10.0, height: 10.0 },
            score,
            landmarks: [Point::new(0.0, 0.0); 5],
            landmark_source: LandmarkSource::Detected,
            turn: Turn::None,
        }
    }

    #[test]
    fn iou_of_identical_disjoint_and_half_overlapping_boxes() {
        let a = face(0.0, 1.0).bbox;
        assert!((a.iou(&a) - 1.0).abs() < 1e-6);
        assert_eq!(a.iou(&face(20.0, 1.0).bbox), 0.0);
        assert!((a.iou(&face(5.0, 1.0).bbox) - 50.0 / 150.0).abs() < 1e-6);
    }

    #[test]
    fn nms_keeps_the_best_of_overlapping_faces_and_all_separate_ones() {
        let kept = non_maximum_suppression(vec![face(1.0, 0.7), face(0.0, 0.9), face(30.0, 0.8)], 0.3);
        let xs: Vec<f32> = kept.iter().map(|f| f.bbox.x).collect();
        assert_eq!(xs, vec![0.0, 30.0]);
    }
}
