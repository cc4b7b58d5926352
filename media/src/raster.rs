//! Pixels to derivatives: resize (SIMD, fast_image_resize), orient, encode (WebP thumbnail, JPEG
//! preview) and the ThumbHash placeholder. Shared by photos and video posters.

use base64::Engine;
use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::metadata::Orientation;
use image::{DynamicImage, RgbImage};

pub const THUMBNAIL_LONG_SIDE: u32 = 256;
pub const PREVIEW_LONG_SIDE: u32 = 1440;
const THUMBHASH_LONG_SIDE: u32 = 100;
const QUALITY: i32 = 80;

/// An RGB image as it is stored (before orientation is applied).
pub struct Rgb {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

pub struct Derivatives {
    pub thumbnail_webp: Vec<u8>,
    pub preview_jpeg: Vec<u8>,
    pub thumbhash: String,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RasterError(String);

/// Size that fits `long_side` without upscaling, keeping the aspect ratio.
pub fn fit(width: u32, height: u32, long_side: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= long_side {
        return (width.max(1), height.max(1));
    }
    let scale = f64::from(long_side) / f64::from(long);
    let scaled = |v: u32| ((f64::from(v) * scale).round() as u32).max(1);
    (scaled(width), scaled(height))
}

fn resize(source: &Rgb, width: u32, height: u32, filter: FilterType) -> Result<Rgb, RasterError> {
    if (width, height) == (source.width, source.height) {
        return Ok(Rgb { width, height, pixels: source.pixels.clone() });
    }
    let src = ImageRef::new(source.width, source.height, &source.pixels, PixelType::U8x3)
        .map_err(|e| RasterError(format!("resize source: {e}")))?;
    let mut dst = Image::new(width, height, PixelType::U8x3);
    Resizer::new()
        .resize(&src, &mut dst, &ResizeOptions::new().resize_alg(ResizeAlg::Convolution(filter)))
        .map_err(|e| RasterError(format!("resize: {e}")))?;
    Ok(Rgb { width, height, pixels: dst.into_vec() })
}

fn orient(image: Rgb, orientation: Orientation) -> Result<Rgb, RasterError> {
    if orientation == Orientation::NoTransforms {
        return Ok(image);
    }
    let buffer = RgbImage::from_raw(image.width, image.height, image.pixels)
        .ok_or_else(|| RasterError("pixel buffer has the wrong size".into()))?;
    let mut dynamic = DynamicImage::ImageRgb8(buffer);
    dynamic.apply_orientation(orientation);
    let rgb = dynamic.into_rgb8();
    Ok(Rgb { width: rgb.width(), height: rgb.height(), pixels: rgb.into_raw() })
}

/// One 8-bit plane as a decoder gives it: `height` rows of `width` samples, `stride` bytes apart.
pub struct Plane<'a> {
    pub data: &'a [u8],
    pub width: u32,
    pub height: u32,
    pub stride: usize,
}

/// How Y'CbCr samples become RGB: the matrix's red and blue weights, and whether the samples span
/// 0-255 (full range, as in JPEG) or 16-235 (video range).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct YCbCrMatrix {
    red_weight: f32,
    blue_weight: f32,
    full_range: bool,
}

impl YCbCrMatrix {
    /// BT.601 (JPEG's matrix, and libheif's reading of a HEIF that names none).
    pub const fn bt601(full_range: bool) -> YCbCrMatrix {
        YCbCrMatrix { red_weight: 0.299, blue_weight: 0.114, full_range }
    }

    pub const fn bt709(full_range: bool) -> YCbCrMatrix {
        YCbCrMatrix { red_weight: 0.2126, blue_weight: 0.0722, full_range }
    }

    fn rgb(&self, y: u8, cb: u8, cr: u8) -> [u8; 3] {
        let (y, cb, cr) = if self.full_range {
            (f32::from(y), f32::from(cb) - 128.0, f32::from(cr) - 128.0)
        } else {
            let chroma = |c: u8| (f32::from(c) - 128.0) * (255.0 / 224.0);
            ((f32::from(y) - 16.0) * (255.0 / 219.0), chroma(cb), chroma(cr))
        };
        let (kr, kb) = (self.red_weight, self.blue_weight);
        let kg = 1.0 - kr - kb;
        let red = y + 2.0 * (1.0 - kr) * cr;
        let blue = y + 2.0 * (1.0 - kb) * cb;
        let green = y - (2.0 * kb * (1.0 - kb) / kg) * cb - (2.0 * kr * (1.0 - kr) / kg) * cr;
        // `as` saturates: out-of-gamut values land on 0 or 255.
        [red.round() as u8, green.round() as u8, blue.round() as u8]
    }
}

/// The preview-sized RGB image of the `width` x `height` picture at the top left of Y'CbCr planes
/// (any chroma subsampling; a decoder's planes may be larger than the picture): each plane is
/// resized to the preview's size on its own, then the small result is turned into RGB. A 12 MP
/// HEIC never exists as full-size RGB: no conversion of 12 million pixels, and a resize of one
/// channel at full size (plus two quarter-size ones) instead of three.
pub fn preview_from_ycbcr(
    [luma, blue, red]: &[Plane<'_>; 3],
    (width, height): (u32, u32),
    matrix: YCbCrMatrix,
) -> Result<Rgb, RasterError> {
    let (width, height) = (width.min(luma.width), height.min(luma.height));
    let (preview_width, preview_height) = fit(width, height, PREVIEW_LONG_SIDE);
    let resize = |plane: &Plane<'_>| {
        // A chroma sample covers 2 x 2 pixels in 4:2:0: the picture is half as many samples wide.
        let (across, down) = (luma.width.div_ceil(plane.width.max(1)), luma.height.div_ceil(plane.height.max(1)));
        let crop = (f64::from(width) / f64::from(across), f64::from(height) / f64::from(down));
        resize_plane(plane, crop, (preview_width, preview_height))
    };
    let (y, cb, cr) = (resize(luma)?, resize(blue)?, resize(red)?);
    let mut pixels = Vec::with_capacity(y.len() * 3);
    for ((&y, &cb), &cr) in y.iter().zip(&cb).zip(&cr) {
        pixels.extend_from_slice(&matrix.rgb(y, cb, cr));
    }
    Ok(Rgb { width: preview_width, height: preview_height, pixels })
}

/// The `crop` (width, height) at the top left of a plane, resized to `size`.
fn resize_plane(plane: &Plane<'_>, crop: (f64, f64), (width, height): (u32, u32)) -> Result<Vec<u8>, RasterError> {
    let stride = u32::try_from(plane.stride).map_err(|_| RasterError("plane too wide".into()))?;
    let rows =
        plane.data.get(..plane.stride * plane.height as usize).ok_or_else(|| RasterError("plane too short".into()))?;
    let src = ImageRef::new(stride, plane.height, rows, PixelType::U8)
        .map_err(|e| RasterError(format!("resize source: {e}")))?;
    let mut dst = Image::new(width, height, PixelType::U8);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::CatmullRom)).crop(
        0.0,
        0.0,
        crop.0.min(f64::from(plane.width)),
        crop.1.min(f64::from(plane.height)),
    );
    Resizer::new().resize(&src, &mut dst, &options).map_err(|e| RasterError(format!("resize: {e}")))?;
    Ok(dst.into_vec())
}

/// Does the orientation swap width and height?
pub fn swaps_axes(orientation: Orientation) -> bool {
    matches!(
        orientation,
        Orientation::Rotate90 | Orientation::Rotate270 | Orientation::Rotate90FlipH | Orientation::Rotate270FlipH
    )
}

/// A member's turn of `quarter_turns` quarter turns clockwise (0 to 3; more wrap), as an orientation.
pub fn clockwise(quarter_turns: u8) -> Orientation {
    match quarter_turns % 4 {
        0 => Orientation::NoTransforms,
        1 => Orientation::Rotate90,
        2 => Orientation::Rotate180,
        _ => Orientation::Rotate270,
    }
}

/// `first` (the file's own orientation), then `then` (a member's turn), as one orientation.
pub fn turned(first: Orientation, then: Orientation) -> Orientation {
    // Each orientation is a flip (or none), then a clockwise rotation: R^r F^f. Flipping turns a
    // rotation around (F R^r = R^-r F), so R^r2 F^f2 R^r1 F^f1 = R^(r2 ± r1) F^(f1 xor f2).
    let (first_flipped, first_rotation) = flip_and_rotation(first);
    let (then_flipped, then_rotation) = flip_and_rotation(then);
    let rotation = if then_flipped { then_rotation + 4 - first_rotation } else { then_rotation + first_rotation };
    let rotated = clockwise(rotation);
    if first_flipped == then_flipped { rotated } else { flipped_then(rotated) }
}

/// An orientation as (flipped horizontally first, quarter turns clockwise after).
fn flip_and_rotation(orientation: Orientation) -> (bool, u8) {
    use Orientation::*;
    match orientation {
        NoTransforms => (false, 0),
        Rotate90 => (false, 1),
        Rotate180 => (false, 2),
        Rotate270 => (false, 3),
        FlipHorizontal => (true, 0),
        // Rotating, then flipping horizontally, is flipping, then rotating the other way.
        Rotate270FlipH => (true, 1),
        FlipVertical => (true, 2),
        Rotate90FlipH => (true, 3),
    }
}

/// A flip horizontally, then the clockwise `rotation`.
fn flipped_then(rotation: Orientation) -> Orientation {
    use Orientation::*;
    match rotation {
        Rotate90 => Rotate270FlipH,
        Rotate180 => FlipVertical,
        Rotate270 => Rotate90FlipH,
        _ => FlipHorizontal,
    }
}

/// Makes both outputs from one decoded image: the preview from the decoded pixels, the thumbnail
/// from the preview (cheaper, and a 1440 px source is plenty for 256 px), then orientation.
pub fn derivatives(decoded: &Rgb, orientation: Orientation) -> Result<Derivatives, RasterError> {
    let (pw, ph) = fit(decoded.width, decoded.height, PREVIEW_LONG_SIDE);
    let preview = resize(decoded, pw, ph, FilterType::CatmullRom)?;
    let (tw, th) = fit(preview.width, preview.height, THUMBNAIL_LONG_SIDE);
    let thumbnail = resize(&preview, tw, th, FilterType::Lanczos3)?;
    let (hw, hh) = fit(thumbnail.width, thumbnail.height, THUMBHASH_LONG_SIDE);
    let small = resize(&thumbnail, hw, hh, FilterType::Bilinear)?;

    let preview = orient(preview, orientation)?;
    let thumbnail = orient(thumbnail, orientation)?;
    let small = orient(small, orientation)?;

    Ok(Derivatives {
        preview_jpeg: encode_jpeg(&preview)?,
        thumbnail_webp: encode_webp(&thumbnail),
        thumbhash: thumbhash(&small),
    })
}

pub fn encode_jpeg(image: &Rgb) -> Result<Vec<u8>, RasterError> {
    let mut compressor = turbojpeg::Compressor::new().map_err(|e| RasterError(format!("jpeg encoder: {e}")))?;
    compressor.set_quality(QUALITY);
    compressor.set_subsamp(turbojpeg::Subsamp::Sub2x2);
    let source = turbojpeg::Image {
        pixels: image.pixels.as_slice(),
        width: image.width as usize,
        pitch: image.width as usize * 3,
        height: image.height as usize,
        format: turbojpeg::PixelFormat::RGB,
    };
    compressor.compress_to_vec(source).map_err(|e| RasterError(format!("jpeg encode: {e}")))
}

fn encode_webp(image: &Rgb) -> Vec<u8> {
    webp::Encoder::from_rgb(&image.pixels, image.width, image.height).encode(QUALITY as f32).to_vec()
}

fn thumbhash(image: &Rgb) -> String {
    let rgba: Vec<u8> = image.pixels.chunks_exact(3).flat_map(|p| [p[0], p[1], p[2], 255]).collect();
    let hash = thumbhash::rgba_to_thumb_hash(image.width as usize, image.height as usize, &rgba);
    base64::engine::general_purpose::STANDARD.encode(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fitting_never_upscales_and_keeps_the_aspect() {
        assert_eq!(fit(6000, 4000, 1440), (1440, 960));
        assert_eq!(fit(4000, 6000, 256), (171, 256));
        assert_eq!(fit(800, 600, 1440), (800, 600));
        assert_eq!(fit(10_000, 1, 256), (256, 1));
    }

    const ALL: [Orientation; 8] = {
        use Orientation::*;
        [NoTransforms, Rotate90, Rotate180, Rotate270, FlipHorizontal, FlipVertical, Rotate90FlipH, Rotate270FlipH]
    };

    /// Every orientation a file may give, then every other one (a member's turn is one of the
    /// rotations), is the one orientation `turned` says: checked pixel by pixel on an image whose
    /// every pixel differs.
    #[test]
    fn a_turn_is_applied_after_the_files_own_orientation() {
        let source = DynamicImage::ImageRgb8(RgbImage::from_fn(3, 2, |x, y| image::Rgb([x as u8, y as u8, 0])));
        for first in ALL {
            for then in ALL {
                let mut expected = source.clone();
                expected.apply_orientation(first);
                expected.apply_orientation(then);
                let mut combined = source.clone();
                combined.apply_orientation(turned(first, then));
                assert_eq!(combined.to_rgb8(), expected.to_rgb8(), "{first:?} then {then:?}");
            }
        }
    }

    #[test]
    fn quarter_turns_clockwise_are_rotations() {
        let source = DynamicImage::ImageRgb8(RgbImage::from_fn(3, 2, |x, y| image::Rgb([x as u8, y as u8, 0])));
        for turns in 0..8u8 {
            let mut expected = source.clone();
            for _ in 0..turns {
                expected = expected.rotate90();
            }
            let mut turned = source.clone();
            turned.apply_orientation(clockwise(turns));
            assert_eq!(turned.to_rgb8(), expected.to_rgb8(), "{turns} quarter turns");
        }
    }

    /// Pure red, white and black, as each matrix and range writes them, come back; and red
    /// written by BT.709 but read as BT.601 does not (the HEIC test's tolerance would see it).
    #[test]
    fn ycbcr_becomes_the_rgb_it_was_made_from() {
        let close = |got: [u8; 3], want: [u8; 3]| got.iter().zip(want).all(|(g, w)| g.abs_diff(w) <= 2);
        let bt601 = YCbCrMatrix::bt601(true);
        assert!(close(bt601.rgb(76, 85, 255), [255, 0, 0]), "{:?}", bt601.rgb(76, 85, 255));
        assert!(close(bt601.rgb(255, 128, 128), [255, 255, 255]));
        let bt709 = YCbCrMatrix::bt709(true);
        assert!(close(bt709.rgb(54, 99, 255), [255, 0, 0]), "{:?}", bt709.rgb(54, 99, 255));
        assert!(!close(bt601.rgb(54, 99, 255), [255, 0, 0]), "{:?}", bt601.rgb(54, 99, 255));
        let video = YCbCrMatrix::bt709(false);
        assert!(close(video.rgb(16, 128, 128), [0, 0, 0]));
        assert!(close(video.rgb(235, 128, 128), [255, 255, 255]));
        assert!(close(video.rgb(63, 102, 240), [255, 0, 0]), "{:?}", video.rgb(63, 102, 240));
    }

    #[test]
    fn a_rotated_image_comes_out_with_swapped_sides() {
        let image = Rgb { width: 400, height: 200, pixels: vec![128; 400 * 200 * 3] };
        let made = derivatives(&image, Orientation::Rotate90).expect("derivatives");
        let preview = image::load_from_memory(&made.preview_jpeg).expect("decodable jpeg");
        assert_eq!((preview.width(), preview.height()), (200, 400));
        let thumb = image::load_from_memory(&made.thumbnail_webp).expect("decodable webp");
        assert_eq!((thumb.width(), thumb.height()), (128, 256));
        assert!(!made.thumbhash.is_empty());
    }
}
