//! What a person watching an import reads: a progress bar on a terminal, plain lines elsewhere.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use picup_common::uploads::human_bytes;

/// Where the import's news goes.
#[derive(Clone, Copy)]
pub enum Screen<'a> {
    /// A terminal: a bar (files, bytes, speed, time left) while files are read and sent, and the
    /// other news as lines on stdout.
    Terminal,
    /// Anything else (a log file, a pipe, a test): each line to this function, progress at most
    /// once a second.
    Lines(&'a (dyn Fn(&str) + Sync)),
}

impl Screen<'_> {
    pub fn say(&self, line: &str) {
        match self {
            Screen::Terminal => {
                use std::io::Write;
                let _ = writeln!(std::io::stdout().lock(), "{line}");
            }
            Screen::Lines(say) => say(line),
        }
    }
}

/// One pass over files (reading them, sending them), counted as each file is done.
pub struct Progress<'a> {
    screen: Screen<'a>,
    /// "read", "imported": what is done to the files, for the plain lines.
    verb: &'static str,
    started: Instant,
    total_files: u64,
    total_bytes: u64,
    files: AtomicU64,
    bytes: AtomicU64,
    last_line: Mutex<Instant>,
    bar: Option<ProgressBar>,
}

impl<'a> Progress<'a> {
    pub fn new(screen: Screen<'a>, verb: &'static str, total_files: usize, total_bytes: u64) -> Progress<'a> {
        let started = Instant::now();
        let bar = matches!(screen, Screen::Terminal).then(|| {
            let bar = ProgressBar::new(total_bytes);
            let style = ProgressStyle::with_template(
                "{prefix} {wide_bar} {bytes}/{total_bytes} {binary_bytes_per_sec}, {eta} left",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.set_prefix(format!("{verb} 0/{total_files} files"));
            bar.enable_steady_tick(Duration::from_millis(250));
            bar
        });
        Progress {
            screen,
            verb,
            started,
            total_files: total_files as u64,
            total_bytes,
            files: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            last_line: Mutex::new(started),
            bar,
        }
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// One more file done, of this many bytes.
    pub fn done(&self, size: u64) {
        let files = self.files.fetch_add(1, Ordering::Relaxed) + 1;
        let bytes = self.bytes.fetch_add(size, Ordering::Relaxed) + size;
        if let Some(bar) = &self.bar {
            bar.set_prefix(format!("{} {files}/{} files", self.verb, self.total_files));
            bar.inc(size);
            if files == self.total_files {
                bar.finish_and_clear();
            }
            return;
        }
        {
            let mut last_line = self.last_line.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if files != self.total_files && last_line.elapsed() < Duration::from_secs(1) {
                return;
            }
            *last_line = Instant::now();
        }
        let seconds = self.started.elapsed().as_secs_f64().max(0.001);
        let speed = bytes as f64 / seconds;
        let left = (self.total_bytes.saturating_sub(bytes)) as f64 / speed.max(1.0);
        self.screen.say(&format!(
            "{} {files}/{} files, {} of {}, {}/s, about {left:.0} s left",
            self.verb,
            self.total_files,
            human_bytes(bytes as i64),
            human_bytes(self.total_bytes as i64),
            human_bytes(speed as i64),
        ));
    }
}

impl Drop for Progress<'_> {
    /// A pass that stopped early (an error) leaves no half-drawn bar behind.
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
