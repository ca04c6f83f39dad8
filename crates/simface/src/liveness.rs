//! Liveness: is the face in front of the camera a live person, or a photo or a screen held up to it?
//! Presentation-attack detection (PAD) with minivision's Silent-Face-Anti-Spoofing models (Apache-2.0):
//! MiniFASNetV2 and MiniFASNetV1SE, ~0.43 M parameters each.
//!
//! Each model sees the face's box enlarged about its centre (2.7× for V2, 4.0× for V1SE: the second one sees
//! more of the surroundings, where a phone's or a print's edges show), shrunk to what fits in the image and
//! clipped to it, cut out of the full-resolution image and resized to 80×80 (bilinear, OpenCV's
//! `INTER_LINEAR` sampling: see [`crop`]). Both models have a fixed batch of 1, so each face is two runs.
//! Input: BGR, raw 0..255 floats, NCHW, no normalisation. Output: three logits; after softmax class 1 is
//! "real", classes 0 and 2 are two kinds of attack. The two models' softmax outputs are averaged, as in
//! minivision's `test.py`.
//!
//! The decision is "live" when the averaged real-class probability is at least [`DEFAULT_THRESHOLD`] (0.5): the
//! real class then holds the majority of the probability, so it is also the arg-max (minivision's rule), and
//! a real class that merely leads (0.40 against 0.30 and 0.30) is not enough. It was set before looking at
//! our photos, not fitted to them.
//!
//! Single-frame PAD on an RGB camera raises the bar against casual attacks (a printed photo, a phone screen);
//! it is not a security guarantee (deep fakes, good masks and injected video streams pass it).

use image::RgbImage;
use ndarray::Array4;

use crate::detect::{BBox, Face};
use crate::error::{Error, Result};
use crate::runtime::{OnnxModel, RuntimeOptions};

/// Side of the square crop both models take.
pub const CROP_SIZE: u32 = 80;

/// The averaged real-class probability at and above which a face counts as live.
pub const DEFAULT_THRESHOLD: f32 = 0.5;

/// One of the two anti-spoofing models (in JSON by its manifest name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum LivenessModel {
    #[serde(rename = "minifasnet_v2")]
    MiniFasNetV2,
    #[serde(rename = "minifasnet_v1se")]
    MiniFasNetV1Se,
}

impl LivenessModel {
    pub const ALL: [LivenessModel; 2] = [LivenessModel::MiniFasNetV2, LivenessModel::MiniFasNetV1Se];

    /// The model's name in the manifest and in reports.
    pub fn name(self) -> &'static str {
        match self {
            LivenessModel::MiniFasNetV2 => "minifasnet_v2",
            LivenessModel::MiniFasNetV1Se => "minifasnet_v1se",
        }
    }

    /// How much larger than the face's box the model's view is (about the box's centre).
    pub fn scale(self) -> f32 {
        match self {
            LivenessModel::MiniFasNetV2 => 2.7,
            LivenessModel::MiniFasNetV1Se => 4.0,
        }
    }
}

/// What each model said about one face.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ModelVerdict {
    pub model: LivenessModel,
    /// The model's softmax over (attack, real, attack).
    #[serde(deserialize_with = "crate::finite::array")]
    pub probabilities: [f32; 3],
}

/// The liveness of one face.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Liveness {
    /// The real-class probability, averaged over the models.
    #[serde(deserialize_with = "crate::finite::f32")]
    pub real: f32,
    /// `real >= threshold`.
    pub live: bool,
    #[serde(deserialize_with = "crate::finite::f32")]
    pub threshold: f32,
    pub models: Vec<ModelVerdict>,
}

/// The region of a `width × height` image one model sees for a face's box: the box scaled by `scale` about its
/// centre (the scale lowered to what fits in the image), its corners truncated to whole pixels and clipped to
/// the image, as the ONNX export's own inference code does (yakhyo/face-anti-spoofing `crop_face`, with the
/// detector's box as floats). minivision's original `CropImage` moves a box that sticks out back inside the
/// image instead of clipping it; the Python reference the shared README quotes clips (its 0.07 for F1 and
/// 0.01 for F2 come out only that way: moving gives 0.23 and 0.002). Inclusive corners `(x0, y0, x1, y1)`.
pub fn crop_box(bbox: &BBox, width: u32, height: u32, scale: f32) -> Option<(u32, u32, u32, u32)> {
    let (src_w, src_h) = (width as f32, height as f32);
    if !(bbox.width > 0.0 && bbox.height > 0.0) || width < 2 || height < 2 {
        return None;
    }
    let scale = scale.min((src_h - 1.0) / bbox.height).min((src_w - 1.0) / bbox.width);
    let (new_w, new_h) = (bbox.width * scale, bbox.height * scale);
    let (cx, cy) = (bbox.x + bbox.width / 2.0, bbox.y + bbox.height / 2.0);
    let corners = [cx - new_w / 2.0, cy - new_h / 2.0, cx + new_w / 2.0, cy + new_h / 2.0];
    if corners.iter().any(|v| !v.is_finite()) {
        return None;
    }
    // Python's int() truncates towards zero, then max(0, …) and min(side − 1, …).
    let [x0, y0, x1, y1] = corners.map(|v| v.trunc().max(0.0) as u32);
    let (x1, y1) = (x1.min(width - 1), y1.min(height - 1));
    (x0 <= x1 && y0 <= y1).then_some((x0, y0, x1, y1))
}

/// [`crop`] of `face`, turned upright: a face found in a photo turned by a quarter ([`Face::turn`]) lies on
/// its side in the region, and the models were trained on upright faces (a sideways live face reads as an
/// attack). Turning the 80×80 crop moves pixels exactly; it differs from cutting the region out of the turned
/// photo only by where the region's corners are cut to whole pixels.
pub fn upright_crop(image: &RgbImage, face: &Face, model: LivenessModel) -> Option<RgbImage> {
    crop(image, &face.bbox, model).map(|c| face.turn.apply(&c))
}

/// The 80×80 view one model takes of a face: [`crop_box`] cut out of the image and resized with OpenCV's
/// `INTER_LINEAR` sampling (source coordinate `(d + 0.5) · s − 0.5`, clamped to the edge; no anti-aliasing,
/// as `cv2.resize`), computed in floating point and rounded once. OpenCV uses 11-bit fixed-point weights, so a
/// pixel may differ by a grey level: tools/liveness_reference.py compares the crops of every sample and shared
/// portrait with cv2.resize of the same region and finds them within 1 grey level.
pub fn crop(image: &RgbImage, bbox: &BBox, model: LivenessModel) -> Option<RgbImage> {
    let (x0, y0, x1, y1) = crop_box(bbox, image.width(), image.height(), model.scale())?;
    let (cw, ch) = (x1 - x0 + 1, y1 - y0 + 1);
    let (sx, sy) = (cw as f32 / CROP_SIZE as f32, ch as f32 / CROP_SIZE as f32);
    // For each output column (row): the two source columns (rows) inside the crop and the weight of the second.
    let taps = |n: u32, s: f32, len: u32| -> Vec<(u32, u32, f32)> {
        (0..n)
            .map(|d| {
                let f = ((d as f32 + 0.5) * s - 0.5).max(0.0);
                let i = (f.floor() as u32).min(len - 1);
                let w = if i + 1 < len { f - i as f32 } else { 0.0 };
                (i, (i + 1).min(len - 1), w)
            })
            .collect()
    };
    let (xs, ys) = (taps(CROP_SIZE, sx, cw), taps(CROP_SIZE, sy, ch));
    let px = |x: u32, y: u32| image.get_pixel(x0 + x, y0 + y).0.map(f32::from);
    Some(RgbImage::from_fn(CROP_SIZE, CROP_SIZE, |u, v| {
        let (xa, xb, wx) = xs[u as usize];
        let (ya, yb, wy) = ys[v as usize];
        let (tl, tr, bl, br) = (px(xa, ya), px(xb, ya), px(xa, yb), px(xb, yb));
        image::Rgb(std::array::from_fn(|c| {
            let top = tl[c] + (tr[c] - tl[c]) * wx;
            let bottom = bl[c] + (br[c] - bl[c]) * wx;
            (top + (bottom - top) * wy).round().clamp(0.0, 255.0) as u8
        }))
    }))
}

/// Packs an 80×80 crop into the models' input: `[1, 3, 80, 80]`, BGR, raw 0..255.
fn input_tensor(crop: &RgbImage) -> Array4<f32> {
    let side = CROP_SIZE as usize;
    Array4::from_shape_fn((1, 3, side, side), |(_, c, y, x)| f32::from(crop.get_pixel(x as u32, y as u32)[2 - c]))
}

fn softmax(logits: &[f32]) -> [f32; 3] {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let e: Vec<f32> = logits.iter().map(|v| (v - max).exp()).collect();
    let sum: f32 = e.iter().sum();
    std::array::from_fn(|i| e[i] / sum)
}

/// Both anti-spoofing models with their sessions.
#[derive(Debug)]
pub struct LivenessChecker {
    models: Vec<(LivenessModel, OnnxModel)>,
    pub threshold: f32,
}

impl LivenessChecker {
    /// Loads both models from the bytes of their ONNX files (V2 first, then V1SE) and checks their shapes.
    pub async fn from_bytes(v2: &[u8], v1se: &[u8], options: RuntimeOptions) -> Result<Self> {
        let mut models = Vec::with_capacity(2);
        for (kind, bytes) in LivenessModel::ALL.into_iter().zip([v2, v1se]) {
            let model = OnnxModel::from_bytes(kind.name(), bytes, options).await?;
            let shape = model.input_shape();
            let side = i64::from(CROP_SIZE);
            if shape.len() != 4 || shape[1..] != [3, side, side] {
                return Err(Error::ModelShape {
                    name: kind.name().into(),
                    detail: format!("expected input [1,3,80,80], found {shape:?}"),
                });
            }
            models.push((kind, model));
        }
        Ok(Self { models, threshold: DEFAULT_THRESHOLD })
    }

    /// Loads both models from a directory (natively; blocks).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn from_dir(dir: &std::path::Path, options: RuntimeOptions) -> Result<Self> {
        use crate::models::read_model_file;
        let v2 = read_model_file(dir, LivenessModel::MiniFasNetV2.file_name())?;
        let v1se = read_model_file(dir, LivenessModel::MiniFasNetV1Se.file_name())?;
        pollster::block_on(Self::from_bytes(&v2, &v1se, options))
    }

    /// The liveness of `face` in `image` (the full-resolution image the face was found in).
    pub async fn check(&mut self, image: &RgbImage, face: &Face) -> Result<Liveness> {
        let mut crops = Vec::with_capacity(LivenessModel::ALL.len());
        for model in LivenessModel::ALL {
            crops.push(upright_crop(image, face, model).ok_or(Error::DegenerateLandmarks)?);
        }
        self.check_crops(&crops).await
    }

    /// The liveness of a face from its two 80×80 model inputs, made elsewhere the way [`upright_crop`] makes
    /// them (the web app lets the browser cut them out of the full-resolution photo): `crops[i]` is the input
    /// of [`LivenessModel::ALL`]`[i]`, upright.
    pub async fn check_crops(&mut self, crops: &[RgbImage]) -> Result<Liveness> {
        if crops.len() != self.models.len() || crops.iter().any(|c| c.dimensions() != (CROP_SIZE, CROP_SIZE)) {
            return Err(Error::RegionSize {
                expected: (CROP_SIZE, CROP_SIZE),
                found: crops.first().map_or((0, 0), RgbImage::dimensions),
            });
        }
        let mut verdicts = Vec::with_capacity(self.models.len());
        for ((kind, model), crop) in self.models.iter_mut().zip(crops) {
            let outputs = model.run(input_tensor(crop)).await?;
            let logits = outputs.first().map(|o| o.data.as_slice()).unwrap_or_default();
            if logits.len() != 3 || logits.iter().any(|v| !v.is_finite()) {
                return Err(Error::ModelShape {
                    name: kind.name().into(),
                    detail: format!("expected 3 finite logits, found {logits:?}"),
                });
            }
            verdicts.push(ModelVerdict { model: *kind, probabilities: softmax(logits) });
        }
        let real = verdicts.iter().map(|v| v.probabilities[1]).sum::<f32>() / verdicts.len().max(1) as f32;
        Ok(Liveness { real, live: real >= self.threshold, threshold: self.threshold, models: verdicts })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_view_grows_about_the_centre_and_stays_inside_the_image() {
        let bbox = BBox { x: 100.0, y: 100.0, width: 50.0, height: 60.0 };
        // 2.7× fits: centred on (125, 130).
        let (x0, y0, x1, y1) = crop_box(&bbox, 640, 480, 2.7).unwrap();
        assert_eq!((x0, y0, x1, y1), (57, 49, 192, 211));
        // Near the left edge the view is clipped to the image (centred on x = 30: −37.5 … 97.5).
        let edge = BBox { x: 5.0, ..bbox };
        let (x0, _, x1, _) = crop_box(&edge, 640, 480, 2.7).unwrap();
        assert_eq!((x0, x1), (0, 97));
        // A box that cannot be enlarged 4× in a small image gets the largest scale that fits (119 / 60), and
        // what sticks out is clipped.
        let (x0, y0, x1, y1) = crop_box(&bbox, 160, 120, 4.0).unwrap();
        assert_eq!((x0, y0, x1, y1), (75, 70, 159, 119));
        assert!(crop_box(&BBox { width: 0.0, ..bbox }, 640, 480, 2.7).is_none());
        assert!(crop_box(&BBox { x: f32::NAN, ..bbox }, 640, 480, 2.7).is_none());
    }

    #[test]
    fn a_flat_image_crops_flat_and_softmax_sums_to_one() {
        let image = RgbImage::from_pixel(300, 200, image::Rgb([10, 120, 250]));
        let bbox = BBox { x: 120.0, y: 70.0, width: 40.0, height: 50.0 };
        let c = crop(&image, &bbox, LivenessModel::MiniFasNetV1Se).unwrap();
        assert_eq!(c.dimensions(), (CROP_SIZE, CROP_SIZE));
        assert!(c.pixels().all(|p| p.0 == [10, 120, 250]));
        let t = input_tensor(&c);
        assert_eq!((t[[0, 0, 5, 5]], t[[0, 2, 5, 5]]), (250.0, 10.0), "BGR order");
        let p = softmax(&[1.0, 3.0, -2.0]);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-6 && p[1] > p[0] && p[0] > p[2]);
    }
}
