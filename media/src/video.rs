//! Videos through FFmpeg (ffmpeg-next): what the file is (duration, size as displayed, rotation,
//! creation time), a poster frame that is not black, and whether browsers can play it as it is.

use std::path::Path;

use ffmpeg::codec::packet::side_data::Type as SideDataType;
use ffmpeg::format::Pixel;
use ffmpeg::media::Type;
use ffmpeg::software::scaling::{Context as Scaler, Flags};
use ffmpeg_next as ffmpeg;
use image::metadata::Orientation;

use crate::metadata::parse_exif_time;
use crate::raster::{self, Derivatives, Rgb};

#[derive(Debug, thiserror::Error)]
pub enum VideoError {
    #[error("this file is not a video picup can read")]
    Unsupported,
    #[error("this video is too large to process ({width} x {height} pixels)")]
    TooManyPixels { width: u32, height: u32 },
    #[error("this video is damaged or incomplete and cannot be shown ({0})")]
    Corrupt(String),
}

impl From<ffmpeg::Error> for VideoError {
    fn from(err: ffmpeg::Error) -> Self {
        VideoError::Corrupt(err.to_string())
    }
}

pub struct Video {
    pub derivatives: Derivatives,
    /// As displayed, after the rotation matrix and the turn.
    pub width: u32,
    pub height: u32,
    pub duration_ms: Option<i64>,
    pub created_at: Option<i64>,
    /// Plays in current Chrome, Firefox and Safari without a converted copy.
    pub browser_playable: bool,
    /// The video codec is H.264, so a playable copy needs only a new container.
    pub is_h264: bool,
    /// An iPhone Live Photo movie's content identifier.
    pub content_identifier: Option<String>,
}

/// Luma below this is "black" (a fade-in, a lens cap).
const BLACK_LUMA: f64 = 18.0;
/// How many frames past the seek point we try before settling for a dark one.
const MAX_POSTER_TRIES: usize = 48;

pub fn poster(path: &Path, max_megapixels: u64) -> Result<Video, VideoError> {
    poster_turned(path, max_megapixels, Orientation::NoTransforms)
}

/// [`poster`], with a member's turn ([`raster::clockwise`]) applied after the video's own rotation (to the poster and
/// the size; the video itself is not re-encoded, players turn it by the media's `quarter_turns`).
pub fn poster_turned(path: &Path, max_megapixels: u64, turn: Orientation) -> Result<Video, VideoError> {
    ffmpeg::init().map_err(|e| VideoError::Corrupt(e.to_string()))?;
    let mut input = ffmpeg::format::input(path).map_err(|_| VideoError::Unsupported)?;
    let (stream_index, time_base, rotation, codec_id, parameters) = {
        let stream = input.streams().best(Type::Video).ok_or(VideoError::Unsupported)?;
        (stream.index(), stream.time_base(), rotation(&stream), stream.parameters().id(), stream.parameters())
    };
    let context = ffmpeg::codec::context::Context::from_parameters(parameters)?;
    let mut decoder = context.decoder().video().map_err(|_| VideoError::Unsupported)?;
    let (width, height) = (decoder.width(), decoder.height());
    if width == 0 || height == 0 {
        return Err(VideoError::Corrupt("the video has no picture size".into()));
    }
    if u64::from(width) * u64::from(height) > max_megapixels * 1_000_000 {
        return Err(VideoError::TooManyPixels { width, height });
    }

    let duration_ms = (input.duration() > 0).then(|| input.duration() / 1000);
    let created_at = input.metadata().get("creation_time").and_then(parse_exif_time);
    let content_identifier =
        input.metadata().get("com.apple.quicktime.content.identifier").and_then(crate::motion::content_identifier);
    let format_name = input.format().name().to_owned();
    let is_h264 = codec_id == ffmpeg::codec::Id::H264;
    let browser_playable = match format_name.as_str() {
        // MP4 and MOV share a demuxer; the brand tells them apart (QuickTime is "qt  ").
        name if name.starts_with("mov,mp4") => {
            is_h264 && input.metadata().get("major_brand").is_some_and(|brand| brand.trim() != "qt")
        }
        name if name.contains("webm") => {
            matches!(codec_id, ffmpeg::codec::Id::VP8 | ffmpeg::codec::Id::VP9 | ffmpeg::codec::Id::AV1)
        }
        _ => false,
    };

    // At 1 s, or halfway through a shorter clip.
    let target_ms = duration_ms.map_or(1000, |d| (d / 2).min(1000));
    let target_pts = target_ms * i64::from(time_base.denominator()) / (1000 * i64::from(time_base.numerator()).max(1));
    let seek_us = target_ms * 1000;
    if target_ms > 0 && input.seek(seek_us, ..seek_us).is_err() {
        tracing::debug!(path = %path.display(), "seek failed; reading from the start");
    }

    let mut scaler = None;
    let mut frame = ffmpeg::frame::Video::empty();
    let mut rgb_frame = ffmpeg::frame::Video::empty();
    let (mut chosen, mut fallback, mut examined, mut at_end) = (None, None, 0, false);
    let mut packets = input.packets();
    'decode: loop {
        while decoder.receive_frame(&mut frame).is_ok() {
            // The seek lands on the keyframe before the poster time; frames before it only
            // serve as a fallback.
            let early = frame.pts().is_some_and(|pts| pts < target_pts);
            if early && fallback.is_some() {
                continue;
            }
            let rgb = to_rgb(&mut scaler, &frame, &mut rgb_frame, max_megapixels)?;
            if early {
                fallback = Some(rgb);
                continue;
            }
            examined += 1;
            if mean_luma(&rgb) >= BLACK_LUMA {
                chosen = Some(rgb);
                break 'decode;
            }
            if examined == 1 || fallback.is_none() {
                fallback = Some(rgb);
            }
            if examined >= MAX_POSTER_TRIES {
                break 'decode;
            }
        }
        if at_end {
            break;
        }
        match packets.by_ref().find(|(stream, _)| stream.index() == stream_index) {
            // A damaged packet is skipped; the decoder resynchronises on the next one.
            Some((_, packet)) => {
                let _damaged_is_skipped = decoder.send_packet(&packet);
            }
            None => {
                let _flushed = decoder.send_eof();
                at_end = true;
            }
        }
    }
    let best = chosen.or(fallback);
    let poster = best.ok_or_else(|| VideoError::Corrupt("no picture could be decoded".into()))?;
    let rotation = raster::turned(rotation, turn);
    let derivatives = raster::derivatives(&poster, rotation).map_err(|e| VideoError::Corrupt(e.to_string()))?;
    let (width, height) = if raster::swaps_axes(rotation) { (height, width) } else { (width, height) };
    Ok(Video { derivatives, width, height, duration_ms, created_at, browser_playable, is_h264, content_identifier })
}

/// The frame as RGB. The scaler is made from the frame itself, not from the stream's header:
/// a damaged or old file (a 2003 QuickTime with its frames elsewhere) may declare no pixel format
/// or change size mid-stream, and libswscale asserts (aborts the process) on a format it has no
/// description of.
fn to_rgb(
    scaler: &mut Option<Scaler>,
    frame: &ffmpeg::frame::Video,
    rgb_frame: &mut ffmpeg::frame::Video,
    max_megapixels: u64,
) -> Result<Rgb, VideoError> {
    let (format, width, height) = (frame.format(), frame.width(), frame.height());
    if format == Pixel::None || !ffmpeg::software::scaling::support::input(format) {
        return Err(VideoError::Corrupt(format!("a picture in a format picup cannot convert ({format:?})")));
    }
    if width == 0 || height == 0 {
        return Err(VideoError::Corrupt("a picture with no size".into()));
    }
    if u64::from(width) * u64::from(height) > max_megapixels * 1_000_000 {
        return Err(VideoError::TooManyPixels { width, height });
    }
    let fits = scaler.as_ref().is_some_and(|s: &Scaler| {
        let input = s.input();
        (input.format, input.width, input.height) == (format, width, height)
    });
    if !fits {
        *scaler = Some(Scaler::get(format, width, height, Pixel::RGB24, width, height, Flags::BILINEAR)?);
    }
    if let Some(scaler) = scaler {
        scaler.run(frame, rgb_frame)?;
    }
    Ok(copy_rgb(rgb_frame, width, height))
}

/// The display matrix's rotation, as the clockwise turn that shows the video upright (what
/// `ffmpeg` does with `-autorotate`).
fn rotation(stream: &ffmpeg::format::stream::Stream<'_>) -> Orientation {
    let Some(matrix) = stream.side_data().find(|side| side.kind() == SideDataType::DisplayMatrix) else {
        return Orientation::NoTransforms;
    };
    let data = matrix.data();
    if data.len() < 36 {
        return Orientation::NoTransforms;
    }
    let value =
        |i: usize| f64::from(i32::from_ne_bytes([data[4 * i], data[4 * i + 1], data[4 * i + 2], data[4 * i + 3]]));
    let (scale0, scale1) = (value(0).hypot(value(3)), value(1).hypot(value(4)));
    if scale0 == 0.0 || scale1 == 0.0 {
        return Orientation::NoTransforms;
    }
    let degrees = (value(1) / scale1).atan2(value(0) / scale0).to_degrees();
    match (degrees.round() as i64).rem_euclid(360) {
        85..=95 => Orientation::Rotate90,
        175..=185 => Orientation::Rotate180,
        265..=275 => Orientation::Rotate270,
        _ => Orientation::NoTransforms,
    }
}

fn copy_rgb(frame: &ffmpeg::frame::Video, width: u32, height: u32) -> Rgb {
    let stride = frame.stride(0);
    let row = width as usize * 3;
    let data = frame.data(0);
    let mut pixels = Vec::with_capacity(row * height as usize);
    for y in 0..height as usize {
        pixels.extend_from_slice(&data[y * stride..y * stride + row]);
    }
    Rgb { width, height, pixels }
}

fn mean_luma(image: &Rgb) -> f64 {
    let step = (image.pixels.len() / 3 / 4096).max(1);
    let (sum, count) = image.pixels.chunks_exact(3).step_by(step).fold((0.0, 0usize), |(sum, n), p| {
        (sum + 0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2]), n + 1)
    });
    if count == 0 { 0.0 } else { sum / count as f64 }
}
