//! Decoding: file bytes → an upright 8-bit RGB image.
//!
//! Everything downstream (detectors, alignment, the embedder) works on [`image::RgbImage`] in the
//! orientation a person sees, so this module is where EXIF rotation is applied and where grey, alpha,
//! 16-bit and CMYK inputs are brought to 8-bit RGB. The pixel limit is checked against the header
//! before any pixel is decoded, so a hostile 20000×20000 header costs nothing.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits, RgbImage, imageops};

use crate::error::{Error, Result};

/// The default limit on decoded pixels: 40 MP covers every phone camera in use while keeping the
/// decoded RGB buffer (120 MB) well inside a browser tab's memory.
pub const DEFAULT_MAX_PIXELS: u64 = 40_000_000;

/// Limits applied while decoding.
#[derive(Debug, Clone, Copy)]
pub struct DecodeOptions {
    /// Images with more pixels than this are refused with [`Error::ImageTooLarge`].
    pub max_pixels: u64,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        Self { max_pixels: DEFAULT_MAX_PIXELS }
    }
}

/// Decodes an image file (JPEG, PNG, WebP, BMP, or the first frame of a GIF) with the default limits.
pub fn decode_image(bytes: &[u8]) -> Result<RgbImage> {
    decode_image_with(bytes, DecodeOptions::default())
}

/// What a file's header says about its image, read without decoding a pixel: enough to refuse it early
/// (too many pixels, cut off, not an image) and to let another decoder (the browser's) do the work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageHeader {
    pub format: ImageFormat,
    /// The stored size, before the EXIF orientation.
    pub stored_width: u32,
    pub stored_height: u32,
    /// The EXIF orientation (upright when the file has none or a broken one).
    pub orientation: image::metadata::Orientation,
    /// Whether the pixels carry alpha (dropped by [`decode_image`], which keeps the stored colour).
    pub has_alpha: bool,
}

impl ImageHeader {
    /// The size a person sees: the stored size with the EXIF orientation applied.
    pub fn upright_size(&self) -> (u32, u32) {
        use image::metadata::Orientation::*;
        match self.orientation {
            Rotate90 | Rotate270 | Rotate90FlipH | Rotate270FlipH => (self.stored_height, self.stored_width),
            NoTransforms | Rotate180 | FlipHorizontal | FlipVertical => (self.stored_width, self.stored_height),
        }
    }

    /// Width × height.
    pub fn pixels(&self) -> u64 {
        u64::from(self.stored_width) * u64::from(self.stored_height)
    }
}

/// Reads and checks an image file's header: empty, unknown or unsupported formats, more pixels than
/// `options.max_pixels`, no pixels, and JPEGs cut off before their end are refused with typed errors.
pub fn read_header(bytes: &[u8], options: DecodeOptions) -> Result<ImageHeader> {
    let (header, _) = open(bytes, options)?;
    Ok(header)
}

/// Refuses a JPEG that ends before its image does. A decoder fills what a cut-off file lacks with grey
/// instead of failing, and a half-grey photo would go on to be matched.
fn check_complete(bytes: &[u8], header: &ImageHeader) -> Result<()> {
    if header.format == ImageFormat::Jpeg && !jpeg_reaches_its_end(bytes) {
        return Err(Error::CorruptImage("the file ends before the image does".into()));
    }
    Ok(())
}

/// The header checks of [`read_header`], and the decoder ready to decode the pixels.
fn open(bytes: &[u8], options: DecodeOptions) -> Result<(ImageHeader, impl ImageDecoder + '_)> {
    if bytes.is_empty() {
        return Err(Error::EmptyInput);
    }
    let mut reader =
        ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|e| Error::CorruptImage(e.to_string()))?;
    let Some(format) = reader.format() else {
        return Err(Error::UnsupportedFormat);
    };
    let mut limits = Limits::default();
    // A 40 MP 16-bit RGBA image needs 320 MB; the default 512 MB allocation cap stays.
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);

    let mut decoder = reader.into_decoder().map_err(map_image_error)?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > options.max_pixels {
        return Err(Error::ImageTooLarge { width, height, limit: options.max_pixels });
    }
    if width == 0 || height == 0 {
        return Err(Error::CorruptImage("the image has no pixels".into()));
    }
    // A broken EXIF block should not make an otherwise good photo unreadable.
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let has_alpha = decoder.color_type().has_alpha();
    let header = ImageHeader { format, stored_width: width, stored_height: height, orientation, has_alpha };
    check_complete(bytes, &header)?;
    Ok((header, decoder))
}

/// Decodes an image file, applies its EXIF orientation and converts it to 8-bit RGB.
///
/// Alpha is dropped (as OpenCV's `imread` does), so transparent regions show their stored colour.
pub fn decode_image_with(bytes: &[u8], options: DecodeOptions) -> Result<RgbImage> {
    let (header, decoder) = open(bytes, options)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(map_image_error)?;
    image.apply_orientation(header.orientation);
    Ok(image.into_rgb8())
}

/// Whether a JPEG runs to its EOI (end of image) marker, found by walking the file's structure as a
/// decoder does: segments by their lengths, entropy-coded scan data up to the next real marker (not
/// a stuffed `FF 00` or a restart marker). Bytes after EOI, such as camera trailers or a motion
/// photo's video, are not looked at; neither is an `FF D9` inside a segment (an EXIF thumbnail's).
/// One pass over the bytes, no allocation. Malformed structure that is not a missing end is left to
/// the decoder to report.
fn jpeg_reaches_its_end(bytes: &[u8]) -> bool {
    let mut i = 2; // just past SOI
    loop {
        // The next marker: 0xFF, any number of fill 0xFFs, then the marker code. Stray bytes
        // before it are skipped, as libjpeg does.
        let Some(offset) = bytes.get(i..).and_then(|rest| rest.iter().position(|&b| b == 0xFF)) else {
            return false;
        };
        i += offset;
        while bytes.get(i) == Some(&0xFF) {
            i += 1;
        }
        let Some(&marker) = bytes.get(i) else {
            return false;
        };
        i += 1;
        match marker {
            0xD9 => return true,
            // Markers without a payload: TEM, restarts, SOI (and a stray stuffed zero).
            0x00 | 0x01 | 0xD0..=0xD8 => {}
            _ => {
                let Some(&[hi, lo]) = bytes.get(i..i + 2) else {
                    return false;
                };
                let length = usize::from(u16::from_be_bytes([hi, lo]));
                if length < 2 {
                    return true;
                }
                i += length;
                if i > bytes.len() {
                    return false;
                }
                if marker == 0xDA {
                    // Start of scan: skip the entropy-coded data up to the next marker.
                    loop {
                        let Some(offset) = bytes[i..].iter().position(|&b| b == 0xFF) else {
                            return false;
                        };
                        let Some(&next) = bytes.get(i + offset + 1) else {
                            return false;
                        };
                        if next == 0x00 || (0xD0..=0xD7).contains(&next) {
                            i += offset + 2;
                        } else {
                            i += offset;
                            break;
                        }
                    }
                }
            }
        }
    }
}

fn map_image_error(error: ImageError) -> Error {
    match error {
        ImageError::Unsupported(_) => Error::UnsupportedFormat,
        ImageError::Limits(_) => Error::CorruptImage("the image needs more memory than allowed".into()),
        ImageError::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            Error::CorruptImage("the file ends before the image does".into())
        }
        other => Error::CorruptImage(other.to_string()),
    }
}

/// A copy of `image` whose longer side is at most `max_side`, and the factors `(sx, sy)` that map its
/// coordinates back to `image` (multiply by them). Images already small enough are borrowed, not copied.
///
/// Detectors run on this view; alignment samples the full-resolution image with landmarks mapped
/// back, so downscaling for speed costs no detail in the face crop.
pub fn downscale_for_detection(image: &RgbImage, max_side: u32) -> (std::borrow::Cow<'_, RgbImage>, (f32, f32)) {
    let longer = image.width().max(image.height());
    if max_side == 0 || longer <= max_side {
        return (std::borrow::Cow::Borrowed(image), (1.0, 1.0));
    }
    let scale = max_side as f32 / longer as f32;
    let w = ((image.width() as f32 * scale).round() as u32).max(1);
    let h = ((image.height() as f32 * scale).round() as u32).max(1);
    let small = imageops::resize(image, w, h, imageops::FilterType::Triangle);
    let back = (image.width() as f32 / w as f32, image.height() as f32 / h as f32);
    (std::borrow::Cow::Owned(small), back)
}

#[cfg(test)]
mod tests {
    use super::jpeg_reaches_its_end;

    /// SOI, an APP1 segment whose payload holds `FF D9` (as an EXIF thumbnail does), SOS, scan
    /// data with a stuffed `FF 00` and a restart marker, then `tail`.
    fn jpeg_like(tail: &[u8]) -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x06, 0xFF, 0xD8, 0xFF, 0xD9];
        bytes.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x04, 0x01, 0x02]);
        bytes.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]);
        bytes.extend_from_slice(tail);
        bytes
    }

    #[test]
    fn end_marker_is_found_only_where_a_decoder_would_find_it() {
        assert!(jpeg_reaches_its_end(&jpeg_like(&[0xFF, 0xD9])));
        assert!(jpeg_reaches_its_end(&jpeg_like(&[0xFF, 0xFF, 0xD9, 0x00, 0x00, 0x12])));
        // A second scan after a table segment (progressive files).
        assert!(jpeg_reaches_its_end(&jpeg_like(&[
            0xFF, 0xC4, 0x00, 0x03, 0x00, 0xFF, 0xDA, 0x00, 0x02, 0x77, 0xFF, 0xD9
        ])));
        // Cut in the scan data, after a stuffed byte, in a marker, in a segment's length or payload.
        assert!(!jpeg_reaches_its_end(&jpeg_like(&[])));
        assert!(!jpeg_reaches_its_end(&jpeg_like(&[0xFF])));
        assert!(!jpeg_reaches_its_end(&jpeg_like(&[0xFF, 0xC4, 0x00])));
        assert!(!jpeg_reaches_its_end(&jpeg_like(&[0xFF, 0xC4, 0x00, 0x10, 0x00])));
        // The EOI inside APP1 does not count.
        assert!(!jpeg_reaches_its_end(&[0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x06, 0xFF, 0xD8, 0xFF, 0xD9]));
    }
}
