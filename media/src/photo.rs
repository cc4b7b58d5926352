//! Photos: find the real format from the bytes (never the name or the declared type), refuse
//! decompression bombs from the header alone, decode once at the smallest size that still makes a
//! sharp preview, then hand the pixels to `raster`.

use std::io::Cursor;

use image::metadata::Orientation;
use image::{ImageDecoder, ImageReader};

use crate::metadata::{self, Metadata};
use crate::raster::{self, Derivatives, Rgb};
use crate::{heif_refs, heif_rotation};

#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    #[error("this file is not a photo picup can read (JPEG, PNG, WebP, GIF, HEIC)")]
    Unsupported,
    #[error("this photo is too large to process ({width} x {height} pixels; the limit is {limit} megapixels)")]
    TooManyPixels { width: u64, height: u64, limit: u64 },
    #[error("this photo is damaged or incomplete and cannot be shown ({0})")]
    Corrupt(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Jpeg,
    Png,
    Gif,
    WebP,
    Heif,
}

/// The format the bytes really are.
pub fn sniff(bytes: &[u8]) -> Option<Format> {
    match bytes {
        [0xFF, 0xD8, 0xFF, ..] => Some(Format::Jpeg),
        [0x89, b'P', b'N', b'G', ..] => Some(Format::Png),
        [b'G', b'I', b'F', b'8', ..] => Some(Format::Gif),
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => Some(Format::WebP),
        [_, _, _, _, b'f', b't', b'y', b'p', brand @ ..]
            if brand.len() >= 4
                && matches!(
                    &brand[..4],
                    b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" | b"mif1" | b"msf1"
                ) =>
        {
            Some(Format::Heif)
        }
        _ => None,
    }
}

pub struct Photo {
    pub derivatives: Derivatives,
    /// As displayed, after orientation and turn.
    pub width: u32,
    pub height: u32,
    pub metadata: Metadata,
}

pub fn process(bytes: &[u8], max_megapixels: u64) -> Result<Photo, PhotoError> {
    process_turned(bytes, max_megapixels, Orientation::NoTransforms)
}

/// [`process`], with a member's turn ([`raster::clockwise`]) applied after the photo's own orientation.
pub fn process_turned(bytes: &[u8], max_megapixels: u64, turn: Orientation) -> Result<Photo, PhotoError> {
    let format = sniff(bytes).ok_or(PhotoError::Unsupported)?;
    let decoded = match format {
        Format::Jpeg => decode_jpeg(bytes, max_megapixels)?,
        Format::Heif => decode_heif(bytes, max_megapixels)?,
        Format::Png | Format::Gif | Format::WebP => decode_with_image(bytes, max_megapixels)?,
    };
    let orientation = raster::turned(decoded.orientation, turn);
    let derivatives = raster::derivatives(&decoded.rgb, orientation).map_err(|e| PhotoError::Corrupt(e.to_string()))?;
    let (width, height) = if raster::swaps_axes(orientation) {
        (decoded.full_height, decoded.full_width)
    } else {
        (decoded.full_width, decoded.full_height)
    };
    Ok(Photo { derivatives, width, height, metadata: decoded.metadata })
}

struct Decoded {
    rgb: Rgb,
    /// The stored size of the full image (the decode may be smaller).
    full_width: u32,
    full_height: u32,
    orientation: Orientation,
    metadata: Metadata,
}

fn check_pixels(width: u64, height: u64, max_megapixels: u64) -> Result<(), PhotoError> {
    if width == 0 || height == 0 {
        return Err(PhotoError::Corrupt("the image has no pixels".into()));
    }
    if width * height > max_megapixels * 1_000_000 {
        return Err(PhotoError::TooManyPixels { width, height, limit: max_megapixels });
    }
    Ok(())
}

/// libjpeg-turbo scales in the DCT domain while decoding: asking for 1/2, 1/4 or 1/8 of the size
/// skips most of the work. We ask for the smallest size that still covers the preview.
fn decode_jpeg(bytes: &[u8], max_megapixels: u64) -> Result<Decoded, PhotoError> {
    let mut decompressor = turbojpeg::Decompressor::new().map_err(|e| PhotoError::Corrupt(e.to_string()))?;
    let header = decompressor.read_header(bytes).map_err(|e| PhotoError::Corrupt(e.to_string()))?;
    check_pixels(header.width as u64, header.height as u64, max_megapixels)?;
    let exif = metadata::exif_from_container(bytes);
    let orientation = exif.as_ref().map_or(Orientation::NoTransforms, metadata::orientation);
    let metadata = exif.as_ref().map(metadata::read).unwrap_or_default();

    if matches!(header.colorspace, turbojpeg::Colorspace::CMYK | turbojpeg::Colorspace::YCCK) {
        // libjpeg-turbo cannot turn CMYK into RGB; the image crate can.
        let mut decoded = decode_with_image(bytes, max_megapixels)?;
        decoded.orientation = orientation;
        decoded.metadata = metadata;
        return Ok(decoded);
    }

    let long = header.width.max(header.height);
    let scale = [8, 4, 2].into_iter().find(|s| long.div_ceil(*s) >= raster::PREVIEW_LONG_SIDE as usize).unwrap_or(1);
    let (width, height) = (header.width.div_ceil(scale), header.height.div_ceil(scale));
    let mut pixels = vec![0u8; width * height * 3];
    let output = turbojpeg::Image {
        pixels: pixels.as_mut_slice(),
        width,
        pitch: width * 3,
        height,
        format: turbojpeg::PixelFormat::RGB,
    };
    decompressor.decompress(bytes, output).map_err(|e| PhotoError::Corrupt(e.to_string()))?;
    Ok(Decoded {
        rgb: Rgb { width: width as u32, height: height as u32, pixels },
        full_width: header.width as u32,
        full_height: header.height as u32,
        orientation,
        metadata,
    })
}

/// PNG, GIF (first frame) and WebP, and CMYK JPEG.
fn decode_with_image(bytes: &[u8], max_megapixels: u64) -> Result<Decoded, PhotoError> {
    let reader =
        ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|e| PhotoError::Corrupt(e.to_string()))?;
    let (width, height) = reader.into_dimensions().map_err(|e| PhotoError::Corrupt(e.to_string()))?;
    check_pixels(u64::from(width), u64::from(height), max_megapixels)?;

    let mut reader =
        ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|e| PhotoError::Corrupt(e.to_string()))?;
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(max_megapixels * 1_000_000 * 8);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|e| PhotoError::Corrupt(e.to_string()))?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let image = image::DynamicImage::from_decoder(decoder).map_err(|e| PhotoError::Corrupt(e.to_string()))?;
    let rgb = flatten_to_rgb(image);
    let metadata = metadata::exif_from_container(bytes).as_ref().map(metadata::read).unwrap_or_default();
    Ok(Decoded { full_width: rgb.width, full_height: rgb.height, rgb, orientation, metadata })
}

/// Transparent pixels are shown over white, as a photo album page would.
fn flatten_to_rgb(image: image::DynamicImage) -> Rgb {
    let (width, height) = (image.width(), image.height());
    if !image.color().has_alpha() {
        return Rgb { width, height, pixels: image.into_rgb8().into_raw() };
    }
    let rgba = image.into_rgba8();
    let pixels = rgba
        .pixels()
        .flat_map(|p| {
            let alpha = u16::from(p[3]);
            let over_white = |c: u8| ((u16::from(c) * alpha + 255 * (255 - alpha)) / 255) as u8;
            [over_white(p[0]), over_white(p[1]), over_white(p[2])]
        })
        .collect();
    Rgb { width, height, pixels }
}

/// HEIC/HEIF through libheif. The `irot`/`imir` transforms are the photo's orientation (libheif's
/// to apply, or ours after the resize: `heif_rotation`); the EXIF orientation describes the same
/// rotation and must not be applied again. An 8-bit photo (every phone's) is decoded to its own
/// Y'CbCr and made preview-sized before it becomes RGB (`raster::preview_from_ycbcr`): no
/// full-size RGB is ever made.
fn decode_heif(bytes: &[u8], max_megapixels: u64) -> Result<Decoded, PhotoError> {
    use libheif_rs::{HeifContext, LibHeif};
    let heif = LibHeif::new();
    let patched = heif_refs::without_shared_aux_refs(bytes);
    let context = HeifContext::read_from_bytes(patched.as_deref().unwrap_or(bytes)).map_err(heif_corrupt)?;
    let handle = context.primary_image_handle().map_err(heif_corrupt)?;
    check_pixels(u64::from(handle.width()), u64::from(handle.height()), max_megapixels)?;
    // Where libheif could not be given the EXIF (see heif_refs), it is read from the file itself.
    let exif = metadata::heif_exif(&handle).or_else(|| metadata::exif_from_container(bytes));
    let metadata = exif.as_ref().map(metadata::read).unwrap_or_default();
    let eight_bits = handle.luma_bits_per_pixel() == 8 && handle.chroma_bits_per_pixel() == 8;
    // Decided before decoding, so a photo the fast path cannot take is decoded once.
    let matrix = ycbcr_matrix(handle.color_profile_nclx().as_ref()).filter(|_| eight_bits);
    // Only a quarter turn of a photo that is not square: the planes' shape then says for sure
    // whether libheif turned them anyway (it does for some grids).
    let stored = stored_side(handle.ispe_width()).zip(stored_side(handle.ispe_height())).filter(|(w, h)| w != h);
    let rotation = heif_rotation::primary_rotation(bytes).filter(|rotation| raster::swaps_axes(*rotation));
    let stored_turn = stored.zip(rotation);
    let ycbcr = matrix.map(|_| decode_heif_ycbcr(&heif, &handle, stored_turn.is_some())).transpose()?;
    let (rgb, full_width, full_height, orientation) = match ycbcr.as_ref().and_then(ycbcr_planes).zip(matrix) {
        Some((planes, matrix)) => {
            let luma = &planes[0];
            let as_stored = stored_turn.filter(|((w, h), _)| luma.width >= *w && luma.height >= *h);
            // The decoder's planes may be a little larger than the picture (coded in whole blocks).
            let size = as_stored.map_or((handle.width(), handle.height()), |(size, _)| size);
            let (width, height) = (size.0.min(luma.width), size.1.min(luma.height));
            let orientation = as_stored.map_or(Orientation::NoTransforms, |(_, turn)| turn);
            let rgb =
                raster::preview_from_ycbcr(&planes, size, matrix).map_err(|e| PhotoError::Corrupt(e.to_string()))?;
            (rgb, width, height, orientation)
        }
        None => {
            let rgb = decode_heif_rgb(&heif, &handle)?;
            let (width, height) = (rgb.width, rgb.height);
            (rgb, width, height, Orientation::NoTransforms)
        }
    };
    Ok(Decoded { rgb, full_width, full_height, orientation, metadata })
}

/// The photo in Y'CbCr 4:2:0 (how phones store it: libheif converts nothing), not turned when
/// `as_stored` (a photo stored on its side is turned after the resize: heif_rotation).
fn decode_heif_ycbcr(
    heif: &libheif_rs::LibHeif,
    handle: &libheif_rs::ImageHandle,
    as_stored: bool,
) -> Result<libheif_rs::Image, PhotoError> {
    let mut options =
        libheif_rs::DecodingOptions::new().ok_or_else(|| PhotoError::Corrupt("libheif: no decoding options".into()))?;
    options.set_ignore_transformations(as_stored);
    let ycbcr = libheif_rs::ColorSpace::YCbCr(libheif_rs::Chroma::C420);
    heif.decode(handle, ycbcr, Some(options)).map_err(heif_corrupt)
}

/// Its three 8-bit Y'CbCr planes, when it has them (a greyscale photo has one).
fn ycbcr_planes(image: &libheif_rs::Image) -> Option<[raster::Plane<'_>; 3]> {
    let planes = image.planes();
    Some([eight_bit(planes.y)?, eight_bit(planes.cb)?, eight_bit(planes.cr)?])
}

fn eight_bit(plane: Option<libheif_rs::Plane<&[u8]>>) -> Option<raster::Plane<'_>> {
    plane.filter(|plane| plane.storage_bits_per_pixel == 8).map(|plane| raster::Plane {
        data: plane.data,
        width: plane.width,
        height: plane.height,
        stride: plane.stride,
    })
}

fn stored_side(side: i32) -> Option<u32> {
    u32::try_from(side).ok().filter(|&side| side > 0)
}

fn heif_corrupt(error: libheif_rs::HeifError) -> PhotoError {
    PhotoError::Corrupt(error.to_string())
}

/// The matrix libheif would turn this photo's Y'CbCr into RGB with, when it is one
/// `raster::YCbCrMatrix` knows; without a `colr` box of the nclx kind, BT.601 at full range.
fn ycbcr_matrix(nclx: Option<&libheif_rs::ColorProfileNCLX>) -> Option<raster::YCbCrMatrix> {
    use libheif_rs::MatrixCoefficients as Matrix;
    let Some(nclx) = nclx else { return Some(raster::YCbCrMatrix::bt601(true)) };
    let full_range = nclx.full_range_flag() != 0;
    match nclx.matrix_coefficients() {
        Matrix::ITU_R_BT_601_6 | Matrix::ITU_R_BT_470_6_System_B_G | Matrix::Unspecified => {
            Some(raster::YCbCrMatrix::bt601(full_range))
        }
        Matrix::ITU_R_BT_709_5 => Some(raster::YCbCrMatrix::bt709(full_range)),
        _ => None,
    }
}

/// The full-size RGB image libheif converts (10-bit photos, and matrices of other kinds).
fn decode_heif_rgb(heif: &libheif_rs::LibHeif, handle: &libheif_rs::ImageHandle) -> Result<Rgb, PhotoError> {
    use libheif_rs::{ColorSpace, RgbChroma};
    let image = heif.decode(handle, ColorSpace::Rgb(RgbChroma::Rgb), None).map_err(heif_corrupt)?;
    let plane = image.planes().interleaved.ok_or_else(|| PhotoError::Corrupt("no interleaved RGB plane".into()))?;
    let (width, height) = (plane.width, plane.height);
    let row = width as usize * 3;
    let mut pixels = Vec::with_capacity(row * height as usize);
    for y in 0..height as usize {
        pixels.extend_from_slice(&plane.data[y * plane.stride..y * plane.stride + row]);
    }
    Ok(Rgb { width, height, pixels })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_recognised_by_their_bytes() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE1]), Some(Format::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n"), Some(Format::Png));
        assert_eq!(sniff(b"RIFF1234WEBPVP8 "), Some(Format::WebP));
        assert_eq!(sniff(b"\0\0\0\x18ftypheic\0\0"), Some(Format::Heif));
        assert_eq!(sniff(b"\0\0\0\x18ftypisom\0\0"), None, "an MP4 is not a photo");
        assert_eq!(sniff(b""), None);
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    /// The Y'CbCr path draws the preview libheif's own RGB conversion would have: checked on real
    /// HEICs (an odd-sized one among them, whose chroma planes are rounded up), against libheif's
    /// full-size RGB resized the same way.
    #[test]
    fn a_heic_preview_from_its_ycbcr_matches_libheifs_rgb() {
        let testdata = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/robustness");
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/heic");
        let mut files = vec![testdata.join("fq-rainbow-451x461.heic"), testdata.join("androidx-sample_mp.heic")];
        files.extend(std::fs::read_dir(&corpus).into_iter().flatten().flatten().map(|entry| entry.path()));
        for file in files {
            let bytes = std::fs::read(&file).expect("read");
            let decoded = decode_heif(&bytes, 100).expect("decode");
            let mut turned = image::DynamicImage::ImageRgb8(
                image::RgbImage::from_raw(decoded.rgb.width, decoded.rgb.height, decoded.rgb.pixels).expect("rgb"),
            );
            turned.apply_orientation(decoded.orientation);
            let fast = Rgb { width: turned.width(), height: turned.height(), pixels: turned.into_rgb8().into_raw() };
            let heif = libheif_rs::LibHeif::new();
            let context = libheif_rs::HeifContext::read_from_bytes(&bytes).expect("read");
            let full = decode_heif_rgb(&heif, &context.primary_image_handle().expect("handle")).expect("rgb");
            let (width, height) = raster::fit(full.width, full.height, raster::PREVIEW_LONG_SIDE);
            assert_eq!((fast.width, fast.height), (width, height), "{}", file.display());
            let reference = resize_like_preview(&full, width, height);
            let total: u64 = fast.pixels.iter().zip(&reference).map(|(a, b)| u64::from(a.abs_diff(*b))).sum();
            let mean = total as f64 / reference.len() as f64;
            assert!(mean < 1.5, "{}: {mean:.2} per channel from libheif's colours", file.display());
        }
    }

    fn resize_like_preview(source: &Rgb, width: u32, height: u32) -> Vec<u8> {
        use fast_image_resize::images::{Image, ImageRef};
        use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
        let src = ImageRef::new(source.width, source.height, &source.pixels, PixelType::U8x3).expect("source");
        let mut dst = Image::new(width, height, PixelType::U8x3);
        let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::CatmullRom));
        Resizer::new().resize(&src, &mut dst, &options).expect("resize");
        dst.into_vec()
    }

    #[test]
    fn a_decompression_bomb_is_refused_from_its_header() {
        // A valid PNG header claiming 100000 x 100000 pixels, and nothing else.
        let mut png = Vec::new();
        png.extend_from_slice(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
        png.extend_from_slice(&100_000u32.to_be_bytes());
        png.extend_from_slice(&100_000u32.to_be_bytes());
        png.extend_from_slice(&[8, 2, 0, 0, 0]);
        let crc = crc32(&png[12..]);
        png.extend_from_slice(&crc.to_be_bytes());
        for chunk in [&b"IDAT"[..], &b"IEND"[..]] {
            png.extend_from_slice(&0u32.to_be_bytes());
            png.extend_from_slice(chunk);
            png.extend_from_slice(&crc32(chunk).to_be_bytes());
        }
        let result = process(&png, 100);
        assert!(matches!(result, Err(PhotoError::TooManyPixels { .. })), "{:?}", result.err());
    }
}
