//! The parent's side of a decode child: start it, hand it one item at a time through its private
//! folder, read its answer or its death, and kill it when it is dropped.

use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::task::JoinHandle;

use super::{Failure, Item, Report, SUBCOMMAND, Spawn, death};

/// The most of a child's report line and of its stderr the parent keeps.
const MAX_REPORT_BYTES: u64 = 1 << 20;
const MAX_STDERR_BYTES: usize = 16 << 10;
/// How long a dead child's last words may take to arrive.
const STDERR_GRACE: Duration = Duration::from_secs(1);

/// A serving child, with the folder it may read and write.
pub(super) struct Worker {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    stderr: JoinHandle<Vec<u8>>,
    folder: tempfile::TempDir,
    items: u32,
}

fn command(program: &Path, spawn: &Spawn) -> Result<Command, Failure> {
    let spawn = serde_json::to_string(spawn).map_err(|e| Failure::Unavailable(e.to_string()))?;
    let mut command = Command::new(program);
    command
        .arg(SUBCOMMAND)
        .arg(spawn)
        // No inherited secrets (DATABASE_URL, keys) for a decoder to leak.
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    Ok(command)
}

fn start(mut command: Command, program: &Path) -> Result<Child, Failure> {
    command.spawn().map_err(|e| Failure::Unavailable(format!("{}: {e}", program.display())))
}

/// Keeps the last `MAX_STDERR_BYTES` a child writes, and never lets its pipe fill.
fn collect_tail(stderr: Option<impl AsyncRead + Unpin + Send + 'static>) -> JoinHandle<Vec<u8>> {
    tokio::spawn(async move {
        let mut kept = Vec::new();
        let Some(mut stderr) = stderr else { return kept };
        let mut chunk = [0u8; 4096];
        while let Ok(read @ 1..) = stderr.read(&mut chunk).await {
            kept.extend_from_slice(&chunk[..read]);
            if kept.len() > MAX_STDERR_BYTES {
                kept.drain(..kept.len() - MAX_STDERR_BYTES);
            }
        }
        kept
    })
}

impl Worker {
    pub(super) fn start(program: &Path, spawn: &Spawn, folder: tempfile::TempDir) -> Result<Worker, Failure> {
        let mut command = command(program, spawn)?;
        command.stdin(Stdio::piped());
        let mut child = start(command, program)?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(Failure::Unavailable("the decoder's pipes".into()));
        };
        let stderr = collect_tail(child.stderr.take());
        Ok(Worker { child, stdin, stdout: BufReader::new(stdout), stderr, folder, items: 0 })
    }

    pub(super) fn items(&self) -> u32 {
        self.items
    }

    pub(super) fn is_alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Decodes one item: its input is linked into the child's folder, its outputs moved into the
    /// item's output folder.
    pub(super) async fn run(&mut self, item: Item, timeout: Duration) -> Result<Report, Failure> {
        self.items += 1;
        let (input, output) = (self.folder.path().join("input"), self.folder.path().join("output"));
        prepare(&item.input, &input, &output)
            .await
            .map_err(|e| Failure::Unavailable(format!("the decoder's folder: {e}")))?;
        let mut line = serde_json::to_vec(&Item { task: item.task, input, output: output.clone(), turns: item.turns })
            .map_err(|e| Failure::Unavailable(e.to_string()))?;
        line.push(b'\n');
        let answer = tokio::time::timeout(timeout, async {
            // A child that died before reading shows as a broken pipe here, and as EOF below.
            let _dead_child_is_read_below = self.stdin.write_all(&line).await;
            let _ = self.stdin.flush().await;
            let mut report = Vec::new();
            let read = (&mut self.stdout).take(MAX_REPORT_BYTES).read_until(b'\n', &mut report).await;
            read.map(|_| report)
        })
        .await;
        let report = match answer {
            Err(_) => {
                let _ = self.child.start_kill();
                return Err(Failure::TimedOut);
            }
            Ok(Ok(report)) if report.ends_with(b"\n") => report,
            // EOF (or a line cut short): the child died.
            Ok(_) => return Err(self.death().await),
        };
        let report: Report =
            serde_json::from_slice(&report).map_err(|e| Failure::Crashed(format!("unreadable report: {e}")))?;
        if let Report::Rejected(reason) = report {
            return Err(Failure::Rejected(reason));
        }
        deliver(&output, &item.output)
            .await
            .map_err(|e| Failure::Unavailable(format!("moving the derivatives: {e}")))?;
        Ok(report)
    }

    async fn death(&mut self) -> Failure {
        let status = tokio::time::timeout(STDERR_GRACE, self.child.wait()).await;
        let stderr = tokio::time::timeout(STDERR_GRACE, &mut self.stderr).await;
        let stderr = stderr.ok().and_then(Result::ok).unwrap_or_default();
        match status {
            Ok(Ok(status)) => death(status, &stderr),
            _ => {
                let _ = self.child.start_kill();
                Failure::Crashed(format!("stopped answering; {}", super::tail(&stderr)))
            }
        }
    }
}

/// The item's original where the child may read it, and an empty folder for what it makes.
async fn prepare(original: &Path, input: &Path, output: &Path) -> std::io::Result<()> {
    let _absent_is_fine = tokio::fs::remove_file(input).await;
    if tokio::fs::hard_link(original, input).await.is_err() {
        tokio::fs::copy(original, input).await?;
    }
    let _absent_is_fine = tokio::fs::remove_dir_all(output).await;
    tokio::fs::create_dir(output).await
}

/// Moves what the child made into the caller's folder.
async fn deliver(made: &Path, destination: &Path) -> std::io::Result<()> {
    tokio::fs::create_dir_all(destination).await?;
    let mut entries = tokio::fs::read_dir(made).await?;
    while let Some(entry) = entries.next_entry().await? {
        let target: PathBuf = destination.join(entry.file_name());
        if tokio::fs::rename(entry.path(), &target).await.is_err() {
            tokio::fs::copy(entry.path(), &target).await?;
        }
    }
    Ok(())
}

/// Runs a one-shot child to its end (a playable copy): its exit status and the end of its stderr.
pub(super) async fn run_once(
    program: &Path,
    spawn: &Spawn,
    timeout: Duration,
) -> Result<(ExitStatus, Vec<u8>), Failure> {
    let mut command = command(program, spawn)?;
    command.stdin(Stdio::null()).stdout(Stdio::null());
    let mut child = start(command, program)?;
    let stderr = collect_tail(child.stderr.take());
    let status = tokio::time::timeout(timeout, child.wait()).await.map_err(|_| Failure::TimedOut)?;
    let status = status.map_err(|e| Failure::Unavailable(format!("waiting for the decoder: {e}")))?;
    let stderr = tokio::time::timeout(STDERR_GRACE, stderr).await.ok().and_then(Result::ok).unwrap_or_default();
    Ok((status, stderr))
}
