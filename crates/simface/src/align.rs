//! Alignment: five landmarks → the 112×112 face crop EdgeFace was trained on.
//!
//! The template is InsightFace's ArcFace reference (`arcface_dst` in `insightface/utils/face_align.py`):
//! the five landmarks of an average face in a 112×112 crop, image-left eye first. A least-squares
//! similarity transform (rotation, uniform scale, translation — never shear, never a reflection) maps
//! the detected landmarks onto it, and the crop is sampled from the full-resolution image with
//! bilinear interpolation. Coordinates follow the crate convention (pixel centres at integer
//! coordinates, as in OpenCV's `warpAffine`).

use image::{Rgb, RgbImage};
use imageproc::geometric_transformations::Projection;

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

/// A rectangle of an image's pixels: the part of a full-resolution image that an aligned crop samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

/// The pixels of an image of `width × height` that the aligned crop for `transform` samples: the
/// pre-image of the output square with one pixel of margin for the bilinear neighbours, clipped to the
/// image; `None` when the crop lies wholly outside it. A caller that holds the image elsewhere (the web
/// app leaves a photo's full resolution to the browser) fetches only these pixels and warps them with
/// [`warp_region`].
pub fn sampled_region(transform: &Similarity, width: u32, height: u32) -> Result<Option<Region>> {
    let side = f64::from(ALIGNED_SIZE);
    let inverse = transform.inverse().ok_or(Error::DegenerateLandmarks)?;
    let corners = [(-1.0, -1.0), (side, -1.0), (-1.0, side), (side, side)].map(|(x, y)| inverse.apply_f64(x, y));
    let (min_x, max_x) = corners.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| (lo.min(p.0), hi.max(p.0)));
    let (min_y, max_y) = corners.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| (lo.min(p.1), hi.max(p.1)));
    let clip = |v: f64, len: u32| v.clamp(0.0, f64::from(len)) as u32;
    let (x0, x1) = (clip(min_x.floor() - 1.0, width), clip(max_x.ceil() + 2.0, width));
    let (y0, y1) = (clip(min_y.floor() - 1.0, height), clip(max_y.ceil() + 2.0, height));
    Ok((x0 < x1 && y0 < y1).then_some(Region { x: x0, y: y0, width: x1 - x0, height: y1 - y0 }))
}

/// The pixels of a [`Region`] of an image: `channels` bytes a pixel, 3 (RGB) or 4 (RGBA, as a browser canvas
/// gives them; alpha is ignored), rows `stride` bytes apart, the region's top-left pixel first.
#[derive(Debug, Clone, Copy)]
pub struct RegionPixels<'a> {
    pub region: Region,
    pub data: &'a [u8],
    pub channels: usize,
    pub stride: usize,
}

impl<'a> RegionPixels<'a> {
    /// Pixels packed row after row (a canvas's `getImageData` of the region).
    pub fn packed(region: Region, data: &'a [u8], channels: usize) -> Self {
        Self { region, data, channels, stride: region.width as usize * channels }
    }

    /// `region` of a whole image, without copying it.
    pub fn of_image(image: &'a RgbImage, region: Region) -> Self {
        let stride = image.width() as usize * 3;
        let start = (region.y as usize * stride + region.x as usize * 3).min(image.as_raw().len());
        Self { region, data: &image.as_raw()[start..], channels: 3, stride }
    }

    /// The pixel at `(x, y)` of the region as floats, black outside it.
    fn at(&self, x: i64, y: i64) -> [f32; 3] {
        if x < 0 || y < 0 || x >= i64::from(self.region.width) || y >= i64::from(self.region.height) {
            return [0.0; 3];
        }
        let i = y as usize * self.stride + x as usize * self.channels;
        [f32::from(self.data[i]), f32::from(self.data[i + 1]), f32::from(self.data[i + 2])]
    }
}

/// Warps `image` into the aligned 112×112 crop. Pixels that fall outside the image are black, as
/// with OpenCV's default constant border.
pub fn warp(image: &RgbImage, transform: &Similarity) -> Result<RgbImage> {
    let Some(region) = sampled_region(transform, image.width(), image.height())? else {
        return Ok(RgbImage::new(ALIGNED_SIZE, ALIGNED_SIZE));
    };
    warp_region(RegionPixels::of_image(image, region), transform)
}

/// Warps the pixels of the region [`sampled_region`] gave into the aligned 112×112 crop: the same crop [`warp`]
/// makes from the whole image, to the bit (no sample falls between that region's edge and the image's).
///
/// Bilinear interpolation as OpenCV's `warpAffine` (pixel centres at integer coordinates, black outside),
/// with imageproc's mapping and blend in `f32`, rounded once: imageproc's own `warp` on 8-bit pixels
/// truncates after each of its two passes, which darkens the crop by about a grey level and costs ~0.001 of
/// cosine similarity against OpenCV. Straight from the 8-bit pixels: each of the 112×112 outputs reads its
/// four neighbours, so the cost does not grow with the face's size (a face of 3000 px in a 48 MP photo
/// costs what one of 100 px does).
pub fn warp_region(pixels: RegionPixels<'_>, transform: &Similarity) -> Result<RgbImage> {
    let RegionPixels { region, data, channels, stride } = pixels;
    let (w, h) = (region.width as usize, region.height as usize);
    let needed = if w == 0 || h == 0 { 0 } else { (h - 1) * stride + w * channels };
    if !matches!(channels, 3 | 4) || stride < w * channels || data.len() < needed {
        return Err(Error::RegionSize {
            expected: (region.width, region.height),
            found: (region.width, (data.len() / stride.max(1)) as u32),
        });
    }
    // The transform for coordinates relative to the region's top-left pixel, inverted as imageproc does, so
    // the crop is the one the CLI has always made.
    let (fx, fy) = (f64::from(region.x), f64::from(region.y));
    let shifted = Similarity {
        tx: transform.tx + transform.a * fx - transform.b * fy,
        ty: transform.ty + transform.b * fx + transform.a * fy,
        ..*transform
    };
    let m = shifted.matrix().map(|row| row.map(|v| v as f32));
    let to_source = Projection::from_matrix([m[0][0], m[0][1], m[0][2], m[1][0], m[1][1], m[1][2], 0.0, 0.0, 1.0])
        .ok_or(Error::DegenerateLandmarks)?
        .invert();
    let mut out = RgbImage::new(ALIGNED_SIZE, ALIGNED_SIZE);
    for (u, v, px) in out.enumerate_pixels_mut() {
        let (x, y) = to_source * (u as f32, v as f32);
        let (left, top) = (x.floor() as i64, y.floor() as i64);
        let (right_weight, bottom_weight) = (x - left as f32, y - top as f32);
        let (tl, tr) = (pixels.at(left, top), pixels.at(left + 1, top));
        let (bl, br) = (pixels.at(left, top + 1), pixels.at(left + 1, top + 1));
        *px = Rgb(std::array::from_fn(|c| {
            let upper = (1.0 - right_weight) * tl[c] + right_weight * tr[c];
            let lower = (1.0 - right_weight) * bl[c] + right_weight * br[c];
            ((1.0 - bottom_weight) * upper + bottom_weight * lower).round().clamp(0.0, 255.0) as u8
        }));
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

    /// A textured image whose every pixel differs from its neighbours, so a one-pixel shift would show.
    fn texture(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| Rgb([(x * 7 + y * 3) as u8, (x * x + y * 11) as u8, (x ^ y) as u8]))
    }

    #[test]
    fn crop_from_the_sampled_region_equals_crop_from_the_whole_image() {
        let image = texture(400, 300);
        // Upright, rotated, partly outside the image (left and top edges clipped).
        let faces = [
            [(150.0, 120.0), (210.0, 118.0), (180.0, 150.0), (155.0, 185.0), (205.0, 184.0)],
            [(150.0, 140.0), (200.0, 110.0), (190.0, 160.0), (180.0, 200.0), (225.0, 175.0)],
            [(5.0, 8.0), (45.0, 6.0), (25.0, 30.0), (8.0, 50.0), (42.0, 49.0)],
        ];
        for face in faces {
            let landmarks = face.map(|(x, y)| Point::new(x, y));
            let transform = transform_to_template(&landmarks).unwrap();
            let region = sampled_region(&transform, image.width(), image.height()).unwrap().unwrap();
            let pixels = image::imageops::crop_imm(&image, region.x, region.y, region.width, region.height).to_image();
            let from_region = warp_region(RegionPixels::packed(region, pixels.as_raw(), 3), &transform).unwrap();
            // The same pixels as a canvas gives them (RGBA).
            let rgba: Vec<u8> = pixels.pixels().flat_map(|p| [p[0], p[1], p[2], 255]).collect();
            let from_rgba = warp_region(RegionPixels::packed(region, &rgba, 4), &transform).unwrap();
            assert_eq!(from_rgba, from_region);
            assert_eq!(from_region, align_face(&image, &landmarks).unwrap(), "{region:?}");
            assert!(region.width < image.width() && region.height < image.height());
        }
    }

    #[test]
    fn region_of_the_wrong_size_and_crop_outside_the_image_are_handled() {
        let landmarks = [(150.0, 120.0), (210.0, 118.0), (180.0, 150.0), (155.0, 185.0), (205.0, 184.0)]
            .map(|(x, y)| Point::new(x, y));
        let transform = transform_to_template(&landmarks).unwrap();
        let region = sampled_region(&transform, 400, 300).unwrap().unwrap();
        let wrong = RgbImage::new(region.width, region.height);
        let pixels = RegionPixels::packed(region, &wrong.as_raw()[3..], 3);
        assert!(matches!(warp_region(pixels, &transform), Err(Error::RegionSize { .. })));
        let pixels = RegionPixels::packed(region, &[], 2);
        assert!(matches!(warp_region(pixels, &transform), Err(Error::RegionSize { .. })));
        let far = landmarks.map(|p| Point::new(p.x + 5000.0, p.y));
        let far_transform = transform_to_template(&far).unwrap();
        assert_eq!(sampled_region(&far_transform, 400, 300).unwrap(), None);
        assert_eq!(warp(&texture(400, 300), &far_transform).unwrap(), RgbImage::new(ALIGNED_SIZE, ALIGNED_SIZE));
    }
}
