//! The one JSON shape of a face, written by the CLI (`detect`, `embed`, `compare`, `quality --json`) and by
//! the web app's "Download JSON": the same field names and units everywhere, so a file from either can be
//! read by the same code.

use serde::{Deserialize, Serialize};

use crate::detect::{BBox, Face, LandmarkSource, Point, Turn};
use crate::embed::{EmbedderModel, Embedding};
use crate::liveness::Liveness;
use crate::quality::Quality;

/// A face as SimFace reports it. Coordinates are pixels of the full-resolution upright image (see
/// [`crate::detect`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaceRecord {
    /// Position in the detector's order (0 = largest face).
    pub index: usize,
    pub bbox: BBox,
    #[serde(deserialize_with = "crate::finite::f32")]
    pub score: f32,
    /// The five landmarks in the ArcFace order.
    pub landmarks: [Point; 5],
    pub landmark_source: LandmarkSource,
    /// The quarter turn (degrees clockwise: 0, 90, 180, 270) of the image at which the detector found the face
    /// upright ([`Face::turn`]); coordinates are the upright image's whatever it is.
    #[serde(default)]
    pub rotation: Turn,
    /// The quality gate's verdict, when it was judged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<Quality>,
    /// The model that made `embedding`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<EmbedderModel>,
    /// The L2-normalised embedding, when one was computed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embedding: Option<Embedding>,
    /// Whether the face is a live person or a photo or screen held up to the camera, when it was checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liveness: Option<Liveness>,
}

impl FaceRecord {
    /// The record of face `index` as detected.
    pub fn new(index: usize, face: &Face) -> Self {
        Self {
            index,
            bbox: face.bbox,
            score: face.score,
            landmarks: face.landmarks,
            landmark_source: face.landmark_source,
            rotation: face.turn,
            quality: None,
            model: None,
            embedding: None,
            liveness: None,
        }
    }

    pub fn with_liveness(mut self, liveness: Liveness) -> Self {
        self.liveness = Some(liveness);
        self
    }

    pub fn with_quality(mut self, quality: Quality) -> Self {
        self.quality = Some(quality);
        self
    }

    pub fn with_embedding(mut self, model: EmbedderModel, embedding: Embedding) -> Self {
        self.model = Some(model);
        self.embedding = Some(embedding);
        self
    }
}

/// The faces of one image file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageRecord {
    /// The file's name (or path, for the CLI).
    pub file: String,
    pub width: u32,
    pub height: u32,
    pub faces: Vec<FaceRecord>,
}
