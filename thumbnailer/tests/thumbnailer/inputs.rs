//! Inputs made here, so a clone without the corpus still checks the essentials, and the inputs a
//! family should never see crash anything: corrupt, truncated, empty, mislabelled, oversized.

use picup_thumbnailer::photo::{self, PhotoError};
use picup_thumbnailer::raster::{self, Rgb};
use picup_thumbnailer::video;

use crate::decode;

fn gradient_jpeg(width: u32, height: u32) -> Vec<u8> {
    let pixels = (0..width * height)
        .flat_map(|i| [(i % width * 255 / width) as u8, (i / width * 255 / height) as u8, 60])
        .collect();
    raster::encode_jpeg(&Rgb { width, height, pixels }).expect("encode")
}

#[test]
fn a_jpeg_becomes_a_webp_thumbnail_and_a_jpeg_preview_never_upscaled() {
    let made = photo::process(&gradient_jpeg(3000, 2000), 100).expect("process");
    assert_eq!((made.width, made.height), (3000, 2000));
    assert_eq!(&made.derivatives.thumbnail_webp[8..12], b"WEBP");
    assert_eq!(decode(&made.derivatives.thumbnail_webp).dimensions(), (256, 171));
    assert_eq!(decode(&made.derivatives.preview_jpeg).dimensions(), (1440, 960));
    assert!(!made.derivatives.thumbhash.is_empty());

    let small = photo::process(&gradient_jpeg(300, 200), 100).expect("process");
    assert_eq!(decode(&small.derivatives.preview_jpeg).dimensions(), (300, 200), "not upscaled");
}

#[test]
fn png_with_transparency_gif_and_webp_are_read() {
    let mut rgba = image::RgbaImage::new(64, 32);
    for (x, _, pixel) in rgba.enumerate_pixels_mut() {
        *pixel = image::Rgba([255, 0, 0, if x < 32 { 0 } else { 255 }]);
    }
    let mut png = Vec::new();
    rgba.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).expect("png");
    let made = photo::process(&png, 100).expect("png");
    let preview = decode(&made.derivatives.preview_jpeg);
    assert!(preview.get_pixel(5, 16)[1] > 200, "transparent pixels are shown over white");
    assert!(preview.get_pixel(60, 16)[1] < 60, "opaque red stays red");

    let mut gif = Vec::new();
    image::DynamicImage::ImageRgba8(rgba.clone())
        .write_to(&mut std::io::Cursor::new(&mut gif), image::ImageFormat::Gif)
        .expect("gif");
    assert_eq!(photo::process(&gif, 100).expect("gif").width, 64);
    let mut webp = Vec::new();
    image::DynamicImage::ImageRgba8(rgba)
        .write_to(&mut std::io::Cursor::new(&mut webp), image::ImageFormat::WebP)
        .expect("webp");
    assert_eq!(photo::process(&webp, 100).expect("webp").height, 32);
}

#[test]
fn the_bytes_decide_the_format_not_the_name() {
    // A PNG uploaded as "photo.jpg" with image/jpeg is still read as the PNG it is.
    let mut png = Vec::new();
    image::RgbImage::new(40, 30).write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).expect("png");
    assert_eq!(photo::process(&png, 100).expect("png").width, 40);
}

#[test]
fn bad_inputs_fail_with_a_reason_a_person_understands() {
    let jpeg = gradient_jpeg(800, 600);
    let truncated = &jpeg[..jpeg.len() / 2];
    let mut corrupt = jpeg.clone();
    for byte in corrupt.iter_mut().skip(700).step_by(7) {
        *byte = 0x5A;
    }
    let cases: [(&str, &[u8]); 4] =
        [("zero bytes", b""), ("not an image", b"%PDF-1.7 hello"), ("truncated", truncated), ("corrupt", &corrupt)];
    for (what, bytes) in cases {
        let err = photo::process(bytes, 100).err().unwrap_or_else(|| panic!("{what} must fail"));
        let message = err.to_string();
        assert!(
            message.contains("not a photo picup can read") || message.contains("damaged or incomplete"),
            "{what}: {message}"
        );
    }
}

#[test]
fn a_photo_over_the_pixel_limit_is_refused_before_decoding() {
    let err = photo::process(&gradient_jpeg(3000, 2000), 5).err().expect("6 MP over a 5 MP limit");
    assert!(matches!(err, PhotoError::TooManyPixels { width: 3000, height: 2000, limit: 5 }), "{err}");
    assert!(err.to_string().contains("too large"));
}

#[test]
fn a_file_that_is_not_a_video_is_refused() {
    let folder = tempfile::tempdir().expect("temp");
    let path = folder.path().join("clip.mp4");
    std::fs::write(&path, b"this is not a video at all").expect("write");
    let err = video::poster(&path, 100).err().expect("not a video");
    assert!(err.to_string().contains("not a video picup can read"), "{err}");
}

/// The movie that took the album down (#14): Photo-JPEG whose frames live in another file, so the
/// stream has a size but no pixel format and no frames. A converter for "no format" made
/// libswscale assert and abort the whole process; now it is a refusal, in process as well.
#[test]
fn an_old_quicktime_whose_frames_live_elsewhere_is_refused_not_fatal() {
    let movie =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/own/photo-jpeg-frames-elsewhere.mov");
    let err = video::poster(&movie, 100).err().expect("no picture to show");
    assert!(err.to_string().contains("damaged or incomplete"), "{err}");
}
