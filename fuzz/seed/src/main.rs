//! Writes the seeds of the fuzz corpora (fuzz/seed.sh runs it): `simface-fuzz-seed FACES_DIR CORPUS_DIR`.
//!
//! Images: every photo under FACES_DIR (the shared photos) shrunk and re-encoded in each format SimFace reads,
//! small so that a decode takes microseconds (`decode`: 24 px and 48 px) and a pipeline run milliseconds
//! (`pipeline`: 160 px, faces still found), and odd synthetic ones (1×1, grey, alpha, 16-bit, an animated GIF,
//! an EXIF orientation, a cut-off JPEG). JSON: a gallery export, face records and image records as the CLI
//! writes them, from synthetic values. Photo-derived seeds land only in CORPUS_DIR, which git ignores.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use image::codecs::gif::GifEncoder;
use image::{DynamicImage, Frame, ImageFormat, Rgb, RgbImage, RgbaImage};
use simface::detect::{BBox, Face, LandmarkSource, Point, Turn};
use simface::embed::EMBEDDING_DIM;
use simface::gallery::Gallery;
use simface::liveness::{Liveness, LivenessModel, ModelVerdict};
use simface::report::{FaceRecord, ImageRecord};
use simface::{EmbedderModel, Embedding, Pose, Quality, QualityIssue};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const FORMATS: [(ImageFormat, &str); 5] = [
    (ImageFormat::Jpeg, "jpg"),
    (ImageFormat::Png, "png"),
    (ImageFormat::WebP, "webp"),
    (ImageFormat::Bmp, "bmp"),
    (ImageFormat::Gif, "gif"),
];

fn encode(image: &DynamicImage, format: ImageFormat) -> Result<Vec<u8>> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format)?;
    Ok(out.into_inner())
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join(name), bytes)?;
    Ok(())
}

/// `image` with its longer side `side` pixels.
fn shrink(image: &DynamicImage, side: u32) -> DynamicImage {
    image.resize(side, side, image::imageops::FilterType::Triangle)
}

/// The photos under `dir`, one level of folders deep, sorted.
fn photos(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            found.extend(photos(&path)?);
        } else if path.extension().is_some_and(|e| ["jpg", "jpeg", "png"].contains(&e.to_string_lossy().as_ref())) {
            found.push(path);
        }
    }
    found.sort();
    Ok(found)
}

fn image_seeds(faces: &Path, corpus: &Path) -> Result<usize> {
    let mut count = 0;
    for (n, path) in photos(faces)?.iter().enumerate() {
        let Ok(photo) = image::open(path) else { continue };
        let stem = format!("photo{n:03}");
        for side in [24, 48] {
            let small = shrink(&photo, side);
            for (format, ext) in FORMATS {
                write(&corpus.join("decode"), &format!("{stem}_{side}.{ext}"), &encode(&small, format)?)?;
                count += 1;
            }
        }
        let face_sized = shrink(&photo, 160);
        let (format, ext) = if n % 2 == 0 { (ImageFormat::Jpeg, "jpg") } else { (ImageFormat::Png, "png") };
        write(&corpus.join("pipeline"), &format!("{stem}_160.{ext}"), &encode(&face_sized, format)?)?;
        count += 1;
        if n % 8 == 0 {
            let turned = face_sized.rotate90();
            write(&corpus.join("pipeline"), &format!("{stem}_160_turned.jpg"), &encode(&turned, ImageFormat::Jpeg)?)?;
            count += 1;
        }
    }
    Ok(count)
}

/// A JPEG with an APP1 EXIF block saying `orientation` (1–8) right after its SOI marker.
fn with_exif_orientation(jpeg: &[u8], orientation: u8) -> Vec<u8> {
    let tiff = [
        b'M',
        b'M',
        0,
        0x2A,
        0,
        0,
        0,
        8, // big-endian TIFF header, first IFD at 8
        0,
        1, // one entry
        0x01,
        0x12,
        0,
        3,
        0,
        0,
        0,
        1,
        0,
        orientation,
        0,
        0, // Orientation, SHORT, 1 value
        0,
        0,
        0,
        0, // no next IFD
    ];
    let length = (2 + 6 + tiff.len()) as u16;
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(b"Exif\0\0");
    out.extend_from_slice(&tiff);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// Small images no photo gives: extreme sizes, other colour types, two GIF frames, EXIF, cut-off files.
fn odd_seeds(corpus: &Path) -> Result<usize> {
    let dir = corpus.join("decode");
    let gradient = RgbImage::from_fn(12, 7, |x, y| Rgb([(x * 20) as u8, (y * 35) as u8, 128]));
    let images: [(&str, DynamicImage); 6] = [
        ("one", DynamicImage::ImageRgb8(RgbImage::from_pixel(1, 1, Rgb([200, 10, 10])))),
        ("wide", DynamicImage::ImageRgb8(RgbImage::from_pixel(300, 1, Rgb([1, 2, 3])))),
        ("grey", DynamicImage::ImageRgb8(gradient.clone()).grayscale()),
        ("alpha", DynamicImage::ImageRgba8(RgbaImage::from_fn(9, 9, |x, y| image::Rgba([90, 0, 0, (x * y) as u8])))),
        ("deep", DynamicImage::ImageRgb16(DynamicImage::ImageRgb8(gradient.clone()).to_rgb16())),
        ("gradient", DynamicImage::ImageRgb8(gradient.clone())),
    ];
    let mut count = 0;
    for (name, image) in &images {
        for (format, ext) in FORMATS {
            // Not every format stores every colour type: skip what the encoder refuses.
            if let Ok(bytes) = encode(image, format) {
                write(&dir, &format!("odd_{name}.{ext}"), &bytes)?;
                count += 1;
            }
        }
    }
    let jpeg = encode(&DynamicImage::ImageRgb8(gradient.clone()), ImageFormat::Jpeg)?;
    for orientation in [3, 6, 8] {
        write(&dir, &format!("odd_exif{orientation}.jpg"), &with_exif_orientation(&jpeg, orientation))?;
    }
    write(&dir, "odd_cut.jpg", &jpeg[..jpeg.len() * 2 / 3])?;
    let mut gif = Vec::new();
    {
        let mut encoder = GifEncoder::new(&mut gif);
        let frames = [Rgb([255, 0, 0]), Rgb([0, 0, 255])]
            .map(|c| Frame::new(DynamicImage::ImageRgb8(RgbImage::from_pixel(5, 4, c)).to_rgba8()));
        encoder.encode_frames(frames)?;
    }
    write(&dir, "odd_animated.gif", &gif)?;
    Ok(count + 5)
}

/// A unit-length pseudo-random template (a simple LCG: seeds need no quality randomness).
fn template(seed: u32, dim: usize) -> Embedding {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let values = (0..dim)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 8) as f32 / (1 << 24) as f32 - 0.5
        })
        .collect();
    Embedding::normalized(values)
}

fn face(x: f32) -> Face {
    let p = |dx: f32, dy: f32| Point::new(x + dx, 40.0 + dy);
    Face {
        bbox: BBox { x, y: 20.0, width: 60.0, height: 75.0 },
        score: 0.93,
        landmarks: [p(18.0, 10.0), p(42.0, 10.0), p(30.0, 25.0), p(20.0, 40.0), p(40.0, 40.0)],
        landmark_source: LandmarkSource::Detected,
        turn: Turn::None,
    }
}

fn json_seeds(corpus: &Path) -> Result<usize> {
    let mut gallery = Gallery::new(EmbedderModel::EdgefaceXs);
    let thumbnail = Some("data:image/jpeg;base64,/9j/4AAQSkZJRg==".to_string());
    gallery.add("Ada Lovelace", &[template(1, EMBEDDING_DIM), template(2, EMBEDDING_DIM)], thumbnail, 1.7e12)?;
    gallery.add("Émile", &[template(3, EMBEDDING_DIM)], None, 0.0)?;
    let export = gallery.to_json();
    let dir = corpus.join("gallery_json");
    write(&dir, "gallery.json", export.as_bytes())?;
    write(&dir, "gallery_xxs.json", export.replace("\"edgeface_xs\"", "\"edgeface_xxs\"").as_bytes())?;
    write(&dir, "gallery_v2.json", export.replace("\"version\":1", "\"version\":2").as_bytes())?;
    write(
        &dir,
        "empty.json",
        br#"{"format":"simface-gallery","version":1,"model":"edgeface_xs","embedding_size":512,"people":[]}"#,
    )?;

    let quality = Quality {
        score: 0.42,
        face_px: 60.0,
        sharpness: 512.5,
        brightness: 120.0,
        contrast: 33.3,
        pose: Pose { yaw: 3.5, pitch: -7.25, roll: 1.0 },
        issues: vec![QualityIssue::TooSmall, QualityIssue::HeadTilted],
    };
    let liveness = Liveness {
        real: 0.81,
        live: true,
        threshold: 0.5,
        models: vec![
            ModelVerdict { model: LivenessModel::MiniFasNetV2, probabilities: [0.1, 0.85, 0.05] },
            ModelVerdict { model: LivenessModel::MiniFasNetV1Se, probabilities: [0.2, 0.77, 0.03] },
        ],
    };
    let full = FaceRecord::new(0, &face(10.0))
        .with_quality(quality)
        .with_liveness(liveness)
        .with_embedding(EmbedderModel::EdgefaceXxs, template(4, 8));
    let plain = FaceRecord { rotation: Turn::Quarter, ..FaceRecord::new(1, &face(90.0)) };
    let record =
        ImageRecord { file: "photo.jpg".into(), width: 640, height: 480, faces: vec![full.clone(), plain.clone()] };
    let dir = corpus.join("face_json");
    write(&dir, "face_full.json", serde_json::to_string_pretty(&full)?.as_bytes())?;
    write(&dir, "face_plain.json", serde_json::to_string(&plain)?.as_bytes())?;
    write(&dir, "image.json", serde_json::to_string(&record)?.as_bytes())?;
    write(&dir, "images.json", serde_json::to_string(&[&record, &record])?.as_bytes())?;
    Ok(8)
}

fn main() -> Result<()> {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [faces, corpus] = args.as_slice() else {
        return Err("usage: simface-fuzz-seed FACES_DIR CORPUS_DIR".into());
    };
    let photos = if faces.is_dir() { image_seeds(faces, corpus)? } else { 0 };
    if photos == 0 {
        eprintln!("no photos under {}: the image corpora get only synthetic seeds", faces.display());
    }
    let odd = odd_seeds(corpus)?;
    let json = json_seeds(corpus)?;
    println!("seeds: {photos} from photos, {odd} odd images, {json} JSON documents");
    Ok(())
}
