//! The child's side: limit, start afresh, wall off, then serve decodes or become ffmpeg.

use std::ffi::OsString;
use std::io::{BufRead, Write};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::ExitCode;

use super::{
    CANNOT_CONFINE, Item, PLAYABLE_FILE, PREVIEW_FILE, PhotoReport, Report, SUBCOMMAND, Spawn, THUMBNAIL_FILE,
    TOO_LARGE, Task, VideoReport, Work,
};
use crate::metadata::Metadata;
use crate::raster::Derivatives;
use crate::sandbox::{self, Limits};
use crate::{motion, photo, raster, video};

/// The same child after it set its limits and started afresh under them.
const LIMITED: &str = "decode-limited";

/// The decode child's `main`, when this process was started as one (`PROGRAM decode SPAWN`).
/// Each binary that may start decoders calls it first thing, before any thread exists.
pub fn run_if_child() -> Option<ExitCode> {
    let mut args = std::env::args_os().skip(1);
    let stage = args.next()?;
    if stage == SUBCOMMAND {
        Some(limit_and_start_afresh(args.next()))
    } else if stage == LIMITED {
        Some(wall_off_and_work(args.next()))
    } else {
        None
    }
}

fn parse(spawn: Option<&OsString>) -> Option<Spawn> {
    serde_json::from_str(spawn?.to_str()?).ok()
}

fn usage() -> ExitCode {
    eprintln!("usage: {SUBCOMMAND} SPAWN (started by picup, not by hand)");
    ExitCode::from(2)
}

/// First stage: the limits, then this program again under them, so that no memory mapped before
/// (an allocator's reserve) escapes them.
fn limit_and_start_afresh(raw: Option<OsString>) -> ExitCode {
    let (Some(spawn), Some(raw)) = (parse(raw.as_ref()), raw) else { return usage() };
    let limits = Limits {
        memory_bytes: spawn.memory_bytes,
        cpu_seconds: spawn.cpu_seconds,
        max_file_bytes: spawn.max_file_bytes,
    };
    if let Err(err) = sandbox::limit_resources(&limits) {
        eprintln!("decode: cannot limit the decoder: {err:#}");
        return ExitCode::from(CANNOT_CONFINE);
    }
    let err = match std::env::current_exe() {
        Ok(program) => std::process::Command::new(program).arg(LIMITED).arg(raw).exec(),
        Err(err) => err,
    };
    eprintln!("decode: cannot start the limited decoder: {err}");
    ExitCode::from(CANNOT_CONFINE)
}

/// Second stage: the walls, then the work.
fn wall_off_and_work(raw: Option<OsString>) -> ExitCode {
    let Some(spawn) = parse(raw.as_ref()) else { return usage() };
    let walled = match &spawn.work {
        Work::Serve { folder } => sandbox::wall_off(&[folder], &[folder], false),
        Work::Playable { input, output, ffmpeg, .. } => {
            let ffmpeg = Path::new(ffmpeg);
            let mut readable = vec![input.as_path()];
            if ffmpeg.is_absolute() {
                readable.push(ffmpeg);
            }
            sandbox::wall_off(&readable, &[output], true)
        }
    };
    if let Err(err) = walled {
        eprintln!("decode: cannot confine the decoder: {err:#}");
        return ExitCode::from(CANNOT_CONFINE);
    }
    match spawn.work {
        Work::Serve { .. } => serve(spawn.max_megapixels),
        Work::Playable { input, output, copy_video, ffmpeg } => {
            // Only returns when ffmpeg could not be started.
            let err = playable_command(&ffmpeg, &input, &output, copy_video).exec();
            eprintln!("decode: cannot run {ffmpeg}: {err}");
            ExitCode::from(4)
        }
    }
}

/// One item per line on stdin, one report per line on stdout, until the parent closes stdin.
fn serve(max_megapixels: u64) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    for line in std::io::stdin().lock().lines() {
        let Ok(item) = line.map_err(|_| ()).and_then(|line| serde_json::from_str::<Item>(&line).map_err(|_| ())) else {
            return usage();
        };
        let report = match item.task {
            Task::Photo => decode_photo(&item, max_megapixels),
            Task::Video => decode_video(&item, max_megapixels),
        };
        let written = serde_json::to_writer(&mut stdout, &report)
            .map_err(std::io::Error::other)
            .and_then(|()| stdout.write_all(b"\n"))
            .and_then(|()| stdout.flush());
        if let Err(err) = written {
            eprintln!("decode: cannot write the report: {err}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

fn decode_photo(item: &Item, max_megapixels: u64) -> Report {
    let bytes = match std::fs::read(&item.input) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::OutOfMemory => return Report::Rejected(TOO_LARGE.into()),
        Err(err) => return Report::Rejected(format!("the original cannot be read ({err})")),
    };
    let photo = match photo::process_turned(&bytes, max_megapixels, raster::clockwise(item.turns.get())) {
        Ok(photo) => photo,
        Err(err) => return Report::Rejected(err.to_string()),
    };
    if let Err(err) = write_derivatives(&item.output, &photo.derivatives) {
        return Report::Rejected(format!("the derivatives cannot be written ({err})"));
    }
    let Metadata { taken_at, camera_make, camera_model, latitude, longitude, content_identifier } = photo.metadata;
    let motion = motion::embedded_video(&bytes).map(|range| range.start as u64..range.end as u64);
    Report::Photo(PhotoReport {
        width: photo.width,
        height: photo.height,
        thumbhash: photo.derivatives.thumbhash,
        taken_at,
        camera_make,
        camera_model,
        latitude,
        longitude,
        content_identifier,
        motion,
    })
}

fn decode_video(item: &Item, max_megapixels: u64) -> Report {
    let video = match video::poster_turned(&item.input, max_megapixels, raster::clockwise(item.turns.get())) {
        Ok(video) => video,
        Err(err) => return Report::Rejected(err.to_string()),
    };
    if let Err(err) = write_derivatives(&item.output, &video.derivatives) {
        return Report::Rejected(format!("the derivatives cannot be written ({err})"));
    }
    Report::Video(VideoReport {
        width: video.width,
        height: video.height,
        thumbhash: video.derivatives.thumbhash,
        duration_ms: video.duration_ms,
        created_at: video.created_at,
        browser_playable: video.browser_playable,
        is_h264: video.is_h264,
        content_identifier: video.content_identifier,
    })
}

fn write_derivatives(folder: &Path, derivatives: &Derivatives) -> std::io::Result<()> {
    std::fs::write(folder.join(THUMBNAIL_FILE), &derivatives.thumbnail_webp)?;
    std::fs::write(folder.join(PREVIEW_FILE), &derivatives.preview_jpeg)
}

/// An H.264/AAC MP4 with the index up front (`faststart`), at most 1080p. H.264 that only sits in
/// the wrong container is copied, not re-encoded.
fn playable_command(ffmpeg: &str, input: &Path, output: &Path, copy_video: bool) -> std::process::Command {
    let mut command = std::process::Command::new(ffmpeg);
    command.args(["-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i"]).arg(input);
    command.args(["-map", "0:v:0", "-map", "0:a:0?", "-threads", "2"]);
    if copy_video {
        command.args(["-c:v", "copy"]);
    } else {
        command.args([
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "23",
            "-pix_fmt",
            "yuv420p",
            "-vf",
            "scale='if(gte(iw,ih),-2,min(1080,iw))':'if(gte(iw,ih),min(1080,ih),-2)'",
        ]);
    }
    command.args(["-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart", "-f", "mp4"]);
    command.arg(output.join(PLAYABLE_FILE));
    command
}
