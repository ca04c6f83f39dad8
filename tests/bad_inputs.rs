//! Hostile, broken and unusual image files: each must give the right typed error or the right
//! result, never a panic. Also covers every format SimFace reads (re-encoded from a real photo, the
//! face must still be found and embed the same), CMYK JPEGs, and EXIF orientation.
//!
//! Needs the shared photos (`$SIMFACE_SHARED` or `../shared`) and, for the pipeline cases, the models
//! (`SIMFACE_MODELS_DIR`) and ONNX Runtime (`ORT_DYLIB_PATH`).
// These tests run the native pipeline (files, ONNX Runtime); the wasm32 build has its browser tests in e2e/.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::Cursor;

use common::shared_dir;
use image::{DynamicImage, ImageFormat, RgbImage, RgbaImage};
use simface::detect::Face;
use simface::{DecodeOptions, Embedding, Error, FacePipeline, PipelineConfig, decode_image, decode_image_with};

/// A portrait from the shared photos (474×474, one face).
const PORTRAIT: &str = "faces/probe/AJOLIE-013_95ecbd39.jpg";
/// A portrait that is not square, so a 90° rotation visibly swaps its dimensions (474×556).
const TALL_PORTRAIT: &str = "faces/probe/THANKS-001_986d6c22.jpg";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn read_shared(relative: &str) -> Vec<u8> {
    let path = shared_dir().join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn pipeline() -> FacePipeline {
    common::init_runtime();
    FacePipeline::from_dir(&common::models_dir(), PipelineConfig::default())
        .expect("the models load (set SIMFACE_MODELS_DIR and ORT_DYLIB_PATH)")
}

fn detect(pipeline: &mut FacePipeline, image: &RgbImage) -> Vec<Face> {
    pollster::block_on(pipeline.detect_faces(image)).expect("detection runs")
}

fn embed(pipeline: &mut FacePipeline, image: &RgbImage) -> Embedding {
    pollster::block_on(pipeline.embed_face(image, 0)).expect("a face is found and embedded").embedding
}

fn cosine(a: &Embedding, b: &Embedding) -> f32 {
    simface::cosine_similarity(a, b).expect("same embedding size")
}

fn encode(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).unwrap_or_else(|e| panic!("encoding {format:?}: {e}"));
    out.into_inner()
}

fn encode_jpeg(image: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality).encode_image(image).expect("JPEG encodes");
    out
}

/// Mean of each channel over the image.
fn mean_rgb(image: &RgbImage) -> [f64; 3] {
    let mut sum = [0.0f64; 3];
    for p in image.pixels() {
        for c in 0..3 {
            sum[c] += f64::from(p[c]);
        }
    }
    let n = f64::from(image.width()) * f64::from(image.height());
    sum.map(|s| s / n)
}

/// Mean absolute difference per channel value of two images of the same size.
fn mean_abs_diff(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let total: u64 = a.as_raw().iter().zip(b.as_raw()).map(|(&x, &y)| u64::from(x.abs_diff(y))).sum();
    total as f64 / a.as_raw().len() as f64
}

/// A decode result for assertion messages: the error, or the image's size (never its pixels).
fn describe(result: &Result<RgbImage, Error>) -> String {
    match result {
        Ok(image) => format!("Ok({}×{} image)", image.width(), image.height()),
        Err(e) => format!("Err({e:?})"),
    }
}

fn max_abs_diff(a: &RgbImage, b: &RgbImage) -> u8 {
    assert_eq!(a.dimensions(), b.dimensions());
    a.as_raw().iter().zip(b.as_raw()).map(|(&x, &y)| x.abs_diff(y)).max().unwrap_or(0)
}

/// Largest distance between corresponding landmarks of two faces.
fn landmark_distance(a: &Face, b: &Face) -> f32 {
    a.landmarks.iter().zip(&b.landmarks).map(|(p, q)| (p.x - q.x).hypot(p.y - q.y)).fold(0.0, f32::max)
}

/// A deterministic byte stream (SplitMix64), so failures reproduce.
fn pseudo_random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        out.extend_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    out.truncate(len);
    out
}

/// The offset of the first segment with this marker code in a JPEG's headers (walked by segment
/// lengths, so bytes inside other segments do not count).
fn jpeg_segment_offset(jpeg: &[u8], marker: u8) -> usize {
    let mut i = 2;
    loop {
        assert_eq!(jpeg[i], 0xFF, "a marker at {i}");
        if jpeg[i + 1] == marker {
            return i;
        }
        assert_ne!(jpeg[i + 1], 0xDA, "no marker {marker:#04x} before the scan");
        i += 2 + usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
    }
}

/// The offset just past the header of the first SOS (start of scan) segment of a JPEG: where the
/// entropy-coded picture data begins.
fn jpeg_scan_data_offset(jpeg: &[u8]) -> usize {
    let sos = jpeg_segment_offset(jpeg, 0xDA);
    sos + 2 + usize::from(u16::from_be_bytes([jpeg[sos + 2], jpeg[sos + 3]]))
}

/// A PNG chunk: length, type, data, CRC-32 of type and data.
fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(12 + data.len());
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.finalize().to_be_bytes());
    out
}

/// A PNG whose IHDR declares `width`×`height` 8-bit RGB, followed by `rest` chunks.
fn png_with_header(width: u32, height: u32, rest: &[Vec<u8>]) -> Vec<u8> {
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // bit depth 8, RGB, deflate, adaptive filter, no interlace
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(png_chunk(b"IHDR", &ihdr));
    for chunk in rest {
        out.extend_from_slice(chunk);
    }
    out
}

/// An APP1 segment holding a minimal big-endian EXIF block: one IFD with one entry, the Orientation
/// tag (0x0112, SHORT, count 1) set to `orientation`.
fn exif_orientation_segment(orientation: u16) -> Vec<u8> {
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend_from_slice(b"MM\0*"); // big-endian TIFF header
    payload.extend_from_slice(&8u32.to_be_bytes()); // offset of IFD0 from the TIFF header
    payload.extend_from_slice(&1u16.to_be_bytes()); // one entry
    payload.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    payload.extend_from_slice(&3u16.to_be_bytes()); // type SHORT
    payload.extend_from_slice(&1u32.to_be_bytes()); // count
    payload.extend_from_slice(&orientation.to_be_bytes()); // value, left-justified in 4 bytes
    payload.extend_from_slice(&[0, 0]);
    payload.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    let mut segment = vec![0xFF, 0xE1];
    segment.extend_from_slice(&(payload.len() as u16 + 2).to_be_bytes());
    segment.extend(payload);
    segment
}

/// `jpeg` with an EXIF orientation segment inserted right after SOI.
fn with_exif_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8], "starts with SOI");
    let mut out = jpeg[..2].to_vec();
    out.extend(exif_orientation_segment(orientation));
    out.extend_from_slice(&jpeg[2..]);
    out
}

thread_local! {
    /// The largest single allocation made on this thread since the last reset.
    static LARGEST_ALLOCATION: Cell<usize> = const { Cell::new(0) };
    /// The bytes allocated on this thread since the last reset (each `realloc` counts its new size).
    static TOTAL_ALLOCATED: Cell<usize> = const { Cell::new(0) };
}

/// The system allocator, noting each thread's largest allocation and its total so a test can prove that
/// a call allocated no big buffer, neither at once nor piece by piece.
struct NotingAllocator;

// SAFETY: every call is forwarded unchanged to the system allocator; the bookkeeping touches only a
// const-initialised thread-local `Cell`, which neither allocates nor registers a destructor.
unsafe impl GlobalAlloc for NotingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation(layout.size());
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation(layout.size());
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation(new_size);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

fn note_allocation(size: usize) {
    let _ = LARGEST_ALLOCATION.try_with(|largest| largest.set(largest.get().max(size)));
    let _ = TOTAL_ALLOCATED.try_with(|total| total.set(total.get().saturating_add(size)));
}

#[global_allocator]
static ALLOCATOR: NotingAllocator = NotingAllocator;

/// What a call allocated on this thread: its largest single allocation and its total, in bytes.
#[derive(Debug, Clone, Copy)]
struct Allocated {
    largest: usize,
    total: usize,
}

/// Runs `f` on this thread, returning its result and what it allocated (a count, not a time: the same on a
/// busy machine as on an idle one).
fn measured<T>(f: impl FnOnce() -> T) -> (T, Allocated) {
    LARGEST_ALLOCATION.with(|largest| largest.set(0));
    TOTAL_ALLOCATED.with(|total| total.set(0));
    let value = f();
    (value, Allocated { largest: LARGEST_ALLOCATION.with(Cell::get), total: TOTAL_ALLOCATED.with(Cell::get) })
}

/// 1 MiB: a thousandth of one 20000×20000 image (1.2 GB of RGB, 400 MB even at one byte a pixel), about
/// 17 of its rows; a decoder that started on the pixels would pass it at once. (Measured: about 150 KB for
/// the PNG headers, 21 KB for the JPEG.)
const SMALL_ALLOCATION: usize = 1 << 20;

// ---------------------------------------------------------------------------------------------
// Files that are not images, or not whole ones
// ---------------------------------------------------------------------------------------------

#[test]
fn empty_file_is_empty_input() {
    assert!(matches!(decode_image(&[]), Err(Error::EmptyInput)));
}

#[test]
fn text_file_is_unsupported_format() {
    let result = decode_image(b"hello, this is not an image\n");
    assert!(matches!(result, Err(Error::UnsupportedFormat)), "{}", describe(&result));
    for other in [&b"x"[..], b"<!DOCTYPE html><html></html>", b"%PDF-1.4\n", &[0u8; 64]] {
        let result = decode_image(other);
        assert!(matches!(result, Err(Error::UnsupportedFormat)), "{other:?}: {}", describe(&result));
    }
}

#[test]
fn jpeg_truncated_to_half_is_corrupt() {
    let jpeg = read_shared(PORTRAIT);
    let half = &jpeg[..jpeg.len() / 2];
    let result = decode_image(half);
    assert!(matches!(result, Err(Error::CorruptImage(_))), "{}", describe(&result));
    // The header check alone refuses it too (the web app's, before the browser decodes).
    let header = simface::read_header(half, simface::DecodeOptions::default());
    assert!(matches!(header, Err(Error::CorruptImage(_))), "{header:?}");
    // Cut anywhere in the picture data, down to its last bytes, it is still not a whole image.
    let scan = jpeg_scan_data_offset(&jpeg);
    for cut in [scan, scan + 1, (scan + jpeg.len()) / 2, jpeg.len() - 100, jpeg.len() - 2, jpeg.len() - 1] {
        let result = decode_image(&jpeg[..cut]);
        assert!(matches!(result, Err(Error::CorruptImage(_))), "cut at {cut} of {}: {}", jpeg.len(), describe(&result));
    }
    // Cut inside the headers.
    for cut in [1, 2, 3, 20, scan - 1] {
        let result = decode_image(&jpeg[..cut]);
        assert!(
            matches!(result, Err(Error::CorruptImage(_) | Error::UnsupportedFormat)),
            "cut at {cut}: {}",
            describe(&result)
        );
    }
}

#[test]
fn png_truncated_to_half_is_corrupt() {
    let png = encode(&DynamicImage::ImageRgb8(decode_image(&read_shared(PORTRAIT)).unwrap()), ImageFormat::Png);
    let result = decode_image(&png[..png.len() / 2]);
    assert!(matches!(result, Err(Error::CorruptImage(_))), "{}", describe(&result));
}

#[test]
fn random_bytes_after_a_jpeg_header_are_corrupt() {
    let jpeg = read_shared(PORTRAIT);
    let scan = jpeg_scan_data_offset(&jpeg);
    let app0_end = 4 + usize::from(u16::from_be_bytes([jpeg[4], jpeg[5]]));
    // After the first segment (JFIF APP0), and after all the headers: the picture data replaced by
    // noise of the same length, with several seeds.
    let mut cases = vec![(1, app0_end)];
    cases.extend((2..=12).map(|seed| (seed, scan)));
    for (seed, header_end) in cases {
        let mut bytes = jpeg[..header_end].to_vec();
        bytes.extend(pseudo_random_bytes(seed, jpeg.len() - header_end));
        let result = decode_image(&bytes);
        println!("seed {seed}, header {header_end} bytes: {}", describe(&result));
        assert!(
            matches!(result, Err(Error::CorruptImage(_))),
            "seed {seed}, header {header_end}: {}",
            describe(&result)
        );
    }
    // SOI followed by noise is not recognisably a JPEG at all; either error is right.
    let mut bytes = jpeg[..2].to_vec();
    bytes.extend(pseudo_random_bytes(13, 1000));
    let result = decode_image(&bytes);
    assert!(matches!(result, Err(Error::UnsupportedFormat | Error::CorruptImage(_))), "{}", describe(&result));
}

#[test]
fn jpeg_with_bytes_after_its_end_still_decodes() {
    // Cameras append trailers (maker data, a motion photo's video) after EOI; that is a whole image.
    let jpeg = read_shared(PORTRAIT);
    let original = decode_image(&jpeg).unwrap();
    for trailer in [vec![0u8; 3], vec![0xFF; 5], pseudo_random_bytes(7, 10_000), b"\xFF\xD8 more".to_vec()] {
        let mut bytes = jpeg.clone();
        bytes.extend(trailer);
        let decoded = decode_image(&bytes).expect("a JPEG with a trailer decodes");
        assert_eq!(max_abs_diff(&decoded, &original), 0);
    }
}

#[test]
fn every_shared_photo_decodes() {
    let faces = shared_dir().join("faces");
    let mut count = 0;
    for folder in std::fs::read_dir(&faces).expect("faces/ exists") {
        let folder = folder.unwrap().path();
        if !folder.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&folder).unwrap() {
            let path = file.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            let image = decode_image(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(image.width() > 0 && image.height() > 0);
            count += 1;
        }
    }
    assert!(count >= 40, "only {count} shared photos found");
}

// ---------------------------------------------------------------------------------------------
// Size limits
// ---------------------------------------------------------------------------------------------

/// A 20000×20000 header is refused from the header alone: the error names the size and the limit, and the
/// whole call allocates less than 1 MiB in all (counted by this binary's global allocator; a real 474×474
/// decode is counted too, to show the counter sees pixel buffers). No clock is involved: allocation is what
/// "before any pixel is allocated" means.
#[test]
fn huge_png_header_is_refused_before_any_pixel_is_allocated() {
    // A valid IHDR (correct CRC) for 20000×20000 followed by a tiny IDAT and IEND, and the same
    // header with nothing after it: 1.2 GB of RGB if anything tried to decode it.
    let idat = png_chunk(b"IDAT", &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    let iend = png_chunk(b"IEND", &[]);
    let whole = png_with_header(20_000, 20_000, &[idat, iend]);
    let header_only = png_with_header(20_000, 20_000, &[]);
    for (name, png) in [("with IDAT", whole), ("header only", header_only)] {
        let (result, allocated) = measured(|| decode_image(&png));
        println!("20000×20000 PNG, {name}: {}, {allocated:?}", describe(&result));
        if name == "with IDAT" {
            assert!(
                matches!(result, Err(Error::ImageTooLarge { width: 20_000, height: 20_000, limit: 40_000_000 })),
                "{name}: {}",
                describe(&result)
            );
        } else {
            // The PNG decoder reads up to the first IDAT before it reports a size, so a file that
            // stops after IHDR is refused as cut short; refused either way, and just as cheaply.
            assert!(
                matches!(result, Err(Error::ImageTooLarge { .. } | Error::CorruptImage(_))),
                "{name}: {}",
                describe(&result)
            );
        }
        assert!(allocated.total < SMALL_ALLOCATION, "{name}: allocated {allocated:?}");
    }
    // The same for the other formats' headers: a JPEG whose SOF says 20000×20000.
    let original = read_shared(PORTRAIT);
    let mut jpeg = original.clone();
    let sof = jpeg_segment_offset(&jpeg, 0xC0); // baseline SOF0: length, precision, height, width
    jpeg[sof + 5..sof + 9].copy_from_slice(&[0x4E, 0x20, 0x4E, 0x20]);
    let (result, allocated) = measured(|| decode_image(&jpeg));
    println!("20000×20000 JPEG: {}, {allocated:?}", describe(&result));
    assert!(matches!(result, Err(Error::ImageTooLarge { width: 20_000, height: 20_000, .. })), "{}", describe(&result));
    assert!(allocated.total < SMALL_ALLOCATION, "allocated {allocated:?}");
    // The yardstick: the same JPEG with its real 474×474 size decodes, and that allocates the pixels
    // (at least 474×474×3 bytes), so the counter does see pixel buffers.
    let (result, decoded) = measured(|| decode_image(&original));
    println!("474×474 JPEG: {}, {decoded:?}", describe(&result));
    assert!(result.is_ok());
    assert!(decoded.largest >= 474 * 474 * 3, "the counter missed the pixels: {decoded:?}");
}

#[test]
fn custom_pixel_limit_is_enforced() {
    let jpeg = read_shared(PORTRAIT);
    let (w, h) = (474u32, 474u32);
    let result = decode_image_with(&jpeg, DecodeOptions { max_pixels: 1000 });
    assert!(
        matches!(result, Err(Error::ImageTooLarge { width, height, limit: 1000 }) if (width, height) == (w, h)),
        "{}",
        describe(&result)
    );
    let message = result.unwrap_err().to_string();
    assert!(message.contains("474×474"), "{message}");
    // The limit is inclusive.
    let exact = decode_image_with(&jpeg, DecodeOptions { max_pixels: u64::from(w * h) }).expect("at the limit");
    assert_eq!(exact.dimensions(), (w, h));
    let result = decode_image_with(&jpeg, DecodeOptions { max_pixels: u64::from(w * h) - 1 });
    assert!(matches!(result, Err(Error::ImageTooLarge { .. })), "{}", describe(&result));
    // Every format is checked, not just JPEG.
    let png = encode(&DynamicImage::ImageRgb8(exact), ImageFormat::Png);
    let result = decode_image_with(&png, DecodeOptions { max_pixels: 1000 });
    assert!(matches!(result, Err(Error::ImageTooLarge { .. })), "{}", describe(&result));
}

// ---------------------------------------------------------------------------------------------
// Images without a face
// ---------------------------------------------------------------------------------------------

#[test]
fn one_pixel_png_decodes_and_has_no_face() {
    let png =
        encode(&DynamicImage::ImageRgb8(RgbImage::from_pixel(1, 1, image::Rgb([200, 150, 120]))), ImageFormat::Png);
    let image = decode_image(&png).expect("a 1×1 PNG decodes");
    assert_eq!(image.dimensions(), (1, 1));
    assert_eq!(image.get_pixel(0, 0).0, [200, 150, 120]);
    let mut pipeline = pipeline();
    assert!(detect(&mut pipeline, &image).is_empty());
    let result = pollster::block_on(pipeline.embed_face(&image, 0));
    assert!(matches!(result, Err(Error::NoFace)), "{:?}", result.map(|f| f.face));
    // Thin strips are no problem either.
    for (w, h) in [(1, 300), (300, 1), (2, 2), (31, 33)] {
        let strip = RgbImage::from_pixel(w, h, image::Rgb([90, 90, 90]));
        let result = pollster::block_on(pipeline.embed_face(&strip, 0));
        assert!(matches!(result, Err(Error::NoFace)), "{w}×{h}: {:?}", result.map(|f| f.face));
    }
}

// ---------------------------------------------------------------------------------------------
// Formats
// ---------------------------------------------------------------------------------------------

#[test]
fn every_format_decodes_to_the_same_picture_and_face() {
    let original = decode_image(&read_shared(PORTRAIT)).unwrap();
    let mut pipeline = pipeline();
    let reference = embed(&mut pipeline, &original);

    let mut rgba = RgbaImage::new(original.width(), original.height());
    for (x, y, p) in rgba.enumerate_pixels_mut() {
        let [r, g, b] = original.get_pixel(x, y).0;
        // Alpha varies from transparent to opaque; SimFace drops it and keeps the stored colour.
        *p = image::Rgba([r, g, b, (x * 255 / original.width()) as u8]);
    }
    let rgb = DynamicImage::ImageRgb8(original.clone());
    // (name, file, lossless colour, cosine bound)
    let cases: Vec<(&str, Vec<u8>, bool, f32)> = vec![
        ("PNG 16-bit RGB", encode(&DynamicImage::ImageRgb16(rgb.to_rgb16()), ImageFormat::Png), true, 0.999),
        ("PNG grayscale L8", encode(&DynamicImage::ImageLuma8(rgb.to_luma8()), ImageFormat::Png), false, 0.9),
        ("PNG RGBA", encode(&DynamicImage::ImageRgba8(rgba), ImageFormat::Png), true, 0.999),
        ("WebP lossless", encode(&rgb, ImageFormat::WebP), true, 0.999),
        ("BMP", encode(&rgb, ImageFormat::Bmp), true, 0.999),
        ("GIF", encode(&rgb, ImageFormat::Gif), false, 0.98),
    ];
    let mut failures = Vec::new();
    for (name, bytes, lossless, bound) in cases {
        let decoded = decode_image(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(decoded.dimensions(), original.dimensions(), "{name}");
        let diff = mean_abs_diff(&decoded, &original);
        if lossless {
            assert_eq!(max_abs_diff(&decoded, &original), 0, "{name}: the pixels changed");
        }
        let faces = detect(&mut pipeline, &decoded);
        let embedding = embed(&mut pipeline, &decoded);
        let cos = cosine(&embedding, &reference);
        println!("{name}: {} bytes, mean |diff| {diff:.2}, {} face(s), cosine {cos:.4}", bytes.len(), faces.len());
        if faces.is_empty() || cos < bound {
            failures.push(format!("{name}: {} face(s), cosine {cos:.4} < {bound}", faces.len()));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// RGB → CMYK as print software does it (K from the brightest channel, C/M/Y relative to it), so
/// that `R = (255 − C)(255 − K)/255` gives the colour back.
fn rgb_to_cmyk(image: &RgbImage) -> Vec<u8> {
    let mut out = Vec::with_capacity(image.as_raw().len() / 3 * 4);
    for p in image.pixels() {
        let max = p.0.iter().copied().max().unwrap_or(0);
        if max == 0 {
            out.extend_from_slice(&[0, 0, 0, 255]);
            continue;
        }
        for c in p.0 {
            let v = (u32::from(max - c) * 255 + u32::from(max) / 2) / u32::from(max);
            out.push(v as u8);
        }
        out.push(255 - max);
    }
    out
}

#[test]
fn cmyk_jpeg_decodes_with_plausible_colours() {
    let original = decode_image(&read_shared(PORTRAIT)).unwrap();
    let (w, h) = original.dimensions();
    let mut jpeg = Vec::new();
    jpeg_encoder::Encoder::new(&mut jpeg, 95)
        .encode(&rgb_to_cmyk(&original), w as u16, h as u16, jpeg_encoder::ColorType::Cmyk)
        .expect("CMYK JPEG encodes");
    let decoded = decode_image(&jpeg).expect("a CMYK JPEG decodes");
    assert_eq!(decoded.dimensions(), (w, h));
    let (m0, m1) = (mean_rgb(&original), mean_rgb(&decoded));
    let mean_error = (0..3).map(|c| (m0[c] - m1[c]).abs()).fold(0.0, f64::max);
    let diff = mean_abs_diff(&decoded, &original);
    println!(
        "CMYK: original mean RGB {m0:.1?}, decoded {m1:.1?}; worst channel mean error {mean_error:.2}; mean |diff| {diff:.2}"
    );
    assert!(mean_error < 4.0, "colours shifted: {m0:?} → {m1:?}");
    assert!(diff < 6.0, "mean |diff| {diff}");

    let mut pipeline = pipeline();
    let faces = detect(&mut pipeline, &decoded);
    assert!(!faces.is_empty(), "no face in the CMYK JPEG");
    let cos = cosine(&embed(&mut pipeline, &decoded), &embed(&mut pipeline, &original));
    println!("CMYK: {} face(s), cosine to the original {cos:.4}", faces.len());
    assert!(cos > 0.95, "cosine {cos}");
}

// ---------------------------------------------------------------------------------------------
// EXIF orientation
// ---------------------------------------------------------------------------------------------

#[test]
fn exif_orientation_is_applied() {
    let original = decode_image(&read_shared(TALL_PORTRAIT)).unwrap();
    assert_ne!(original.width(), original.height(), "the test needs a non-square photo");
    let mut pipeline = pipeline();
    let reference_faces = detect(&mut pipeline, &original);
    let reference = &reference_faces[0];
    // The stored pixels, and the EXIF orientation that tells a viewer how to show them upright.
    let cases = [
        // Stored turned 90° counter-clockwise: display by turning 90° clockwise.
        ("rotate270 + EXIF 6", image::imageops::rotate270(&original), 6),
        // Stored turned 90° clockwise: display by turning 90° counter-clockwise.
        ("rotate90 + EXIF 8", image::imageops::rotate90(&original), 8),
        ("rotate180 + EXIF 3", image::imageops::rotate180(&original), 3),
    ];
    let mut failures = Vec::new();
    for (name, stored, orientation) in cases {
        let plain = encode_jpeg(&stored, 95);
        let tagged = with_exif_orientation(&plain, orientation);
        // Without the tag the stored pixels come back as they are.
        let as_stored = decode_image(&plain).unwrap();
        assert_eq!(as_stored.dimensions(), stored.dimensions(), "{name}");
        let upright = decode_image(&tagged).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(upright.dimensions(), original.dimensions(), "{name}: not turned upright");
        // The header alone says the same (the web app checks it before the browser decodes the file).
        let header = simface::read_header(&tagged, simface::DecodeOptions::default()).unwrap();
        assert_eq!((header.stored_width, header.stored_height), stored.dimensions(), "{name}");
        assert_eq!(header.upright_size(), original.dimensions(), "{name}: header");
        let diff = mean_abs_diff(&upright, &original);
        let faces = detect(&mut pipeline, &upright);
        let Some(face) = faces.first() else {
            failures.push(format!("{name}: no face"));
            continue;
        };
        let moved = landmark_distance(face, reference);
        let l = &face.landmarks;
        let eyes_above_mouth = l[0].y.max(l[1].y) < l[3].y.min(l[4].y);
        let right_eye_on_left = l[0].x < l[1].x;
        println!(
            "{name}: {}×{}, mean |diff| to the original {diff:.2}, landmarks moved ≤ {moved:.2} px, eyes above mouth {eyes_above_mouth}",
            upright.width(),
            upright.height()
        );
        if diff > 2.0 || moved > 2.0 || !eyes_above_mouth || !right_eye_on_left {
            failures.push(format!("{name}: mean |diff| {diff:.2}, landmarks moved {moved:.2} px, {l:?}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn broken_or_unusual_exif_does_not_stop_decoding() {
    let jpeg = encode_jpeg(&decode_image(&read_shared(PORTRAIT)).unwrap(), 95);
    let plain = decode_image(&jpeg).unwrap();
    // Orientation 1 (upright) and out-of-range values leave the picture as stored.
    for orientation in [1, 0, 9, 0xFFFF] {
        let decoded = decode_image(&with_exif_orientation(&jpeg, orientation))
            .unwrap_or_else(|e| panic!("orientation {orientation}: {e}"));
        assert_eq!(max_abs_diff(&decoded, &plain), 0, "orientation {orientation}");
    }
    // An EXIF block cut short.
    let mut segment = exif_orientation_segment(6);
    segment.truncate(segment.len() - 10);
    let length = (segment.len() - 2) as u16;
    segment[2..4].copy_from_slice(&length.to_be_bytes());
    let mut bytes = jpeg[..2].to_vec();
    bytes.extend(segment);
    bytes.extend_from_slice(&jpeg[2..]);
    let decoded = decode_image(&bytes).expect("a broken EXIF block is ignored");
    assert_eq!(decoded.dimensions(), plain.dimensions());
}

/// An image without pixels reaching the public API (a caller's own RgbImage, not a decoded file) is a typed
/// error from every entry point, never a panic: zero width, zero height, both; detected as it is, at a turn, in
/// a view, analysed and embedded; and YuNet used directly finds no face in it (it indexed rows by the width).
#[test]
fn an_image_without_pixels_is_a_typed_error_everywhere() {
    let mut pipeline = pipeline();
    for (w, h) in [(0, 10), (10, 0), (0, 0)] {
        let empty = RgbImage::new(w, h);
        let no_pixels = |r: Result<(), Error>| matches!(r, Err(Error::CorruptImage(_)));
        assert!(no_pixels(pollster::block_on(pipeline.detect_faces(&empty)).map(drop)), "detect {w}×{h}");
        let turned = pollster::block_on(pipeline.detect_faces_at_turn(&empty, simface::Turn::Quarter)).map(drop);
        assert!(no_pixels(turned), "detect at a turn {w}×{h}");
        assert!(
            no_pixels(pollster::block_on(pipeline.detect_faces_in_view(&empty, (640, 480))).map(drop)),
            "view {w}×{h}"
        );
        assert!(no_pixels(pollster::block_on(pipeline.analyze(&empty)).map(drop)), "analyze {w}×{h}");
        assert!(no_pixels(pollster::block_on(pipeline.embed_face(&empty, 0)).map(drop)), "embed_face {w}×{h}");
        // The detector itself, used directly: no face, no panic.
        let direct = pollster::block_on(simface::Detector::detect(pipeline.detector_mut(), &empty));
        assert!(direct.is_ok_and(|faces| faces.is_empty()), "YuNet on {w}×{h}");
    }
}
