//! `thumbnail-bench [--out DIR] [--rounds N] FILE_OR_FOLDER...`: runs the full photo job (decode
//! once, orientation, thumbnail and preview, thumbhash) or the video poster job on one thread and
//! prints milliseconds per file and items per second. With `--out`, writes what it made.

use std::path::{Path, PathBuf};
use std::time::Instant;

use picup_thumbnailer::{photo, video};

fn main() -> anyhow::Result<()> {
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
    let mut total_ms = 0.0;
    let mut count = 0usize;
    let mut report = String::from("file                               kind    display      ms (best of rounds)\n");
    for file in &files {
        let bytes = std::fs::read(file)?;
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let is_photo = photo::sniff(&bytes).is_some();
        let mut best = f64::MAX;
        let mut line = String::new();
        for _ in 0..rounds.max(1) {
            let started = Instant::now();
            let made = if is_photo {
                photo::process(&bytes, 100).map(|p| (p.width, p.height, p.derivatives))
            } else {
                video::poster(file, 100)
                    .map(|v| (v.width, v.height, v.derivatives))
                    .map_err(|e| photo::PhotoError::Corrupt(e.to_string()))
            };
            best = best.min(started.elapsed().as_secs_f64() * 1000.0);
            match made {
                Ok((width, height, derivatives)) => {
                    line = format!(
                        "{name:<34} {:<7} {:>5}x{:<5}",
                        if is_photo { "photo" } else { "video" },
                        width,
                        height
                    );
                    if let Some(out) = &out {
                        std::fs::write(out.join(format!("{name}.thumb.webp")), &derivatives.thumbnail_webp)?;
                        std::fs::write(out.join(format!("{name}.preview.jpg")), &derivatives.preview_jpeg)?;
                    }
                }
                Err(err) => line = format!("{name:<34} failed: {err}"),
            }
        }
        report.push_str(&format!("{line} {best:>10.1}\n"));
        total_ms += best;
        count += 1;
    }
    report.push_str(&format!(
        "total {total_ms:.1} ms for {count} files: {:.2} per second on one thread\n",
        count as f64 * 1000.0 / total_ms
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
