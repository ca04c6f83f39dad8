//! YuNet, the main detector (OpenCV Zoo `face_detection_yunet`, MIT).
//!
//! The model is anchor-free: for each stride (8, 16, 32) and each cell of that stride's grid it predicts a
//! class score, an objectness score, a box (centre offset in cells, log size in strides) and five
//! landmarks (offsets in cells). Decoding follows OpenCV's `FaceDetectorYN` so results match the
//! reference pipeline: score = √(cls·obj), greedy NMS at IoU 0.3, input BGR 0..255 padded with zeros on
//! the right and bottom to multiples of 32.

use image::RgbImage;
use ndarray::Array4;

use super::{BBox, Detector, Face, LandmarkSource, Point, non_maximum_suppression, scale_faces, sort_largest_first};
use crate::decode::downscale_for_detection;
use crate::error::{Error, Result};
use crate::runtime::{OnnxModel, Output, RuntimeOptions};

const STRIDES: [usize; 3] = [8, 16, 32];

/// YuNet's settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct YuNetConfig {
    /// Images whose longer side exceeds this are downscaled before detection (0: never). 640 finds
    /// faces down to about 10 px in a 640 px frame; raise it for big group photos.
    pub max_side: u32,
    /// Faces scoring below this are dropped (OpenCV's default 0.9 misses many group-photo faces; the
    /// reference pipeline uses 0.6).
    pub score_threshold: f32,
    /// Overlap above which the weaker of two faces is suppressed.
    pub nms_threshold: f32,
}

impl Default for YuNetConfig {
    fn default() -> Self {
        Self { max_side: 640, score_threshold: 0.6, nms_threshold: 0.3 }
    }
}

/// The YuNet detector with its session.
#[derive(Debug)]
pub struct YuNet {
    model: OnnxModel,
    /// Fixed input size `(w, h)` when the model does not accept dynamic sizes.
    fixed_input: Option<(usize, usize)>,
    pub config: YuNetConfig,
}

impl YuNet {
    /// Loads YuNet from the bytes of its ONNX file and checks that it has YuNet's outputs.
    pub async fn from_bytes(bytes: &[u8], config: YuNetConfig, options: RuntimeOptions) -> Result<Self> {
        let model = OnnxModel::from_bytes("yunet", bytes, options).await?;
        let shape_error = |detail: String| Error::ModelShape { name: "yunet".into(), detail };
        let shape = model.input_shape();
        if shape.len() != 4 || (shape[1] != 3 && shape[1] != -1) {
            return Err(shape_error(format!("expected input [1,3,H,W], found {shape:?}")));
        }
        for stride in STRIDES {
            for head in ["cls", "obj", "bbox", "kps"] {
                let name = format!("{head}_{stride}");
                if !model.output_names().contains(&name) {
                    return Err(shape_error(format!("output {name} is missing")));
                }
            }
        }
        let fixed_input = (shape[2] > 0 && shape[3] > 0).then(|| (shape[3] as usize, shape[2] as usize));
        Ok(Self { model, fixed_input, config })
    }

    /// The model input for an image at detection resolution: the image padded (or, for a fixed-size
    /// model, letterboxed) into a BGR tensor; also the input size and the factors from input pixels
    /// back to the image's.
    fn prepare(&self, image: &RgbImage) -> (Array4<f32>, (usize, usize), (f32, f32)) {
        let (w, h) = (image.width() as usize, image.height() as usize);
        let Some((input_w, input_h)) = self.fixed_input else {
            let size = (w.div_ceil(32).max(1) * 32, h.div_ceil(32).max(1) * 32);
            return (bgr_planar(image, size.0, size.1), size, (1.0, 1.0));
        };
        let fit = (input_w as f32 / w as f32).min(input_h as f32 / h as f32);
        let rw = ((w as f32 * fit).round() as u32).clamp(1, input_w as u32);
        let rh = ((h as f32 * fit).round() as u32).clamp(1, input_h as u32);
        let resized = image::imageops::resize(image, rw, rh, image::imageops::FilterType::Triangle);
        let back = (w as f32 / rw as f32, h as f32 / rh as f32);
        (bgr_planar(&resized, input_w, input_h), (input_w, input_h), back)
    }

    /// Exactly the tensor [`Detector::detect`] feeds the model for `image` (for benchmarks).
    pub fn input_tensor(&self, image: &RgbImage) -> Array4<f32> {
        let (view, _) = downscale_for_detection(image, self.config.max_side);
        self.prepare(&view).0
    }

    /// Detection on an image that is already at detection resolution; coordinates are in its pixels.
    async fn detect_at_scale(&mut self, image: &RgbImage) -> Result<Vec<Face>> {
        let (input, (input_w, input_h), back) = self.prepare(image);
        let outputs = self.model.run(input).await?;
        let mut faces = decode(&outputs, input_w, input_h, self.config.score_threshold)?;
        faces = non_maximum_suppression(faces, self.config.nms_threshold);
        if back != (1.0, 1.0) {
            scale_faces(&mut faces, back);
        }
        Ok(faces)
    }
}

impl Detector for YuNet {
    fn name(&self) -> &'static str {
        "yunet"
    }

    async fn detect(&mut self, image: &RgbImage) -> Result<Vec<Face>> {
        let (view, back) = downscale_for_detection(image, self.config.max_side);
        let mut faces = self.detect_at_scale(&view).await?;
        scale_faces(&mut faces, back);
        sort_largest_first(&mut faces);
        Ok(faces)
    }
}

/// Packs `image` into a zero-padded `[1, 3, h, w]` BGR tensor with values 0..255.
fn bgr_planar(image: &RgbImage, w: usize, h: usize) -> Array4<f32> {
    let mut input = Array4::<f32>::zeros((1, 3, h, w));
    let plane = w * h;
    let iw = (image.width() as usize).min(w);
    // The array is freshly allocated in standard layout, so the slice always exists.
    if let Some(data) = input.as_slice_mut() {
        let (b, rest) = data.split_at_mut(plane);
        let (g, r) = rest.split_at_mut(plane);
        // `max(1)`: an image without pixels has no rows (and `chunks_exact(0)` would panic).
        for (y, row) in image.as_raw().chunks_exact(image.width().max(1) as usize * 3).take(h).enumerate() {
            let o = y * w;
            for (x, px) in row.chunks_exact(3).take(iw).enumerate() {
                r[o + x] = f32::from(px[0]);
                g[o + x] = f32::from(px[1]);
                b[o + x] = f32::from(px[2]);
            }
        }
    }
    input
}

/// Decodes the three heads into faces in input-pixel coordinates (before NMS).
///
/// Public, but not part of the API, for the fuzz target `yunet_decode` (fuzz/), which feeds it arbitrary
/// tensors without a model.
#[doc(hidden)]
pub fn decode(outputs: &[Output], input_w: usize, input_h: usize, score_threshold: f32) -> Result<Vec<Face>> {
    let get = |name: String, channels: usize, cells: usize| -> Result<&[f32]> {
        let out = outputs
            .iter()
            .find(|o| o.name == name)
            .ok_or_else(|| Error::ModelShape { name: "yunet".into(), detail: format!("output {name} is missing") })?;
        if out.data.len() != channels * cells {
            return Err(Error::ModelShape {
                name: "yunet".into(),
                detail: format!("output {name} has {} values, expected {cells}×{channels}", out.data.len()),
            });
        }
        Ok(&out.data)
    };
    let mut faces = Vec::new();
    for stride in STRIDES {
        let (cols, rows) = (input_w / stride, input_h / stride);
        let cells = cols * rows;
        let cls = get(format!("cls_{stride}"), 1, cells)?;
        let obj = get(format!("obj_{stride}"), 1, cells)?;
        let bbox = get(format!("bbox_{stride}"), 4, cells)?;
        let kps = get(format!("kps_{stride}"), 10, cells)?;
        let s = stride as f32;
        for idx in 0..cells {
            let score = (cls[idx].clamp(0.0, 1.0) * obj[idx].clamp(0.0, 1.0)).sqrt();
            // A NaN output (clamp keeps NaN) would give a face that every comparison lets through.
            if score.is_nan() || score < score_threshold {
                continue;
            }
            let (c, r) = ((idx % cols) as f32, (idx / cols) as f32);
            let b = &bbox[idx * 4..idx * 4 + 4];
            let (cx, cy) = ((c + b[0]) * s, (r + b[1]) * s);
            let (bw, bh) = (b[2].exp() * s, b[3].exp() * s);
            if !(cx.is_finite() && cy.is_finite() && bw.is_finite() && bh.is_finite()) {
                continue;
            }
            let k = &kps[idx * 10..idx * 10 + 10];
            let landmarks = std::array::from_fn(|n| Point::new((k[2 * n] + c) * s, (k[2 * n + 1] + r) * s));
            faces.push(Face {
                bbox: BBox { x: cx - bw / 2.0, y: cy - bh / 2.0, width: bw, height: bh },
                score,
                landmarks,
                landmark_source: LandmarkSource::Detected,
                turn: Default::default(),
            });
        }
    }
    Ok(faces)
}
