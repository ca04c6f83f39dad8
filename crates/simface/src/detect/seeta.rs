//! SeetaFace frontal detector through the pure-Rust `rustface` crate: the alternative to YuNet that
//! needs no ONNX Runtime at all.
//!
//! SeetaFace returns boxes only. Its faces are aligned from landmarks placed at their average positions
//! inside a SeetaFace box ([`MEAN_LANDMARKS_IN_BOX`]). That keeps this detector independent of any other
//! model, at a measured cost in accuracy that the README reports (a box says nothing about head roll or
//! where exactly the eyes are, so the crop is less well registered than with detected landmarks).

use image::RgbImage;

use super::{BBox, Detector, Face, LandmarkSource, Point, scale_faces, sort_largest_first};
use crate::decode::downscale_for_detection;
use crate::error::{Error, Result};

/// Average landmark positions as fractions of a SeetaFace box's width and height (x, y from its
/// top-left corner), in the ArcFace order. Fitted on the shared photos: for every face both SeetaFace
/// and YuNet found, YuNet's landmarks expressed in the SeetaFace box, averaged
/// (`cargo test --release --test detection -- --ignored fit_seeta_landmarks --nocapture` prints them).
pub const MEAN_LANDMARKS_IN_BOX: [(f32, f32); 5] =
    [(0.315, 0.390), (0.685, 0.390), (0.500, 0.560), (0.345, 0.745), (0.655, 0.745)];

/// SeetaFace's settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeetaConfig {
    /// Longer image side used for detection (0: full size). SeetaFace's cost grows with pixels.
    pub max_side: u32,
    /// Smallest face searched for, in detection pixels (SeetaFace's window is 40 px; 20 is its minimum).
    pub min_face_size: u32,
    /// Classifier score threshold (the crate's example uses 2.0).
    pub score_threshold: f64,
}

impl Default for SeetaConfig {
    fn default() -> Self {
        Self { max_side: 640, min_face_size: 20, score_threshold: 2.0 }
    }
}

/// The SeetaFace detector.
pub struct SeetaDetector {
    detector: Box<dyn rustface::Detector>,
    pub config: SeetaConfig,
}

impl std::fmt::Debug for SeetaDetector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeetaDetector").field("config", &self.config).finish()
    }
}

impl SeetaDetector {
    /// Loads the SeetaFace model (`seeta_fd_frontal_v1.0.bin`) from its bytes.
    pub fn from_bytes(bytes: &[u8], config: SeetaConfig) -> Result<Self> {
        let model = rustface::read_model(std::io::Cursor::new(bytes))
            .map_err(|e| Error::ModelCorrupt { name: "seeta".into(), detail: e.to_string() })?;
        let mut detector = rustface::create_detector_with_model(model);
        detector.set_min_face_size(config.min_face_size.max(20));
        detector.set_score_thresh(config.score_threshold);
        detector.set_pyramid_scale_factor(0.8);
        detector.set_slide_window_step(4, 4);
        Ok(Self { detector, config })
    }

    fn detect_sync(&mut self, image: &RgbImage) -> Vec<Face> {
        let (view, back) = downscale_for_detection(image, self.config.max_side);
        // SeetaFace's smallest window is 20 px (and it panics on an empty image).
        if view.width() < 20 || view.height() < 20 {
            return Vec::new();
        }
        let gray = image::imageops::grayscale(view.as_ref());
        let data = rustface::ImageData::new(gray.as_raw(), gray.width(), gray.height());
        let mut faces: Vec<Face> = self
            .detector
            .detect(&data)
            .into_iter()
            .map(|info| {
                let r = info.bbox();
                let bbox =
                    BBox { x: r.x() as f32, y: r.y() as f32, width: r.width() as f32, height: r.height() as f32 };
                Face {
                    bbox,
                    score: info.score() as f32,
                    landmarks: landmarks_from_box(&bbox),
                    landmark_source: LandmarkSource::FromBox,
                    turn: Default::default(),
                }
            })
            .collect();
        scale_faces(&mut faces, back);
        sort_largest_first(&mut faces);
        faces
    }
}

/// The average landmarks of a face inside a SeetaFace box.
pub fn landmarks_from_box(bbox: &BBox) -> [Point; 5] {
    MEAN_LANDMARKS_IN_BOX.map(|(fx, fy)| Point::new(bbox.x + fx * bbox.width, bbox.y + fy * bbox.height))
}

impl Detector for SeetaDetector {
    fn name(&self) -> &'static str {
        "seeta"
    }

    async fn detect(&mut self, image: &RgbImage) -> Result<Vec<Face>> {
        Ok(self.detect_sync(image))
    }
}
