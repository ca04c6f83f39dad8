//! Embedding: aligned 112×112 crops → L2-normalised 512-d EdgeFace vectors.
//!
//! EdgeFace takes RGB scaled to [−1, 1] (`(x/255 − 0.5)/0.5`) in NCHW order. All faces of an image go
//! through the model in one batch.

use image::RgbImage;
use ndarray::Array4;
use serde::{Deserialize, Serialize};

use crate::align::ALIGNED_SIZE;
use crate::error::{Error, Result};
use crate::runtime::{OnnxModel, RuntimeOptions};

/// Length of an EdgeFace embedding.
pub const EMBEDDING_DIM: usize = 512;

/// The recognition models SimFace ships.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmbedderModel {
    /// EdgeFace-XS (γ = 0.6): the default, most accurate.
    #[default]
    EdgefaceXs,
    /// EdgeFace-XXS: about twice as fast, slightly less accurate.
    EdgefaceXxs,
    /// EdgeFace-XS with its linears quantized to int8: a third of the download, a little less exact
    /// (cosine ≥ 0.98 to XS; models/README.md).
    EdgefaceXsInt8,
    /// EdgeFace-XXS quantized the same way: the smallest (1.9 MB).
    EdgefaceXxsInt8,
}

impl EmbedderModel {
    pub const ALL: [EmbedderModel; 4] = [
        EmbedderModel::EdgefaceXs,
        EmbedderModel::EdgefaceXxs,
        EmbedderModel::EdgefaceXsInt8,
        EmbedderModel::EdgefaceXxsInt8,
    ];

    /// The name used in the manifest, reports and exported templates.
    pub fn name(self) -> &'static str {
        match self {
            EmbedderModel::EdgefaceXs => "edgeface_xs",
            EmbedderModel::EdgefaceXxs => "edgeface_xxs",
            EmbedderModel::EdgefaceXsInt8 => "edgeface_xs_int8",
            EmbedderModel::EdgefaceXxsInt8 => "edgeface_xxs_int8",
        }
    }

    /// The model by its name or short name (`edgeface_xs_int8` or `xs_int8`).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.name() == name || m.name().trim_start_matches("edgeface_") == name)
    }
}

impl std::fmt::Display for EmbedderModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for EmbedderModel {
    type Err = Error;

    /// The name or the short name (`edgeface_xs_int8` or `xs-int8`/`xs_int8`); anything else is refused.
    fn from_str(s: &str) -> Result<Self> {
        Self::from_name(&s.replace('-', "_")).ok_or_else(|| Error::UnknownModel(s.to_string()))
    }
}

/// An L2-normalised face embedding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Embedding(#[serde(deserialize_with = "crate::finite::vec")] Vec<f32>);

impl Embedding {
    /// Normalises `values` to unit length. A zero or non-finite vector (which no real face gives) is
    /// kept as zeros, so it matches nothing instead of spreading NaNs.
    pub fn normalized(mut values: Vec<f32>) -> Self {
        let norm = values.iter().map(|v| v * v).sum::<f32>().sqrt();
        if norm.is_finite() && norm > 0.0 {
            values.iter_mut().for_each(|v| *v /= norm);
        } else {
            values.iter_mut().for_each(|v| *v = 0.0);
        }
        Self(values)
    }

    pub fn as_slice(&self) -> &[f32] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// EdgeFace with its session.
#[derive(Debug)]
pub struct Embedder {
    model: OnnxModel,
    kind: EmbedderModel,
}

impl Embedder {
    /// Loads an EdgeFace ONNX model and checks its input contract.
    pub async fn from_bytes(kind: EmbedderModel, bytes: &[u8], options: RuntimeOptions) -> Result<Self> {
        let model = OnnxModel::from_bytes(kind.name(), bytes, options).await?;
        let side = i64::from(ALIGNED_SIZE);
        match model.input_shape() {
            [_, 3, h, w] if (*h == side || *h == -1) && (*w == side || *w == -1) => {}
            other => {
                return Err(Error::ModelShape {
                    name: kind.name().into(),
                    detail: format!("expected input [N,3,112,112], found {other:?}"),
                });
            }
        }
        Ok(Self { model, kind })
    }

    pub fn kind(&self) -> EmbedderModel {
        self.kind
    }

    /// Embeds aligned crops in one batch.
    pub async fn embed(&mut self, crops: &[RgbImage]) -> Result<Vec<Embedding>> {
        if crops.is_empty() {
            return Ok(Vec::new());
        }
        let input = preprocess(crops)?;
        let outputs = self.model.run(input).await?;
        let output = outputs.into_iter().next().ok_or_else(|| Error::ModelShape {
            name: self.kind.name().into(),
            detail: "the model has no output".into(),
        })?;
        if output.data.len() != crops.len() * EMBEDDING_DIM {
            return Err(Error::ModelShape {
                name: self.kind.name().into(),
                detail: format!("expected output [{}, {EMBEDDING_DIM}], found {:?}", crops.len(), output.shape),
            });
        }
        Ok(output.data.chunks_exact(EMBEDDING_DIM).map(|v| Embedding::normalized(v.to_vec())).collect())
    }
}

/// Packs aligned crops into EdgeFace's `[N, 3, 112, 112]` RGB tensor scaled to [−1, 1].
pub fn preprocess(crops: &[RgbImage]) -> Result<Array4<f32>> {
    let side = ALIGNED_SIZE as usize;
    let plane = side * side;
    let mut input = Array4::<f32>::zeros((crops.len(), 3, side, side));
    let data = input
        .as_slice_mut()
        .ok_or_else(|| Error::Inference { name: "preprocess".into(), detail: "tensor is not contiguous".into() })?;
    for (n, crop) in crops.iter().enumerate() {
        if crop.dimensions() != (ALIGNED_SIZE, ALIGNED_SIZE) {
            return Err(Error::Inference {
                name: "preprocess".into(),
                detail: format!("crop {n} is {:?}, expected 112×112", crop.dimensions()),
            });
        }
        let base = n * 3 * plane;
        for (i, px) in crop.pixels().enumerate() {
            for c in 0..3 {
                data[base + c * plane + i] = f32::from(px[c]) / 127.5 - 1.0;
            }
        }
    }
    Ok(input)
}
