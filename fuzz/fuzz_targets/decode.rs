//! Arbitrary bytes → an upright RGB image or a typed error, never a panic: `read_header` and
//! `decode_image_with` must agree with each other and with the limit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use simface::{DecodeOptions, Error, decode_image_with, read_header};

/// Small enough that one decode stays fast (a hostile header asks for at most this many pixels), large
/// enough for every seed.
const MAX_PIXELS: u64 = 512 * 512;

fuzz_target!(|bytes: &[u8]| {
    let options = DecodeOptions { max_pixels: MAX_PIXELS };
    let header = read_header(bytes, options);
    let image = decode_image_with(bytes, options);
    match (&header, &image) {
        (Ok(header), Ok(image)) => {
            assert!(header.pixels() <= MAX_PIXELS);
            assert_eq!(header.upright_size(), image.dimensions(), "the header's size is the image's");
            assert_eq!(image.as_raw().len(), image.width() as usize * image.height() as usize * 3);
        }
        // The header's checks come first, so a refused header means a refused decode, with the same error.
        (Err(h), Err(d)) => assert_eq!(h.to_string(), d.to_string()),
        (Err(h), Ok(_)) => panic!("the header is refused ({h}) but the image decodes"),
        // Pixels can be damaged behind a good header.
        (Ok(_), Err(e)) => assert!(matches!(e, Error::CorruptImage(_) | Error::UnsupportedFormat), "{e:?}"),
    }
    if let Err(Error::ImageTooLarge { width, height, limit }) = header {
        assert!(u64::from(width) * u64::from(height) > limit);
    }
});
