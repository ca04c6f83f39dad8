//! Alignment: five landmarks → the 112×112 face crop EdgeFace was trained on.
//!
//! The template is InsightFace's ArcFace reference (`arcface_dst` in `insightface/utils/face_align.py`):
//! the five landmarks of an average face in a 112×112 crop, image-left eye first. A least-squares
//! similarity transform (rotation, uniform scale, translation — never shear, never a reflection) maps
//! the detected landmarks onto it, and the crop is sampled from the full-resolution image with
//! bilinear interpolation. Coordinates follow the crate convention (pixel centres at integer
//! coordinates, as in OpenCV's `warpAffine`).

use image::{Rgb, Rgb32FImage, RgbImage};
use imageproc::geometric_transformations::{Border, Interpolation, Projection, warp_into};

use crate::detect::Point;
use crate::error::{Error, Result};

/// Side of the aligned crop, in pixels.
pub const ALIGNED_SIZE: u32 = 112;

/// ArcFace 112×112 landmark template: right eye, left eye, nose tip, right and left mouth corner
/// (subject's right first, so image-left first).
pub const ARCFACE_TEMPLATE: [Point; 5] = [
    Point::new(38.2946, 51.6963),
    Point::new(73.5318, 51.5014),
    Point::new(56.0252, 71.7366),
    Point::new(41.5493, 92.3655),
    Point::new(70.7299, 92.2041),
];

/// A similarity transform `p' = s·R(θ)·p + t`, stored as `x' = a·x − b·y + tx`, `y' = b·x + a·y + ty`
/// with `a = s·cos θ`, `b = s·sin θ`. This parametrisation cannot express a reflection or shear.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Similarity {
    pub a: f64,
    pub b: f64,
    pub tx: f64,
    pub ty: f64,
}

impl Similarity {
    pub fn scale(&self) -> f64 {
        self.a.hypot(self.b)
    }

    /// Rotation angle in radians.
    pub fn angle(&self) -> f64 {
        self.b.atan2(self.a)
    }

    pub fn apply(&self, p: Point) -> Point {
        let (x, y) = (f64::from(p.x), f64::from(p.y));
        Point::new((self.a * x - self.b * y + self.tx) as f32, (self.b * x + self.a * y + self.ty) as f32)
    }

    fn apply_f64(&self, x: f64, y: f64) -> (f64, f64) {
        (self.a * x - self.b * y + self.tx, self.b * x + self.a * y + self.ty)
    }

    /// The inverse transform, `None` when the scale is zero.
    pub fn inverse(&self) -> Option<Similarity> {
        let s2 = self.a * self.a + self.b * self.b;
        if !(s2.is_finite() && s2 > 0.0) {
            return None;
        }
        let (a, b) = (self.a / s2, -self.b / s2);
        Some(Similarity { a, b, tx: -(a * self.tx - b * self.ty), ty: -(b * self.tx + a * self.ty) })
    }

    /// The 2×3 matrix `[[a, −b, tx], [b, a, ty]]`, as OpenCV and skimage print it.
    pub fn matrix(&self) -> [[f64; 3]; 2] {
        [[self.a, -self.b, self.tx], [self.b, self.a, self.ty]]
    }
}

/// Least-squares similarity transform taking `src` onto `dst` (Umeyama's estimate restricted to
/// proper rotations, which for a similarity has the closed form below).
///
/// With centred points `p = src − mean(src)`, `q = dst − mean(dst)`:
/// `a = Σ(p·q) / Σ|p|²`, `b = Σ(p × q) / Σ|p|²`, `t = mean(dst) − sR·mean(src)`.
/// Fails on non-finite input and when the source points (nearly) coincide, where no scale exists.
pub fn estimate_similarity(src: &[Point], dst: &[Point]) -> Result<Similarity> {
    if src.len() != dst.len() || src.len() < 2 {
        return Err(Error::DegenerateLandmarks);
    }
    if src.iter().chain(dst).any(|p| !p.x.is_finite() || !p.y.is_finite()) {
        return Err(Error::DegenerateLandmarks);
    }
    let n = src.len() as f64;
    let mean = |pts: &[Point]| {
        let (sx, sy) = pts.iter().fold((0.0, 0.0), |(sx, sy), p| (sx + f64::from(p.x), sy + f64::from(p.y)));
        (sx / n, sy / n)
    };
    let (msx, msy) = mean(src);
    let (mdx, mdy) = mean(dst);
    let (mut dot, mut cross, mut norm) = (0.0, 0.0, 0.0);
    for (s, d) in src.iter().zip(dst) {
        let (px, py) = (f64::from(s.x) - msx, f64::from(s.y) - msy);
        let (qx, qy) = (f64::from(d.x) - mdx, f64::from(d.y) - mdy);
        dot += px * qx + py * qy;
        cross += px * qy - py * qx;
        norm += px * px + py * py;
    }
    // Below a hundredth of a pixel of spread the points carry no scale or rotation.
    if norm < 1e-4 * n {
        return Err(Error::DegenerateLandmarks);
    }
    let (a, b) = (dot / norm, cross / norm);
    if a.hypot(b) < 1e-9 {
        return Err(Error::DegenerateLandmarks);
    }
    Ok(Similarity { a, b, tx: mdx - (a * msx - b * msy), ty: mdy - (b * msx + a * msy) })
}

/// The transform from image coordinates to the 112×112 ArcFace crop for these landmarks.
pub fn transform_to_template(landmarks: &[Point; 5]) -> Result<Similarity> {
    estimate_similarity(landmarks, &ARCFACE_TEMPLATE)
}

/// Warps `image` into the aligned 112×112 crop. Pixels that fall outside the image are black, as
/// with OpenCV's default constant border.
///
/// imageproc's bilinear interpolation truncates to `u8` after each of its two passes, which darkens
/// the crop by about one grey level and costs ~0.001 of cosine similarity against OpenCV. So only the
/// part of the image the crop samples from is converted to `f32`, warped there, and rounded once.
pub fn warp(image: &RgbImage, transform: &Similarity) -> Result<RgbImage> {
    let side = f64::from(ALIGNED_SIZE);
    let inverse = transform.inverse().ok_or(Error::DegenerateLandmarks)?;
    // The source region the crop samples: the pre-image of the output square, one pixel of margin
    // for the bilinear neighbours, clipped to the image.
    let corners = [(-1.0, -1.0), (side, -1.0), (-1.0, side), (side, side)].map(|(x, y)| inverse.apply_f64(x, y));
    let (min_x, max_x) = corners.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| (lo.min(p.0), hi.max(p.0)));
    let (min_y, max_y) = corners.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| (lo.min(p.1), hi.max(p.1)));
    let clip = |v: f64, len: u32| v.clamp(0.0, f64::from(len)) as u32;
    let (x0, x1) = (clip(min_x.floor() - 1.0, image.width()), clip(max_x.ceil() + 2.0, image.width()));
    let (y0, y1) = (clip(min_y.floor() - 1.0, image.height()), clip(max_y.ceil() + 2.0, image.height()));
    let mut out = RgbImage::new(ALIGNED_SIZE, ALIGNED_SIZE);
    if x0 >= x1 || y0 >= y1 {
        return Ok(out);
    }
    let (rw, rh) = (x1 - x0, y1 - y0);
    let stride = image.width() as usize * 3;
    let mut samples = Vec::with_capacity(rw as usize * rh as usize * 3);
    for row in image.as_raw().chunks_exact(stride).skip(y0 as usize).take(rh as usize) {
        samples.extend(row[x0 as usize * 3..x1 as usize * 3].iter().map(|&v| f32::from(v)));
    }
    let roi = Rgb32FImage::from_raw(rw, rh, samples).ok_or(Error::DegenerateLandmarks)?;
    // The same transform, for coordinates relative to the region's top-left pixel.
    let (fx, fy) = (f64::from(x0), f64::from(y0));
    let shifted = Similarity {
        tx: transform.tx + transform.a * fx - transform.b * fy,
        ty: transform.ty + transform.b * fx + transform.a * fy,
        ..*transform
    };
    let m = shifted.matrix();
    let projection = Projection::from_matrix([
        m[0][0] as f32,
        m[0][1] as f32,
        m[0][2] as f32,
        m[1][0] as f32,
        m[1][1] as f32,
        m[1][2] as f32,
        0.0,
        0.0,
        1.0,
    ])
    .ok_or(Error::DegenerateLandmarks)?;
    let mut warped = Rgb32FImage::new(ALIGNED_SIZE, ALIGNED_SIZE);
    warp_into(&roi, projection, Interpolation::Bilinear, Border::Constant(Rgb([0.0; 3])), &mut warped);
    for (o, w) in out.pixels_mut().zip(warped.pixels()) {
        *o = Rgb(w.0.map(|v| v.round().clamp(0.0, 255.0) as u8));
    }
    Ok(out)
}

/// Aligns one face: estimates the transform from its landmarks and warps the crop.
pub fn align_face(image: &RgbImage, landmarks: &[Point; 5]) -> Result<RgbImage> {
    warp(image, &transform_to_template(landmarks)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_maps_onto_itself_with_identity() {
        let t = estimate_similarity(&ARCFACE_TEMPLATE, &ARCFACE_TEMPLATE).unwrap();
        assert!((t.a - 1.0).abs() < 1e-9 && t.b.abs() < 1e-9 && t.tx.abs() < 1e-6 && t.ty.abs() < 1e-6);
    }

    #[test]
    fn inverse_undoes_the_transform() {
        let t = Similarity { a: 0.8, b: -0.3, tx: 12.0, ty: -40.0 };
        let p = Point::new(123.0, 45.0);
        let back = t.inverse().unwrap().apply(t.apply(p));
        assert!((back.x - p.x).abs() < 1e-4 && (back.y - p.y).abs() < 1e-4);
        assert!(Similarity { a: 0.0, b: 0.0, tx: 1.0, ty: 1.0 }.inverse().is_none());
    }

    #[test]
    fn coincident_and_non_finite_points_are_errors_not_nans() {
        let same = [Point::new(10.0, 10.0); 5];
        assert!(matches!(estimate_similarity(&same, &ARCFACE_TEMPLATE), Err(Error::DegenerateLandmarks)));
        let mut nan = ARCFACE_TEMPLATE;
        nan[2].x = f32::NAN;
        assert!(matches!(estimate_similarity(&nan, &ARCFACE_TEMPLATE), Err(Error::DegenerateLandmarks)));
    }
}
