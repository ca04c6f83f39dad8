//! The whole pipeline behind one small API, used by the CLI and the web app alike:
//! [`FacePipeline::detect_faces`], [`FacePipeline::align_faces`], [`FacePipeline::embed_faces`],
//! [`FacePipeline::analyze`] (all three), and the free functions [`verification_score`] and
//! [`identification_scores`].

use image::RgbImage;

use crate::align::align_face;
use crate::decode::downscale_for_detection;
use crate::detect::rotation::{detect_any_angle, detect_at_turn};
use crate::detect::{
    Detector, DetectorKind, Face, RotationConfig, SeetaDetector, Turn, YuNet, YuNetConfig, scale_faces,
    seeta::SeetaConfig,
};
use crate::embed::{Embedder, EmbedderModel, Embedding};
use crate::error::{Error, Result};
use crate::matching::{Candidate, Verdict, calibrated_threshold, cosine_similarity, rank, verify};
use crate::runtime::RuntimeOptions;

/// Everything that can be chosen about a pipeline.
#[derive(Debug, Clone, Copy, Default)]
pub struct PipelineConfig {
    pub detector: DetectorKind,
    pub embedder: EmbedderModel,
    pub yunet: YuNetConfig,
    pub seeta: SeetaConfig,
    /// Faces at any angle (on by default; [`crate::detect::rotation`]).
    pub rotation: RotationConfig,
    pub runtime: RuntimeOptions,
}

impl PipelineConfig {
    /// The longer image side either detector works at (larger finds smaller faces, slower).
    pub fn with_max_side(mut self, max_side: u32) -> Self {
        self.yunet.max_side = max_side;
        self.seeta.max_side = max_side;
        self
    }
}

/// The model files' bytes; only the chosen detector's model is required.
#[derive(Debug, Clone, Copy)]
pub struct ModelBytes<'a> {
    pub yunet: Option<&'a [u8]>,
    pub seeta: Option<&'a [u8]>,
    pub embedder: &'a [u8],
}

/// One of the detectors, chosen at run time.
#[derive(Debug)]
pub enum AnyDetector {
    Yunet(YuNet),
    Seeta(SeetaDetector),
}

impl Detector for AnyDetector {
    fn name(&self) -> &'static str {
        match self {
            AnyDetector::Yunet(d) => d.name(),
            AnyDetector::Seeta(d) => d.name(),
        }
    }

    async fn detect(&mut self, image: &RgbImage) -> Result<Vec<Face>> {
        match self {
            AnyDetector::Yunet(d) => d.detect(image).await,
            AnyDetector::Seeta(d) => d.detect(image).await,
        }
    }
}

/// A face with its aligned crop and embedding.
#[derive(Debug, Clone)]
pub struct AnalyzedFace {
    pub face: Face,
    pub aligned: RgbImage,
    pub embedding: Embedding,
}

/// An image without pixels (zero width or height) is refused with a typed error before any detector sees it.
fn no_pixels(image: &RgbImage) -> Result<()> {
    if image.width() == 0 || image.height() == 0 {
        return Err(Error::CorruptImage("the image has no pixels".into()));
    }
    Ok(())
}

/// Detector + aligner + embedder.
#[derive(Debug)]
pub struct FacePipeline {
    detector: AnyDetector,
    embedder: Embedder,
    rotation: RotationConfig,
}

impl FacePipeline {
    /// Builds the pipeline from model bytes (natively read from files, in the browser fetched).
    pub async fn new(models: ModelBytes<'_>, config: PipelineConfig) -> Result<Self> {
        let missing =
            |kind: DetectorKind| Error::ModelMissing { name: kind.model_name().into(), path: kind.file_name().into() };
        let detector = match config.detector {
            DetectorKind::Yunet => {
                let bytes = models.yunet.ok_or_else(|| missing(DetectorKind::Yunet))?;
                AnyDetector::Yunet(YuNet::from_bytes(bytes, config.yunet, config.runtime).await?)
            }
            DetectorKind::Seeta => {
                let bytes = models.seeta.ok_or_else(|| missing(DetectorKind::Seeta))?;
                AnyDetector::Seeta(SeetaDetector::from_bytes(bytes, config.seeta)?)
            }
        };
        let embedder = Embedder::from_bytes(config.embedder, models.embedder, config.runtime).await?;
        // SeetaFace's scores have no fixed scale: any face it finds upright is enough.
        let rotation = match config.detector {
            DetectorKind::Yunet => config.rotation,
            DetectorKind::Seeta => RotationConfig { strong_score: None, ..config.rotation },
        };
        Ok(Self { detector, embedder, rotation })
    }

    /// Loads the models the configuration needs from a directory (natively; blocks).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn from_dir(dir: &std::path::Path, config: PipelineConfig) -> Result<Self> {
        use crate::models::read_model_file;
        let detector = read_model_file(dir, config.detector.file_name())?;
        let (yunet, seeta) = match config.detector {
            DetectorKind::Yunet => (Some(detector), None),
            DetectorKind::Seeta => (None, Some(detector)),
        };
        let embedder = read_model_file(dir, config.embedder.file_name())?;
        let models = ModelBytes { yunet: yunet.as_deref(), seeta: seeta.as_deref(), embedder: &embedder };
        pollster::block_on(Self::new(models, config))
    }

    pub fn detector(&self) -> &AnyDetector {
        &self.detector
    }

    pub fn detector_mut(&mut self) -> &mut AnyDetector {
        &mut self.detector
    }

    /// Changes the longer image side the detector works at, for the next images (no model is reloaded).
    pub fn set_max_side(&mut self, max_side: u32) {
        match &mut self.detector {
            AnyDetector::Yunet(d) => d.config.max_side = max_side,
            AnyDetector::Seeta(d) => d.config.max_side = max_side,
        }
    }

    /// The longer image side the detector works at.
    pub fn max_side(&self) -> u32 {
        match &self.detector {
            AnyDetector::Yunet(d) => d.config.max_side,
            AnyDetector::Seeta(d) => d.config.max_side,
        }
    }

    pub fn detector_name(&self) -> &'static str {
        self.detector.name()
    }

    pub fn embedder_model(&self) -> EmbedderModel {
        self.embedder.kind()
    }

    /// The decision threshold of this pipeline's embedder.
    pub fn threshold(&self) -> f32 {
        calibrated_threshold(self.embedder.kind())
    }

    /// Turns the search at other angles on or off ([`crate::detect::rotation`]), for the next images.
    pub fn set_rotation(&mut self, enabled: bool) {
        self.rotation.enabled = enabled;
    }

    /// All faces in the image at any angle, largest first. The image is scaled down for detection first, so
    /// the turned copies a retry needs are of the small view.
    pub async fn detect_faces(&mut self, image: &RgbImage) -> Result<Vec<Face>> {
        no_pixels(image)?;
        let (view, back) = downscale_for_detection(image, self.max_side());
        let mut faces = detect_any_angle(&mut self.detector, &view, &self.rotation).await?;
        if back != (1.0, 1.0) {
            scale_faces(&mut faces, back);
        }
        Ok(faces)
    }

    /// All faces in the image turned by `turn` (one detection pass, no search), in the image's coordinates: a
    /// camera's frames keep the turn an earlier [`FacePipeline::detect_faces`] found.
    pub async fn detect_faces_at_turn(&mut self, image: &RgbImage, turn: Turn) -> Result<Vec<Face>> {
        no_pixels(image)?;
        let (view, back) = downscale_for_detection(image, self.max_side());
        let mut faces = detect_at_turn(&mut self.detector, &view, turn).await?;
        if back != (1.0, 1.0) {
            scale_faces(&mut faces, back);
        }
        Ok(faces)
    }

    /// All faces of an image that someone else already scaled down for detection (the web app lets the
    /// browser decode and scale a photo): `view` is that image, `full_size` the size of the image it was
    /// scaled from; the faces' coordinates are the full-size image's. Largest first.
    pub async fn detect_faces_in_view(&mut self, view: &RgbImage, full_size: (u32, u32)) -> Result<Vec<Face>> {
        no_pixels(view)?;
        let mut faces = detect_any_angle(&mut self.detector, view, &self.rotation).await?;
        let back = (full_size.0 as f32 / view.width() as f32, full_size.1 as f32 / view.height() as f32);
        if back != (1.0, 1.0) {
            scale_faces(&mut faces, back);
        }
        Ok(faces)
    }

    /// The aligned 112×112 crop of each face, sampled from the full-resolution image.
    pub fn align_faces(image: &RgbImage, faces: &[Face]) -> Result<Vec<RgbImage>> {
        faces.iter().map(|f| align_face(image, &f.landmarks)).collect()
    }

    /// Embeds aligned crops, all in one model run.
    pub async fn embed_faces(&mut self, crops: &[RgbImage]) -> Result<Vec<Embedding>> {
        self.embedder.embed(crops).await
    }

    /// Detect, align and embed every face. Faces whose landmarks are degenerate are skipped.
    pub async fn analyze(&mut self, image: &RgbImage) -> Result<Vec<AnalyzedFace>> {
        // Each face is aligned once; those whose landmarks cannot be aligned are dropped with their crop.
        let (faces, crops): (Vec<Face>, Vec<RgbImage>) = self
            .detect_faces(image)
            .await?
            .into_iter()
            .filter_map(|face| align_face(image, &face.landmarks).ok().map(|crop| (face, crop)))
            .unzip();
        let embeddings = self.embed_faces(&crops).await?;
        Ok(faces
            .into_iter()
            .zip(crops)
            .zip(embeddings)
            .map(|((face, aligned), embedding)| AnalyzedFace { face, aligned, embedding })
            .collect())
    }

    /// The embedding of one face of an image (`index` 0 is the largest face).
    pub async fn embed_face(&mut self, image: &RgbImage, index: usize) -> Result<AnalyzedFace> {
        let faces = self.detect_faces(image).await?;
        if faces.is_empty() {
            return Err(Error::NoFace);
        }
        let count = faces.len();
        let face = faces.into_iter().nth(index).ok_or(Error::NoSuchFace { index, count })?;
        let aligned = align_face(image, &face.landmarks)?;
        let embedding = self.embed_faces(std::slice::from_ref(&aligned)).await?.pop().ok_or(Error::NoFace)?;
        Ok(AnalyzedFace { face, aligned, embedding })
    }
}

/// 1:1 verification of two embeddings at a model's calibrated threshold.
pub fn verification_score(a: &Embedding, b: &Embedding, model: EmbedderModel) -> Result<Verdict> {
    Ok(verify(cosine_similarity(a, b)?, calibrated_threshold(model)))
}

/// 1:N identification: gallery indices ranked by similarity to the probe.
pub fn identification_scores(probe: &Embedding, gallery: &[Embedding]) -> Result<Vec<Candidate>> {
    rank(probe, gallery)
}
