//! Every decode of an uploaded file runs in a short-lived child process, never in the process that
//! holds the album. C decoders (FFmpeg, libheif, libjpeg-turbo, libwebp...) meet files nobody here
//! chose; when one of them aborts, loops or eats memory, it costs one item, not the album.
//!
//! The parent (`Decoder::run`) starts `PROGRAM decode REQUEST` (the running binary by default:
//! `picup-api`, `picup-thumbnailer` and `thumbnail-bench` all answer to it through
//! [`run_if_child`]), with an empty environment, the original as a file and an empty output
//! folder. The child confines itself (`sandbox.rs`), decodes, writes the derivatives into the
//! folder and one JSON [`Report`] to stdout. For a playable copy it replaces itself with ffmpeg
//! instead. The parent kills it at the timeout and reads its death as an answer ([`Failure`]).

use std::ffi::OsString;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{ExitCode, ExitStatus, Stdio};
use std::time::Duration;

use picup_common::config::ThumbnailerConfig;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::metadata::Metadata;
use crate::raster::Derivatives;
use crate::sandbox::{self, Limits};
use crate::{photo, video};

/// The first argument that turns a picup binary into a decode child.
pub const SUBCOMMAND: &str = "decode";
/// The same child after it set its limits and started afresh under them.
const LIMITED: &str = "decode-limited";
pub const THUMBNAIL_FILE: &str = "thumbnail.webp";
pub const PREVIEW_FILE: &str = "preview.jpg";
pub const PLAYABLE_FILE: &str = "playable.mp4";

/// What the family is told of a file that needs more memory than a decoder may have.
const TOO_LARGE: &str = "this file is too large to process";
/// Exit code of a child that could not put its walls up: not the file's fault.
const CANNOT_CONFINE: u8 = 3;
/// Largest file a photo or poster child writes (a preview is well under 1 MB).
const MAX_DERIVATIVE_BYTES: u64 = 64 << 20;
/// The most of a child's stdout and stderr the parent keeps.
const MAX_REPORT_BYTES: u64 = 1 << 20;
const MAX_STDERR_BYTES: u64 = 16 << 10;
/// A decoder uses up to this many threads (FFmpeg's), so CPU time runs this much faster than the clock.
const DECODE_THREADS: u64 = 2;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    Photo,
    /// A poster frame and what the video is.
    Video,
    /// A browser-playable H.264 MP4 made by ffmpeg; `copy_video` when the video is H.264 already.
    Playable { copy_video: bool },
}

/// What the parent asks; it travels as one JSON argument.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Request {
    task: Task,
    input: PathBuf,
    output: PathBuf,
    max_megapixels: u64,
    memory_bytes: u64,
    cpu_seconds: u64,
    max_file_bytes: u64,
    ffmpeg: String,
}

/// What a child says of the file on stdout.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Report {
    Photo(PhotoReport),
    Video(VideoReport),
    /// The decoder read the file and refused it, with a reason a person can read.
    Rejected(String),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PhotoReport {
    pub width: u32,
    pub height: u32,
    pub thumbhash: String,
    pub taken_at: Option<i64>,
    pub camera_make: Option<String>,
    pub camera_model: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VideoReport {
    pub width: u32,
    pub height: u32,
    pub thumbhash: String,
    pub duration_ms: Option<i64>,
    pub created_at: Option<i64>,
    pub browser_playable: bool,
    pub is_h264: bool,
}

/// Why a child gave no result. Only `Unavailable` is not the file's fault.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error("{0}")]
    Rejected(String),
    #[error("the decoder crashed: {0}")]
    Crashed(String),
    #[error("the decoder ran out of memory: {0}")]
    OutOfMemory(String),
    #[error("the decoder ran out of time")]
    TimedOut,
    #[error("cannot run the decoder: {0}")]
    Unavailable(String),
}

impl Failure {
    /// The metric label.
    pub fn cause(&self) -> &'static str {
        match self {
            Failure::Rejected(_) => "rejected",
            Failure::Crashed(_) => "crashed",
            Failure::OutOfMemory(_) => "out_of_memory",
            Failure::TimedOut => "timed_out",
            Failure::Unavailable(_) => "unavailable",
        }
    }

    /// What the family is told; the technical detail goes to the log.
    pub fn reason(&self, task: Task) -> String {
        let noun = if task == Task::Photo { "photo" } else { "video" };
        match self {
            Failure::Rejected(reason) => reason.clone(),
            Failure::Crashed(_) | Failure::Unavailable(_) => format!("this {noun} could not be read"),
            Failure::OutOfMemory(_) => TOO_LARGE.into(),
            Failure::TimedOut => "this file took too long to process".into(),
        }
    }
}

/// Starts decode children with the configured limits.
#[derive(Clone, Debug)]
pub struct Decoder {
    program: PathBuf,
    ffmpeg: String,
    max_megapixels: u64,
    memory_bytes: u64,
    timeout: Duration,
}

impl Decoder {
    pub fn new(settings: &ThumbnailerConfig) -> Decoder {
        Decoder {
            program: settings.decoder.clone(),
            ffmpeg: settings.ffmpeg.clone(),
            max_megapixels: settings.max_megapixels,
            memory_bytes: settings.decode_max_memory_bytes,
            timeout: settings.decode_timeout,
        }
    }

    /// The same decoder with another timeout (a playable copy gets the item's whole time).
    pub fn with_timeout(mut self, timeout: Duration) -> Decoder {
        self.timeout = timeout;
        self
    }

    /// Decodes a photo or a video poster from `input` into `output` (an empty folder).
    pub async fn decode(&self, task: Task, input: &Path, output: &Path) -> Result<Report, Failure> {
        let (status, stdout, stderr) = self.run(task, input, output, MAX_DERIVATIVE_BYTES).await?;
        if !status.success() {
            return Err(death(status, &stderr));
        }
        match serde_json::from_slice(&stdout) {
            Ok(Report::Rejected(reason)) => Err(Failure::Rejected(reason)),
            Ok(report) => Ok(report),
            Err(err) => Err(Failure::Crashed(format!("unreadable report ({err}); stderr: {}", tail(&stderr)))),
        }
    }

    /// Makes `output/playable.mp4` with ffmpeg, confined like any decode.
    pub async fn make_playable(&self, input: &Path, output: &Path, copy_video: bool) -> Result<(), Failure> {
        let input_bytes = tokio::fs::metadata(input).await.map(|m| m.len()).unwrap_or(0);
        let max_file_bytes = input_bytes.saturating_mul(2).max(1 << 30);
        let (status, _, stderr) = self.run(Task::Playable { copy_video }, input, output, max_file_bytes).await?;
        if status.success() {
            return Ok(());
        }
        // ffmpeg's own refusal (exit 1 with a message) is still a refusal, not a crash.
        match status.code() {
            Some(1) if !mentions_memory(&stderr) => Err(Failure::Rejected(format!("ffmpeg failed: {}", tail(&stderr)))),
            _ => Err(death(status, &stderr)),
        }
    }

    async fn run(
        &self,
        task: Task,
        input: &Path,
        output: &Path,
        max_file_bytes: u64,
    ) -> Result<(ExitStatus, Vec<u8>, Vec<u8>), Failure> {
        // The child's walls are drawn around these paths; make them independent of its directory.
        let absolute = |path: &Path| std::path::absolute(path).map_err(|e| Failure::Unavailable(e.to_string()));
        let request = Request {
            task,
            input: absolute(input)?,
            output: absolute(output)?,
            max_megapixels: self.max_megapixels,
            memory_bytes: self.memory_bytes,
            // CPU time is a backstop for a child the clock somehow misses; threads spend it faster.
            cpu_seconds: self.timeout.as_secs().max(1) * DECODE_THREADS + 1,
            max_file_bytes,
            ffmpeg: self.ffmpeg.clone(),
        };
        let request = serde_json::to_string(&request).map_err(|e| Failure::Unavailable(e.to_string()))?;
        let mut child = tokio::process::Command::new(&self.program)
            .arg(SUBCOMMAND)
            .arg(request)
            // No inherited secrets (DATABASE_URL, keys) for a decoder to leak.
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| Failure::Unavailable(format!("{}: {e}", self.program.display())))?;
        let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
        let finished = async {
            let (stdout, stderr) = tokio::join!(read_capped(stdout, MAX_REPORT_BYTES), read_capped(stderr, MAX_STDERR_BYTES));
            (child.wait().await, stdout, stderr)
        };
        let (status, stdout, stderr) = tokio::time::timeout(self.timeout, finished).await.map_err(|_| Failure::TimedOut)?;
        let status = status.map_err(|e| Failure::Unavailable(format!("waiting for the decoder: {e}")))?;
        if status.code() == Some(i32::from(CANNOT_CONFINE)) {
            return Err(Failure::Unavailable(format!("the decoder cannot confine itself: {}", tail(&stderr))));
        }
        Ok((status, stdout, stderr))
    }
}

/// Reads up to `cap` bytes and discards the rest, so a chatty child never blocks on a full pipe
/// nor fills the parent's memory.
async fn read_capped(stream: Option<impl AsyncRead + Unpin>, cap: u64) -> Vec<u8> {
    let mut kept = Vec::new();
    if let Some(mut stream) = stream {
        let _partial_is_fine = (&mut stream).take(cap).read_to_end(&mut kept).await;
        let _rest_discarded = tokio::io::copy(&mut stream, &mut tokio::io::sink()).await;
    }
    kept
}

fn death(status: ExitStatus, stderr: &[u8]) -> Failure {
    let detail = match status.signal() {
        Some(signal) => format!("killed by signal {signal}; {}", tail(stderr)),
        None => format!("exit code {:?}; {}", status.code(), tail(stderr)),
    };
    if status.signal() == Some(libc::SIGXCPU) {
        Failure::TimedOut
    } else if mentions_memory(stderr) {
        Failure::OutOfMemory(detail)
    } else {
        Failure::Crashed(detail)
    }
}

/// Rust's allocation failure message, and the C libraries' ENOMEM text.
fn mentions_memory(stderr: &[u8]) -> bool {
    let text = String::from_utf8_lossy(stderr);
    // The last is the dynamic loader's, when ffmpeg cannot even map its libraries.
    ["memory allocation of", "Cannot allocate memory", "out of memory", "Out of memory", "failed to map segment"]
        .iter()
        .any(|needle| text.contains(needle))
}

fn tail(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    let start = text.char_indices().rev().nth(500).map_or(0, |(i, _)| i);
    text[start..].to_owned()
}

/// The decode child's `main`, when this process was started as one (`PROGRAM decode REQUEST`).
/// Each binary that may start decoders calls it first thing, before any thread exists.
pub fn run_if_child() -> Option<ExitCode> {
    let mut args = std::env::args_os().skip(1);
    let stage = args.next()?;
    if stage == SUBCOMMAND {
        Some(limit_and_start_afresh(args.next()))
    } else if stage == LIMITED {
        Some(wall_off_and_decode(args.next()))
    } else {
        None
    }
}

fn parse(request: Option<&OsString>) -> Option<Request> {
    serde_json::from_str(request?.to_str()?).ok()
}

/// First stage: the limits, then this program again under them, so that no memory mapped before
/// (an allocator's reserve) escapes them.
fn limit_and_start_afresh(request: Option<OsString>) -> ExitCode {
    let (Some(parsed), Some(raw)) = (parse(request.as_ref()), request) else {
        eprintln!("usage: {SUBCOMMAND} REQUEST (started by picup, not by hand)");
        return ExitCode::from(2);
    };
    let limits = Limits {
        memory_bytes: parsed.memory_bytes,
        cpu_seconds: parsed.cpu_seconds,
        max_file_bytes: parsed.max_file_bytes,
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
fn wall_off_and_decode(request: Option<OsString>) -> ExitCode {
    let Some(request) = parse(request.as_ref()) else {
        eprintln!("usage: {SUBCOMMAND} REQUEST (started by picup, not by hand)");
        return ExitCode::from(2);
    };
    let may_exec = matches!(request.task, Task::Playable { .. });
    let ffmpeg = PathBuf::from(&request.ffmpeg);
    let mut readable = vec![request.input.as_path()];
    if ffmpeg.is_absolute() {
        readable.push(&ffmpeg);
    }
    if let Err(err) = sandbox::wall_off(&readable, &[request.output.as_path()], may_exec) {
        eprintln!("decode: cannot confine the decoder: {err:#}");
        return ExitCode::from(CANNOT_CONFINE);
    }
    let report = match request.task {
        Task::Photo => decode_photo(&request),
        Task::Video => decode_video(&request),
        Task::Playable { copy_video } => {
            // Only returns when ffmpeg could not be started.
            let err = playable_command(&request, copy_video).exec();
            eprintln!("decode: cannot run {}: {err}", request.ffmpeg);
            return ExitCode::from(4);
        }
    };
    let written = serde_json::to_vec(&report).map_err(std::io::Error::other).and_then(|json| {
        use std::io::Write;
        std::io::stdout().lock().write_all(&json)
    });
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("decode: cannot write the report: {err}");
            ExitCode::FAILURE
        }
    }
}

fn decode_photo(request: &Request) -> Report {
    let bytes = match std::fs::read(&request.input) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::OutOfMemory => return Report::Rejected(TOO_LARGE.into()),
        Err(err) => return Report::Rejected(format!("the original cannot be read ({err})")),
    };
    let photo = match photo::process(&bytes, request.max_megapixels) {
        Ok(photo) => photo,
        Err(err) => return Report::Rejected(err.to_string()),
    };
    if let Err(err) = write_derivatives(&request.output, &photo.derivatives) {
        return Report::Rejected(format!("the derivatives cannot be written ({err})"));
    }
    let Metadata { taken_at, camera_make, camera_model, latitude, longitude } = photo.metadata;
    Report::Photo(PhotoReport {
        width: photo.width,
        height: photo.height,
        thumbhash: photo.derivatives.thumbhash,
        taken_at,
        camera_make,
        camera_model,
        latitude,
        longitude,
    })
}

fn decode_video(request: &Request) -> Report {
    let video = match video::poster(&request.input, request.max_megapixels) {
        Ok(video) => video,
        Err(err) => return Report::Rejected(err.to_string()),
    };
    if let Err(err) = write_derivatives(&request.output, &video.derivatives) {
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
    })
}

fn write_derivatives(folder: &Path, derivatives: &Derivatives) -> std::io::Result<()> {
    std::fs::write(folder.join(THUMBNAIL_FILE), &derivatives.thumbnail_webp)?;
    std::fs::write(folder.join(PREVIEW_FILE), &derivatives.preview_jpeg)
}

/// An H.264/AAC MP4 with the index up front (`faststart`), at most 1080p. H.264 that only sits in
/// the wrong container is copied, not re-encoded.
fn playable_command(request: &Request, copy_video: bool) -> std::process::Command {
    let mut command = std::process::Command::new(&request.ffmpeg);
    command.args(["-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i"]).arg(&request.input);
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
    command.arg(request.output.join(PLAYABLE_FILE));
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_death_is_read_as_its_cause() {
        let abort = ExitStatus::from_raw(libc::SIGABRT);
        let crashed = death(abort, b"Assertion desc failed at src/libswscale/swscale_internal.h:725");
        assert_eq!(crashed.cause(), "crashed");
        assert_eq!(crashed.reason(Task::Video), "this video could not be read");
        let starved = death(abort, b"memory allocation of 1073741824 bytes failed");
        assert_eq!(starved.reason(Task::Photo), "this file is too large to process");
        assert_eq!(death(ExitStatus::from_raw(libc::SIGXCPU), b"").cause(), "timed_out");
        let panicked = death(ExitStatus::from_raw(101 << 8), b"thread 'main' panicked");
        assert_eq!(panicked.reason(Task::Photo), "this photo could not be read");
    }

    #[test]
    fn a_long_stderr_keeps_its_end() {
        let long = "x".repeat(2000) + "the end";
        assert!(tail(long.as_bytes()).ends_with("the end"));
        assert!(tail(long.as_bytes()).len() <= 501 + "the end".len());
    }
}
