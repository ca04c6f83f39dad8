//! Properties of the alignment stage: the similarity estimate recovers known transforms (exactly
//! without noise, within bounds derived from the noise with it), never reflects, refuses degenerate
//! landmarks without producing NaNs, copes with collinear points, and the warp puts image content
//! where the transform says.
//!
//! Error bounds. Write points as complex numbers and the transform as `q = z·p + t`
//! (`z = a + ib = s·e^{iθ}`). With centred source points `p_i` and the realised perturbation of each
//! destination point `ε_i = dst_i − (z·src_i + t)` (noise plus f32 rounding), the least-squares
//! estimate is `ẑ = z + δ` with `δ = Σ conj(p_i)·ε_i / Σ|p_i|²`, so
//! `|δ| ≤ Σ|p_i||ε_i| / Σ|p_i|²`; then `|ŝ − s| ≤ |δ|`, `|θ̂ − θ| ≤ asin(|δ|/s)`, and
//! `t̂ − t = mean(ε) − δ·mean(src)`. The tests assert exactly these bounds (plus f64 rounding slack).
// These tests run the native pipeline (files, ONNX Runtime); the wasm32 build has its browser tests in e2e/.
#![cfg(not(target_arch = "wasm32"))]

use std::f64::consts::PI;

use image::{Rgb, RgbImage};
use proptest::prelude::*;
use proptest::test_runner::Config;
use simface::Error;
use simface::align::{
    ALIGNED_SIZE, ARCFACE_TEMPLATE, Similarity, align_face, estimate_similarity, transform_to_template, warp,
};
use simface::detect::Point;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn config(cases: u32) -> Config {
    // No regression files: a failure prints its minimal input, and this file is the only one the
    // test owns.
    Config { cases, failure_persistence: None, ..Config::default() }
}

/// A similarity given by scale, angle and translation.
fn similarity(scale: f64, angle: f64, tx: f64, ty: f64) -> Similarity {
    Similarity { a: scale * angle.cos(), b: scale * angle.sin(), tx, ty }
}

/// The transform applied in f64 (`Similarity::apply` works in f32).
fn apply64(t: &Similarity, (x, y): (f64, f64)) -> (f64, f64) {
    (t.a * x - t.b * y + t.tx, t.b * x + t.a * y + t.ty)
}

fn p64(p: Point) -> (f64, f64) {
    (f64::from(p.x), f64::from(p.y))
}

fn to_point((x, y): (f64, f64)) -> Point {
    Point::new(x as f32, y as f32)
}

fn mean(points: &[Point]) -> (f64, f64) {
    let n = points.len() as f64;
    let (sx, sy) = points.iter().fold((0.0, 0.0), |(sx, sy), p| (sx + f64::from(p.x), sy + f64::from(p.y)));
    (sx / n, sy / n)
}

/// Root-mean-square distance of the points from their mean.
fn rms_spread(points: &[Point]) -> f64 {
    let (mx, my) = mean(points);
    let sum: f64 = points.iter().map(|p| (f64::from(p.x) - mx).powi(2) + (f64::from(p.y) - my).powi(2)).sum();
    (sum / points.len() as f64).sqrt()
}

/// Angle difference wrapped into (−π, π].
fn angle_difference(a: f64, b: f64) -> f64 {
    let d = (a - b).rem_euclid(2.0 * PI);
    if d > PI { d - 2.0 * PI } else { d }
}

/// How far the estimate may be from `truth` given the actual destination points, per the bounds in
/// the module comment: (|δ| bound, translation bound).
fn error_bounds(src: &[Point], dst: &[Point], truth: &Similarity) -> (f64, f64) {
    let (mx, my) = mean(src);
    let mut weighted = 0.0; // Σ|p_i||ε_i|
    let mut norm = 0.0; // Σ|p_i|²
    let (mut ex, mut ey) = (0.0, 0.0); // Σ ε_i
    for (s, d) in src.iter().zip(dst) {
        let (px, py) = (f64::from(s.x) - mx, f64::from(s.y) - my);
        let (qx, qy) = apply64(truth, p64(*s));
        let (dx, dy) = (f64::from(d.x) - qx, f64::from(d.y) - qy);
        weighted += px.hypot(py) * dx.hypot(dy);
        norm += px * px + py * py;
        ex += dx;
        ey += dy;
    }
    let n = src.len() as f64;
    // f64 rounding inside the estimator, relative to the magnitudes involved.
    let magnitude = src.iter().chain(dst).map(|p| f64::from(p.x.abs().max(p.y.abs()))).fold(1.0, f64::max);
    let delta = weighted / norm + 1e-12 * magnitude / norm.sqrt() * (1.0 + truth.scale());
    let translation = (ex / n).hypot(ey / n) + delta * mx.hypot(my) + 1e-12 * magnitude * (1.0 + truth.scale());
    (delta, translation)
}

/// Checks the estimate against the truth within the bounds derived from the data.
fn check_recovery(src: &[Point], dst: &[Point], truth: &Similarity) -> Result<(), TestCaseError> {
    let estimate = estimate_similarity(src, dst).map_err(|e| TestCaseError::fail(format!("estimate failed: {e}")))?;
    let (delta, translation) = error_bounds(src, dst, truth);
    let s = truth.scale();
    let scale_error = (estimate.scale() - s).abs();
    prop_assert!(scale_error <= delta, "scale {} vs {s}: error {scale_error:e} > bound {delta:e}", estimate.scale());
    let angle_bound = if delta < s { (delta / s).asin() * (1.0 + 1e-9) + 1e-12 } else { PI };
    let angle_error = angle_difference(estimate.angle(), truth.angle()).abs();
    prop_assert!(
        angle_error <= angle_bound,
        "angle {} vs {}: error {angle_error:e} > bound {angle_bound:e}",
        estimate.angle(),
        truth.angle()
    );
    let t_error = (estimate.tx - truth.tx).hypot(estimate.ty - truth.ty);
    prop_assert!(t_error <= translation, "translation error {t_error:e} > bound {translation:e}");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------------

/// Five landmarks: either random points of random size anywhere in a large photo, or the ArcFace
/// template scaled and moved as a detected face would be. RMS spread at least 1 px.
fn landmarks() -> impl Strategy<Value = [Point; 5]> {
    let random =
        (-1000.0..1000.0f64, -1000.0..1000.0f64, 0.0..3.0f64, prop::array::uniform5((-1.0..1.0f64, -1.0..1.0f64)))
            .prop_map(|(cx, cy, log_size, offsets)| {
                let size = 10f64.powf(log_size);
                offsets.map(|(dx, dy)| to_point((cx + dx * size, cy + dy * size)))
            });
    let template = (0.05..20.0f64, -1000.0..1000.0f64, -1000.0..1000.0f64)
        .prop_map(|(k, x, y)| ARCFACE_TEMPLATE.map(|p| to_point((f64::from(p.x) * k + x, f64::from(p.y) * k + y))));
    prop_oneof![random, template].prop_filter("spread of at least 1 px", |p| rms_spread(p) >= 1.0)
}

/// Scale 0.05..20 (log-uniform), angle −π..π, translation ±2000.
fn transform() -> impl Strategy<Value = Similarity> {
    ((0.05f64).ln()..(20.0f64).ln(), -PI..PI, -2000.0..2000.0f64, -2000.0..2000.0f64)
        .prop_map(|(log_scale, angle, tx, ty)| similarity(log_scale.exp(), angle, tx, ty))
}

/// Per-coordinate noise: a sum of three uniforms (bell-shaped), scaled to at most `amplitude`.
fn noise() -> impl Strategy<Value = (f64, [(f64, f64); 5])> {
    let unit = || (-1.0..1.0f64, -1.0..1.0f64, -1.0..1.0f64).prop_map(|(u, v, w)| (u + v + w) / 3.0);
    (prop_oneof![Just(0.0), 0.0..0.5f64], prop::array::uniform5((unit(), unit())))
}

fn transformed(src: &[Point; 5], t: &Similarity, (amplitude, noise): &(f64, [(f64, f64); 5])) -> [Point; 5] {
    std::array::from_fn(|i| {
        let (x, y) = apply64(t, p64(src[i]));
        to_point((x + amplitude * noise[i].0, y + amplitude * noise[i].1))
    })
}

// ---------------------------------------------------------------------------------------------
// (a) recovery
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(1024))]

    #[test]
    fn recovers_the_transform_within_the_noise_bound(src in landmarks(), t in transform(), noise in noise()) {
        let dst = transformed(&src, &t, &noise);
        check_recovery(&src, &dst, &t)?;
    }

    #[test]
    fn recovers_the_transform_without_noise(src in landmarks(), t in transform()) {
        // Only the f32 rounding of the destination points remains, and the bound shrinks to it.
        let dst = transformed(&src, &t, &(0.0, [(0.0, 0.0); 5]));
        check_recovery(&src, &dst, &t)?;
        let estimate = estimate_similarity(&src, &dst).unwrap();
        // Relative to the size of the destination points, rounding to f32 costs about 1e-7.
        let size = rms_spread(&dst);
        let relative = (estimate.scale() / t.scale() - 1.0).abs();
        let magnitude = dst.iter().map(|p| f64::from(p.x.abs().max(p.y.abs()))).fold(1.0, f64::max);
        prop_assert!(relative <= 1e-6 * magnitude / size, "relative scale error {relative:e}");
    }

    /// Integer points and a transform with dyadic coefficients: every destination point is exactly
    /// representable in f32, so the estimate must be exact up to f64 rounding.
    #[test]
    fn recovers_exactly_representable_transforms_exactly(
        src in prop::array::uniform5((-256i32..=256, -256i32..=256)),
        ka in -1280i32..=1280,
        kb in -1280i32..=1280,
        tx in -2000i32..=2000,
        ty in -2000i32..=2000,
    ) {
        let src = src.map(|(x, y)| Point::new(x as f32, y as f32));
        prop_assume!(rms_spread(&src) >= 1.0);
        let t = Similarity { a: f64::from(ka) / 64.0, b: f64::from(kb) / 64.0, tx: f64::from(tx), ty: f64::from(ty) };
        prop_assume!((0.05..=20.0).contains(&t.scale()));
        let dst = src.map(|p| {
            let (x, y) = apply64(&t, p64(p));
            let q = to_point((x, y));
            assert!(f64::from(q.x) == x && f64::from(q.y) == y, "not exact in f32");
            q
        });
        let e = estimate_similarity(&src, &dst).unwrap();
        let s = t.scale();
        prop_assert!((e.scale() / s - 1.0).abs() <= 1e-9, "scale {} vs {s}", e.scale());
        prop_assert!(angle_difference(e.angle(), t.angle()).abs() <= 1e-9, "angle {} vs {}", e.angle(), t.angle());
        prop_assert!((e.tx - t.tx).abs() <= 1e-9 * (1.0 + t.tx.abs()), "tx {} vs {}", e.tx, t.tx);
        prop_assert!((e.ty - t.ty).abs() <= 1e-9 * (1.0 + t.ty.abs()), "ty {} vs {}", e.ty, t.ty);
    }
}

#[test]
fn template_onto_a_moved_template_is_that_move() {
    let t = similarity(2.5, 0.3, -120.0, 40.0);
    let dst = ARCFACE_TEMPLATE.map(|p| to_point(apply64(&t, p64(p))));
    let e = estimate_similarity(&ARCFACE_TEMPLATE, &dst).unwrap();
    assert!((e.scale() - 2.5).abs() < 1e-5 && (e.angle() - 0.3).abs() < 1e-5, "{e:?}");
    // transform_to_template is the inverse direction: the moved template goes back onto it.
    let back = transform_to_template(&dst).unwrap();
    assert!((back.scale() - 0.4).abs() < 1e-5 && (back.angle() + 0.3).abs() < 1e-5, "{back:?}");
    for (p, q) in dst.iter().zip(&ARCFACE_TEMPLATE) {
        let r = back.apply(*p);
        assert!((r.x - q.x).abs() < 1e-3 && (r.y - q.y).abs() < 1e-3, "{r:?} vs {q:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// (b) never a reflection
// ---------------------------------------------------------------------------------------------

/// Twice the signed area of a triangle (positive when its vertices turn the same way as x → y).
fn orientation(p: [Point; 3]) -> f64 {
    let [a, b, c] = p.map(p64);
    (b.0 - a.0) * (c.1 - a.1) - (b.1 - a.1) * (c.0 - a.0)
}

proptest! {
    #![proptest_config(config(1024))]

    #[test]
    fn mirrored_landmarks_give_a_rotation_never_a_reflection(src in landmarks(), t in transform(), noise in noise()) {
        // dst is a similarity of the mirror image of src (x → −x): a reflection, which the
        // estimate must not reproduce.
        let mirrored = src.map(|p| Point::new(-p.x, p.y));
        let dst = transformed(&mirrored, &t, &noise);
        match estimate_similarity(&src, &dst) {
            // A symmetric configuration can cancel out completely: then there is no rotation to give.
            Err(Error::DegenerateLandmarks) => {}
            Err(e) => return Err(TestCaseError::fail(format!("unexpected error {e}"))),
            Ok(e) => {
                prop_assert!(e.a.is_finite() && e.b.is_finite() && e.tx.is_finite() && e.ty.is_finite(), "{e:?}");
                let m = e.matrix();
                prop_assert_eq!(m[0][0], m[1][1]);
                prop_assert_eq!(m[0][1], -m[1][0]);
                let det = m[0][0] * m[1][1] - m[0][1] * m[1][0];
                prop_assert!(det > 0.0, "determinant {det}");
                // A triangle keeps its orientation (size it so it is 100 px after the transform).
                let side = (100.0 / e.scale()) as f32;
                let triangle = [Point::new(0.0, 0.0), Point::new(side, 0.0), Point::new(0.0, side)];
                prop_assert!(orientation(triangle) > 0.0);
                let mapped = triangle.map(|p| e.apply(p));
                prop_assert!(orientation(mapped) > 0.0, "orientation reversed: {mapped:?}");
                // The best rotation fitted to a reflection can only shrink: |ẑ| ≤ s·|Σ conj(p)²|/Σ|p|² ≤ s.
                let (delta, _) = error_bounds(&mirrored, &dst, &t);
                prop_assert!(e.scale() <= t.scale() + delta, "scale {} > {}", e.scale(), t.scale());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// (c) degenerate inputs
// ---------------------------------------------------------------------------------------------

fn is_degenerate(result: &simface::Result<Similarity>) -> bool {
    matches!(result, Err(Error::DegenerateLandmarks))
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn coincident_points_are_degenerate(x in -1e4f32..1e4, y in -1e4f32..1e4, dst in landmarks()) {
        let same = [Point::new(x, y); 5];
        prop_assert!(is_degenerate(&estimate_similarity(&same, &dst)));
        prop_assert!(is_degenerate(&transform_to_template(&same)));
        // Coincident destination points collapse the scale to zero: also degenerate.
        prop_assert!(is_degenerate(&estimate_similarity(&dst, &same)));
    }

    #[test]
    fn points_within_a_ten_thousandth_of_a_pixel_are_degenerate(
        x in -2000f32..2000.0,
        y in -2000f32..2000.0,
        jitter in prop::array::uniform5((-5e-5f32..5e-5, -5e-5f32..5e-5)),
        dst in landmarks(),
    ) {
        let cluster = jitter.map(|(dx, dy)| Point::new(x + dx, y + dy));
        let result = estimate_similarity(&cluster, &dst);
        prop_assert!(is_degenerate(&result), "{result:?}");
        prop_assert!(is_degenerate(&transform_to_template(&cluster)));
    }

    #[test]
    fn non_finite_coordinates_are_degenerate(
        src in landmarks(),
        t in transform(),
        index in 0usize..20,
        bad in prop_oneof![Just(f32::NAN), Just(f32::INFINITY), Just(f32::NEG_INFINITY)],
    ) {
        let mut src = src;
        let mut dst = transformed(&src, &t, &(0.0, [(0.0, 0.0); 5]));
        let points = if index < 10 { &mut src } else { &mut dst };
        let p = &mut points[(index % 10) / 2];
        if index % 2 == 0 { p.x = bad } else { p.y = bad }
        let result = estimate_similarity(&src, &dst);
        prop_assert!(is_degenerate(&result), "{result:?}");
        if index < 10 {
            prop_assert!(is_degenerate(&transform_to_template(&src)));
            prop_assert!(matches!(align_face(&RgbImage::new(8, 8), &src), Err(Error::DegenerateLandmarks)));
        }
    }

    /// Any bit pattern whatsoever: an error or a finite transform, never NaN, never a panic, and
    /// aligning with it gives a crop or the same error.
    #[test]
    fn arbitrary_coordinates_never_give_nan(
        src in prop::array::uniform5((any::<f32>(), any::<f32>())),
        dst in prop::array::uniform5((any::<f32>(), any::<f32>())),
    ) {
        let src = src.map(|(x, y)| Point::new(x, y));
        let dst = dst.map(|(x, y)| Point::new(x, y));
        match estimate_similarity(&src, &dst) {
            Ok(e) => prop_assert!(e.a.is_finite() && e.b.is_finite() && e.tx.is_finite() && e.ty.is_finite(), "{e:?}"),
            Err(e) => prop_assert!(matches!(e, Error::DegenerateLandmarks), "{e}"),
        }
        match align_face(&RgbImage::new(16, 16), &src) {
            Ok(crop) => prop_assert_eq!(crop.dimensions(), (ALIGNED_SIZE, ALIGNED_SIZE)),
            Err(e) => prop_assert!(matches!(e, Error::DegenerateLandmarks), "{e}"),
        }
    }
}

#[test]
fn wrong_counts_are_degenerate() {
    let p = ARCFACE_TEMPLATE;
    assert!(is_degenerate(&estimate_similarity(&p[..1], &p[..1])));
    assert!(is_degenerate(&estimate_similarity(&[], &[])));
    assert!(is_degenerate(&estimate_similarity(&p[..4], &p)));
}

// ---------------------------------------------------------------------------------------------
// (d) collinear points
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn collinear_distinct_points_recover_the_transform(
        x in -1000.0..1000.0f64,
        y in -1000.0..1000.0f64,
        direction in -PI..PI,
        positions in prop::array::uniform5(-300.0..300.0f64),
        t in transform(),
        noise in noise(),
    ) {
        let (dx, dy) = (direction.cos(), direction.sin());
        let src = positions.map(|u| to_point((x + u * dx, y + u * dy)));
        prop_assume!(rms_spread(&src) >= 1.0);
        let dst = transformed(&src, &t, &noise);
        check_recovery(&src, &dst, &t)?;
    }

    #[test]
    fn two_points_define_the_transform(src in prop::array::uniform2((-1000.0..1000.0f64, -1000.0..1000.0f64)), t in transform()) {
        let src = src.map(to_point);
        prop_assume!(rms_spread(&src) >= 1.0);
        let dst = src.map(|p| to_point(apply64(&t, p64(p))));
        check_recovery(&src, &dst, &t)?;
    }
}

// ---------------------------------------------------------------------------------------------
// (e) the warp puts content where the transform says
// ---------------------------------------------------------------------------------------------

/// Draws a Gaussian blob of peak 255 and width `sigma` centred at `(cx, cy)` (pixel centres at
/// integer coordinates), adding to what is there.
fn draw_blob(image: &mut RgbImage, (cx, cy): (f64, f64), sigma: f64) {
    let reach = (4.0 * sigma).ceil() as i64 + 1;
    for y in (cy.round() as i64 - reach).max(0)..=(cy.round() as i64 + reach).min(i64::from(image.height()) - 1) {
        for x in (cx.round() as i64 - reach).max(0)..=(cx.round() as i64 + reach).min(i64::from(image.width()) - 1) {
            let r2 = (x as f64 - cx).powi(2) + (y as f64 - cy).powi(2);
            let v = 255.0 * (-r2 / (2.0 * sigma * sigma)).exp();
            let p = image.get_pixel_mut(x as u32, y as u32);
            let sum = (f64::from(p[0]) + v).round().min(255.0) as u8;
            *p = Rgb([sum; 3]);
        }
    }
}

/// Intensity-weighted centroid of the pixels within `radius` of `around`.
fn centroid(image: &RgbImage, around: (f64, f64), radius: f64) -> Option<(f64, f64)> {
    let (mut w, mut sx, mut sy) = (0.0, 0.0, 0.0);
    for (x, y, p) in image.enumerate_pixels() {
        let (x, y) = (f64::from(x), f64::from(y));
        if (x - around.0).hypot(y - around.1) <= radius {
            let v = f64::from(p[0]);
            w += v;
            sx += v * x;
            sy += v * y;
        }
    }
    (w > 0.0).then(|| (sx / w, sy / w))
}

/// Where a blob drawn at `source` lands after warping with `t`, and where `t` says it should.
fn warped_blob(source: (f64, f64), t: &Similarity) -> ((f64, f64), (f64, f64)) {
    // About 2.5 px wide in the crop, and at least 1.2 px in the source so that it is sampled finely
    // enough there to have its centre where it was drawn.
    let sigma = (2.5 / t.scale()).max(1.2);
    let mut image = RgbImage::new(320, 320);
    draw_blob(&mut image, source, sigma);
    let crop = warp(&image, t).unwrap();
    assert_eq!(crop.dimensions(), (ALIGNED_SIZE, ALIGNED_SIZE));
    let expected = p64(t.apply(to_point(source)));
    let found = centroid(&crop, expected, 12.0).expect("the blob is in the crop");
    (found, expected)
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn warp_puts_a_dot_where_the_transform_maps_it(
        source in (100.0..220.0f64, 100.0..220.0f64),
        target in (25.0..87.0f64, 25.0..87.0f64),
        log_scale in (0.3f64).ln()..(3.0f64).ln(),
        angle in -PI..PI,
    ) {
        let s = log_scale.exp();
        let (a, b) = (s * angle.cos(), s * angle.sin());
        // The translation that takes `source` to `target`.
        let t = Similarity { a, b, tx: target.0 - (a * source.0 - b * source.1), ty: target.1 - (b * source.0 + a * source.1) };
        let (found, expected) = warped_blob(source, &t);
        let error = (found.0 - expected.0).hypot(found.1 - expected.1);
        prop_assert!(error <= 0.5, "dot at {found:?}, expected {expected:?}: {error:.3} px off");
    }
}

#[test]
fn warp_error_is_far_below_half_a_pixel() {
    // A deterministic sweep, to see the actual error rather than only its bound.
    let mut worst: f64 = 0.0;
    for i in 0..60 {
        let f = f64::from(i);
        let s = 0.3 * 10f64.powf((f * 0.37).fract());
        let angle = (f * 0.61).fract() * 2.0 * PI - PI;
        let source = (100.0 + (f * 0.731).fract() * 120.0, 100.0 + (f * 0.417).fract() * 120.0);
        let target = (25.0 + (f * 0.283).fract() * 62.0, 25.0 + (f * 0.859).fract() * 62.0);
        let (a, b) = (s * angle.cos(), s * angle.sin());
        let t = Similarity {
            a,
            b,
            tx: target.0 - (a * source.0 - b * source.1),
            ty: target.1 - (b * source.0 + a * source.1),
        };
        let (found, expected) = warped_blob(source, &t);
        worst = worst.max((found.0 - expected.0).hypot(found.1 - expected.1));
    }
    println!("worst dot position error over the sweep: {worst:.4} px");
    assert!(worst <= 0.1, "worst error {worst} px");
}

#[test]
fn align_face_puts_the_landmarks_on_the_template() {
    // Five blobs where a tilted, scaled face's landmarks would be; after alignment each must sit on
    // its template point.
    for (scale, angle, tx, ty) in [(2.0, 0.4, 60.0, 20.0), (0.8, -1.2, 80.0, 200.0), (1.3, 3.0, 230.0, 260.0)] {
        let face = similarity(scale, angle, tx, ty);
        let landmarks = ARCFACE_TEMPLATE.map(|p| to_point(apply64(&face, p64(p))));
        let t = transform_to_template(&landmarks).unwrap();
        let sigma = (2.5 / t.scale()).max(1.2);
        let mut image = RgbImage::new(320, 320);
        for p in &landmarks {
            draw_blob(&mut image, p64(*p), sigma);
        }
        let crop = align_face(&image, &landmarks).unwrap();
        for (i, q) in ARCFACE_TEMPLATE.iter().enumerate() {
            let expected = p64(*q);
            let found = centroid(&crop, expected, 8.0).expect("a blob near the template point");
            let error = (found.0 - expected.0).hypot(found.1 - expected.1);
            assert!(error <= 0.3, "scale {scale}, angle {angle}: landmark {i} at {found:?}, template {expected:?}");
        }
    }
}
