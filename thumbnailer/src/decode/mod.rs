//! Every decode of an uploaded file runs in a child process, never in the process that holds the
//! album. C decoders (FFmpeg, libheif, libjpeg-turbo, libwebp...) meet files nobody here chose;
//! when one of them aborts, loops or eats memory, it costs one item, not the album.
//!
//! A child is the running binary started again as `PROGRAM decode SPAWN` (`picup-api`,
//! `picup-thumbnailer` and `thumbnail-bench` all answer to it through [`run_if_child`]) with an
//! empty environment. It limits itself, starts afresh under the limits, walls itself off
//! (`sandbox.rs`), and then either serves decodes (`child.rs`: one item at a time, from JSON lines
//! on stdin, inside a private folder, answering a JSON [`Report`] line each) or becomes ffmpeg for
//! one playable copy. The parent keeps a few serving children warm (`worker.rs`): loading FFmpeg
//! and libheif costs ~30 ms per start, more than decoding a 12 MP photo's preview. A child is
//! replaced after [`MAX_ITEMS_PER_CHILD`] items or any death; the parent kills it at the timeout
//! and reads its death as an answer ([`Failure`]).

mod child;
mod worker;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use picup_common::config::ThumbnailerConfig;
use picup_common::db::QuarterTurns;
use serde::{Deserialize, Serialize};

pub use child::run_if_child;
use worker::Worker;

/// The first argument that turns a picup binary into a decode child.
pub const SUBCOMMAND: &str = "decode";
pub const THUMBNAIL_FILE: &str = "thumbnail.webp";
pub const PREVIEW_FILE: &str = "preview.jpg";
pub const PLAYABLE_FILE: &str = "playable.mp4";
/// How many items one serving child decodes before it is replaced: a file that corrupted a
/// decoder's memory without crashing it, or made it grow, is not carried much further, and a
/// child sees the files of at most this many uploads.
pub const MAX_ITEMS_PER_CHILD: u32 = 32;

/// What the family is told of a file that needs more memory than a decoder may have.
const TOO_LARGE: &str = "this file is too large to process";
/// Exit code of a child that could not put its walls up: not the file's fault.
const CANNOT_CONFINE: u8 = 3;
/// Largest file a serving child writes (a preview is well under 1 MB).
const MAX_DERIVATIVE_BYTES: u64 = 64 << 20;
/// A decoder uses up to this many threads (FFmpeg's), so CPU time runs this much faster than the clock.
const DECODE_THREADS: u64 = 2;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    Photo,
    /// A poster frame and what the video is.
    Video,
}

/// How a child is started: one JSON argument.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Spawn {
    work: Work,
    max_megapixels: u64,
    memory_bytes: u64,
    cpu_seconds: u64,
    max_file_bytes: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Work {
    /// Decode [`Item`]s from stdin, one after another, inside this folder only.
    Serve { folder: PathBuf },
    /// Become ffmpeg and make `output/playable.mp4`: an H.264 MP4, the video copied when
    /// `copy_video` (it is H.264 already).
    Playable { input: PathBuf, output: PathBuf, copy_video: bool, ffmpeg: String },
}

/// One decode for a serving child: one JSON line on its stdin.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Item {
    task: Task,
    input: PathBuf,
    output: PathBuf,
    /// A member's turn, applied after the file's own orientation.
    #[serde(default)]
    turns: QuarterTurns,
}

/// What a child says of the file, as one JSON line on stdout.
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
    /// An iPhone Live Photo's content identifier (its movie has the same).
    #[serde(default)]
    pub content_identifier: Option<String>,
    /// Where an Android motion photo's MP4 is in the file.
    #[serde(default)]
    pub motion: Option<std::ops::Range<u64>>,
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
    /// An iPhone Live Photo movie's content identifier (its still has the same).
    #[serde(default)]
    pub content_identifier: Option<String>,
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

    /// What the family is told; the technical detail (a decoder's own words, in parentheses)
    /// goes to the log.
    pub fn reason(&self, task: Task) -> String {
        let noun = if task == Task::Photo { "photo" } else { "video" };
        match self {
            Failure::Rejected(reason) => reason.split(" (").next().unwrap_or(reason).to_owned(),
            Failure::Crashed(_) | Failure::Unavailable(_) => format!("this {noun} could not be read"),
            Failure::OutOfMemory(_) => TOO_LARGE.into(),
            Failure::TimedOut => "this file took too long to process".into(),
        }
    }

    /// A death that may have been another file's doing: an earlier item can leave a serving
    /// child's memory corrupted without crashing it.
    fn may_be_inherited(&self) -> bool {
        matches!(self, Failure::Crashed(_) | Failure::OutOfMemory(_))
    }
}

/// Starts decode children with the configured limits, and keeps the serving ones warm.
pub struct Decoder {
    program: PathBuf,
    ffmpeg: String,
    max_megapixels: u64,
    memory_bytes: u64,
    timeout: Duration,
    /// A playable copy may take the item's whole time.
    playable_timeout: Duration,
    idle: Mutex<Vec<Worker>>,
    started: AtomicU64,
}

impl Decoder {
    pub fn new(settings: &ThumbnailerConfig) -> Decoder {
        Decoder {
            program: settings.decoder.clone(),
            ffmpeg: settings.ffmpeg.clone(),
            max_megapixels: settings.max_megapixels,
            memory_bytes: settings.decode_max_memory_bytes,
            timeout: settings.decode_timeout,
            playable_timeout: settings.item_timeout,
            idle: Mutex::new(Vec::new()),
            started: AtomicU64::new(0),
        }
    }

    /// The same decoder with another timeout per photo or poster.
    pub fn with_timeout(mut self, timeout: Duration) -> Decoder {
        self.timeout = timeout;
        self
    }

    /// Decodes a photo or a video poster from `input`, writing the derivatives into `output` (a
    /// folder).
    pub async fn decode(&self, task: Task, input: &Path, output: &Path) -> Result<Report, Failure> {
        self.decode_turned(task, QuarterTurns::default(), input, output).await
    }

    /// [`Decoder::decode`], the derivatives (and the size reported) turned as a member asked.
    pub async fn decode_turned(
        &self,
        task: Task,
        turns: QuarterTurns,
        input: &Path,
        output: &Path,
    ) -> Result<Report, Failure> {
        let item = Item { task, input: input.to_owned(), output: output.to_owned(), turns };
        let worker = self.idle_worker();
        let warm = worker.is_some();
        let worker = match worker {
            Some(worker) => worker,
            None => self.start_worker()?,
        };
        match self.run_on(worker, item.clone()).await {
            // Once more in a fresh child: a good photo must not fail for a bad one before it.
            Err(failure) if warm && failure.may_be_inherited() => {
                tracing::debug!(error = %failure, "a warm decoder died; trying the item in a fresh one");
                self.run_on(self.start_worker()?, item).await
            }
            result => result,
        }
    }

    async fn run_on(&self, mut worker: Worker, item: Item) -> Result<Report, Failure> {
        let result = worker.run(item, self.timeout).await;
        let healthy = matches!(result, Ok(_) | Err(Failure::Rejected(_)));
        if healthy && worker.items() < MAX_ITEMS_PER_CHILD {
            self.idle.lock().unwrap_or_else(PoisonError::into_inner).push(worker);
        }
        result
    }

    /// A warm child still alive, if there is one.
    fn idle_worker(&self) -> Option<Worker> {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        while let Some(mut worker) = idle.pop() {
            if worker.is_alive() {
                return Some(worker);
            }
        }
        None
    }

    /// How many serving children this decoder has started.
    pub fn children_started(&self) -> u64 {
        self.started.load(Ordering::Relaxed)
    }

    fn start_worker(&self) -> Result<Worker, Failure> {
        self.started.fetch_add(1, Ordering::Relaxed);
        let folder = tempfile::tempdir().map_err(|e| Failure::Unavailable(format!("a folder for the decoder: {e}")))?;
        let spawn = Spawn {
            work: Work::Serve { folder: folder.path().to_owned() },
            max_megapixels: self.max_megapixels,
            memory_bytes: self.memory_bytes,
            cpu_seconds: Self::cpu_seconds(self.timeout) * u64::from(MAX_ITEMS_PER_CHILD),
            max_file_bytes: MAX_DERIVATIVE_BYTES,
        };
        Worker::start(&self.program, &spawn, folder)
    }

    /// CPU time is a backstop for a child the clock somehow misses; threads spend it faster.
    fn cpu_seconds(timeout: Duration) -> u64 {
        timeout.as_secs().max(1) * DECODE_THREADS + 1
    }

    /// Makes `output/playable.mp4` with ffmpeg, confined like any decode, in a child of its own.
    pub async fn make_playable(&self, input: &Path, output: &Path, copy_video: bool) -> Result<(), Failure> {
        let input_bytes = tokio::fs::metadata(input).await.map(|m| m.len()).unwrap_or(0);
        let absolute = |path: &Path| std::path::absolute(path).map_err(|e| Failure::Unavailable(e.to_string()));
        let spawn = Spawn {
            work: Work::Playable {
                input: absolute(input)?,
                output: absolute(output)?,
                copy_video,
                ffmpeg: self.ffmpeg.clone(),
            },
            max_megapixels: self.max_megapixels,
            memory_bytes: self.memory_bytes,
            cpu_seconds: Self::cpu_seconds(self.playable_timeout),
            max_file_bytes: input_bytes.saturating_mul(2).max(1 << 30),
        };
        let (status, stderr) = worker::run_once(&self.program, &spawn, self.playable_timeout).await?;
        if status.success() {
            return Ok(());
        }
        // ffmpeg's own refusal (exit 1 with a message) is still a refusal, not a crash.
        match status.code() {
            Some(1) if !mentions_memory(&stderr) => Err(Failure::Rejected(format!("ffmpeg failed: {}", tail(&stderr)))),
            _ => Err(death(status, &stderr)),
        }
    }
}

/// A child's death, read as a cause.
fn death(status: std::process::ExitStatus, stderr: &[u8]) -> Failure {
    use std::os::unix::process::ExitStatusExt;
    let detail = match status.signal() {
        Some(signal) => format!("killed by signal {signal}; {}", tail(stderr)),
        None => format!("exit code {:?}; {}", status.code(), tail(stderr)),
    };
    if status.code() == Some(i32::from(CANNOT_CONFINE)) {
        Failure::Unavailable(format!("the decoder cannot confine itself: {}", tail(stderr)))
    } else if status.signal() == Some(libc::SIGXCPU) {
        Failure::TimedOut
    } else if mentions_memory(stderr) {
        Failure::OutOfMemory(detail)
    } else {
        Failure::Crashed(detail)
    }
}

/// Rust's allocation failure message, the C libraries' ENOMEM text, and the dynamic loader's
/// when ffmpeg cannot even map its libraries.
fn mentions_memory(stderr: &[u8]) -> bool {
    let text = String::from_utf8_lossy(stderr);
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

#[cfg(test)]
mod tests {
    use std::os::unix::process::ExitStatusExt;
    use std::process::ExitStatus;

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
        let refused =
            Failure::Rejected("this photo is damaged or incomplete and cannot be shown (TurboJPEG error: x)".into());
        assert_eq!(refused.reason(Task::Photo), "this photo is damaged or incomplete and cannot be shown");
        assert!(refused.to_string().contains("TurboJPEG"), "the log keeps the detail");
        let panicked = death(ExitStatus::from_raw(101 << 8), b"thread 'main' panicked");
        assert_eq!(panicked.reason(Task::Photo), "this photo could not be read");
        let unconfined = death(ExitStatus::from_raw(i32::from(CANNOT_CONFINE) << 8), b"landlock: ...");
        assert_eq!(unconfined.cause(), "unavailable", "not the file's fault");
    }

    #[test]
    fn a_long_stderr_keeps_its_end() {
        let long = "x".repeat(2000) + "the end";
        assert!(tail(long.as_bytes()).ends_with("the end"));
        assert!(tail(long.as_bytes()).len() <= 501 + "the end".len());
    }
}
