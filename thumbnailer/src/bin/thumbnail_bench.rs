//! `thumbnail-bench [--out DIR] [--rounds N] FILE_OR_FOLDER...`: runs the full photo job (decode
//! once, orientation, thumbnail and preview, thumbhash) or the video poster job in this process on
//! one thread ("in-process", as before #14), and through the sandboxed decode children the
//! thumbnailer uses: a warm one, as the thumbnailer keeps them ("warm": hand over, decode, write,
//! report), and a fresh one ("cold": start, limit, confine, then the same). Prints milliseconds
//! per file for the three, side by side in one run. With `--out`, writes what it made.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use picup_common::config::Config;
use picup_thumbnailer::decode::{Decoder, Report, Task};
use picup_thumbnailer::{decode, photo, video};

fn main() -> ExitCode {
    // The sandboxed column starts this very program as its decode child.
    if let Some(code) = decode::run_if_child() {
        return code;
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("thumbnail-bench: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (mut out, mut rounds, mut inputs) = (None, 3usize, Vec::new());
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => out = args.next().map(PathBuf::from),
            "--rounds" => rounds = args.next().and_then(|n| n.parse().ok()).unwrap_or(3),
            _ => inputs.push(PathBuf::from(arg)),
        }
    }
    let files = collect(&inputs)?;
    if files.is_empty() {
        anyhow::bail!("usage: thumbnail-bench [--out DIR] [--rounds N] FILE_OR_FOLDER...");
    }
    if let Some(out) = &out {
        std::fs::create_dir_all(out)?;
    }
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let settings = Config::from_lookup(|_| None)?.thumbnailer;
    let warm = Decoder::new(&settings);
    let (mut total_in_process, mut total_warm, mut total_cold, mut count) = (0.0, 0.0, 0.0, 0usize);
    let mut report = String::from(
        "file                               kind    display       in-process ms  warm child ms  cold child ms  (best of rounds)\n",
    );
    for file in &files {
        let bytes = std::fs::read(file)?;
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let is_photo = photo::sniff(&bytes).is_some();
        let task = if is_photo { Task::Photo } else { Task::Video };
        let (mut in_process, mut sandboxed, mut cold, mut line) = (f64::MAX, f64::MAX, f64::MAX, String::new());
        for _ in 0..rounds.max(1) {
            let started = Instant::now();
            let made = if is_photo {
                photo::process(&bytes, 100).map(|p| (p.width, p.height, p.derivatives)).map_err(|e| e.to_string())
            } else {
                video::poster(file, 100).map(|v| (v.width, v.height, v.derivatives)).map_err(|e| e.to_string())
            };
            in_process = in_process.min(started.elapsed().as_secs_f64() * 1000.0);
            line = match made {
                Ok((width, height, derivatives)) => {
                    if let Some(out) = &out {
                        std::fs::write(out.join(format!("{name}.thumb.webp")), &derivatives.thumbnail_webp)?;
                        std::fs::write(out.join(format!("{name}.preview.jpg")), &derivatives.preview_jpeg)?;
                    }
                    let kind = if is_photo { "photo" } else { "video" };
                    format!("{name:<34} {kind:<7} {width:>5}x{height:<5}")
                }
                Err(err) => format!("{name:<34} failed: {err}"),
            };

            let work = tempfile::tempdir()?;
            let started = Instant::now();
            let answer = runtime.block_on(warm.decode(task, file, work.path()));
            sandboxed = sandboxed.min(started.elapsed().as_secs_f64() * 1000.0);

            let fresh = Decoder::new(&settings);
            let started = Instant::now();
            let _same_answer = runtime.block_on(fresh.decode(task, file, work.path()));
            cold = cold.min(started.elapsed().as_secs_f64() * 1000.0);
            if let Ok(Report::Rejected(reason)) | Err(decode::Failure::Rejected(reason)) = &answer {
                line.push_str(&format!(" (sandboxed: {reason})"));
            } else if let Err(err) = answer {
                line.push_str(&format!(" (sandboxed: {err})"));
            }
        }
        report.push_str(&format!("{line:<56} {in_process:>12.1} {sandboxed:>14.1} {cold:>14.1}\n"));
        total_in_process += in_process;
        total_warm += sandboxed;
        total_cold += cold;
        count += 1;
    }
    let per_second = |total: f64| count as f64 * 1000.0 / total;
    let change = |total: f64| (total / total_in_process - 1.0) * 100.0;
    report.push_str(&format!(
        "total for {count} files: in-process {total_in_process:.1} ms ({:.2}/s), warm child {total_warm:.1} ms ({:.2}/s, {:+.1}%), cold child {total_cold:.1} ms ({:.2}/s, {:+.1}%)\n",
        per_second(total_in_process),
        per_second(total_warm),
        change(total_warm),
        per_second(total_cold),
        change(total_cold),
    ));
    // A benchmark's report is its output.
    #[allow(clippy::print_stdout)]
    {
        print!("{report}");
    }
    Ok(())
}

fn collect(inputs: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let mut entries: Vec<PathBuf> =
                std::fs::read_dir(input)?.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect();
            entries.sort();
            files.extend(entries);
        } else if Path::new(input).is_file() {
            files.push(input.clone());
        }
    }
    Ok(files)
}
