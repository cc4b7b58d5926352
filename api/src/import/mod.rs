//! `picup-api import` (#18): a Google Photos Takeout, or any folder of photos and videos, moved
//! into one person's albums through the same upload path the web takes (reserve under the user's
//! lock with the exact quota, the bytes to the store by the signed URLs, complete with its outbox
//! event, thumbnails by the thumbnailer), never by writing rows around it.
//!
//! Nothing twice: every file is hashed first and the ones the person has already (the SHA-256 the
//! thumbnailer computed, or the one an upload declared) are not sent, so a second run, or a run
//! after a stopped one, sends only what is missing. A reservation a stopped run left for the same
//! bytes is cancelled before the quota is counted.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use futures::StreamExt;
use picup_common::checksum::Sha256;
use picup_common::db::{DbError, MetadataHints};
use picup_common::id::{AlbumId, MediaId, UserId};
use picup_common::services::Services;
use picup_common::storage::SignedRequest;
use picup_common::uploads::{self, Reservation, ReserveRequest, SendMethod, human_bytes};
use picup_import::{Item, Plan, ScanOptions};
use sha2::Digest;

mod progress;

use progress::Progress;
pub use progress::Screen;

pub const USAGE: &str =
    "usage: picup-api import --user EMAIL [--album TITLE] [--partial] [--jobs N] [--report PATH] PATH...";

/// What the person asked for on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportOptions {
    pub user: String,
    pub album: Option<String>,
    /// Import what fits in the quota, in order, instead of refusing when everything does not.
    pub partial: bool,
    /// Files sent at once.
    pub jobs: usize,
    /// The report file; `import-report-<time>.txt` in the current folder when not given.
    pub report: Option<PathBuf>,
    pub paths: Vec<PathBuf>,
}

impl ImportOptions {
    /// Reads the arguments after `import`.
    pub fn parse(args: &[String]) -> Result<ImportOptions, String> {
        let mut options = ImportOptions {
            user: String::new(),
            album: None,
            partial: false,
            jobs: default_jobs(),
            report: None,
            paths: Vec::new(),
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value = |name: &str| args.next().cloned().ok_or_else(|| format!("{name} needs a value; {USAGE}"));
            match arg.as_str() {
                "--user" => options.user = value("--user")?,
                "--album" => options.album = Some(value("--album")?),
                "--partial" => options.partial = true,
                "--jobs" => {
                    options.jobs = value("--jobs")?
                        .parse()
                        .ok()
                        .filter(|jobs| (1..=64).contains(jobs))
                        .ok_or_else(|| "--jobs is a number of files sent at once, 1 to 64".to_owned())?;
                }
                "--report" => options.report = Some(PathBuf::from(value("--report")?)),
                flag if flag.starts_with("--") => return Err(format!("unknown option {flag}; {USAGE}")),
                path => options.paths.push(PathBuf::from(path)),
            }
        }
        if options.user.is_empty() {
            return Err(format!("--user EMAIL names whose albums the files go in; {USAGE}"));
        }
        if options.paths.is_empty() {
            return Err(format!("no PATH to import; {USAGE}"));
        }
        Ok(options)
    }
}

/// Two to four files at once: enough to hide the store's latency, not so many that a small
/// machine serving the family slows down.
fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(2, 4)
}

/// Why an import did not start.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("no picup account has the email {0:?}")]
    NoSuchUser(String),
    #[error(transparent)]
    Scan(#[from] picup_import::ScanError),
    #[error(
        "Not enough storage space: the {files} files to import need {} but {} is free. Nothing was sent. Ask the family admin for more space, or run again with --partial to import what fits.",
        human_bytes(*needed),
        human_bytes((*free).max(0))
    )]
    DoesNotFit { files: usize, needed: i64, free: i64 },
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// How an import ended.
#[derive(Debug, Default)]
pub struct Summary {
    pub imported: usize,
    pub imported_bytes: u64,
    /// Files the person had already (from an earlier run, the web, or twice in the import).
    pub duplicates: usize,
    /// Each file not imported, with why.
    pub failed: Vec<(String, String)>,
    pub albums_made: Vec<String>,
    /// Files that are in several albums of the Takeout: picup keeps one album per photo, the first.
    pub in_first_album_only: Vec<(String, Vec<String>)>,
    pub report: PathBuf,
}

/// A file to send, with its checksum.
struct ToSend {
    item: Item,
    sha256: String,
}

/// Runs the import, telling the `screen` how it goes.
pub async fn run(services: &Services, options: &ImportOptions, screen: Screen<'_>) -> Result<Summary, ImportError> {
    let say = |line: &str| screen.say(line);
    let user = match services.db.user_by_email(options.user.trim()).await {
        Ok(user) => user,
        Err(DbError::NotFound) => return Err(ImportError::NoSuchUser(options.user.clone())),
        Err(err) => return Err(anyhow::Error::from(err).context("cannot read the user").into()),
    };
    let mut summary = Summary { report: report_path(options), ..Summary::default() };

    let scan_options = ScanOptions { album: options.album.clone() };
    let paths = options.paths.clone();
    let plan: Plan = tokio::task::spawn_blocking(move || picup_import::scan(&paths, &scan_options))
        .await
        .context("the scan stopped")??;
    say(&format!(
        "found {} files ({}) for {} albums; {} files left out",
        plan.items.len(),
        human_bytes(plan.total_bytes() as i64),
        plan.albums.len(),
        plan.skipped.len()
    ));
    for skipped in &plan.skipped {
        say(&format!("left out: {skipped}"));
    }

    // Hash everything first: what the person has already is not sent, nor counted in the quota.
    say(&format!("reading {} files to find the ones you have already", plan.items.len()));
    let reading = Progress::new(screen, "read", plan.items.len(), plan.total_bytes());
    let mut hashed = futures::stream::iter(plan.items.into_iter().map(|item| {
        tokio::task::spawn_blocking(move || {
            let sha256 = hash(&item);
            (item, sha256)
        })
    }))
    .buffered(options.jobs);
    let owned: HashSet<String> =
        services.db.owned_checksums(user.id).await.context("cannot read the user's files")?.into_iter().collect();
    let mut seen = HashSet::new();
    let mut to_send = Vec::new();
    while let Some(result) = hashed.next().await {
        let (item, sha256) = result.context("a file's reading stopped")?;
        reading.done(item.size);
        match sha256 {
            Err(err) => summary.failed.push((item.location.to_string(), format!("cannot be read: {err}"))),
            Ok(sha256) if owned.contains(&sha256) || !seen.insert(sha256.clone()) => summary.duplicates += 1,
            Ok(sha256) => to_send.push(ToSend { item, sha256 }),
        }
    }
    drop(reading);
    say(&format!("{} files you have already; {} to import", summary.duplicates, to_send.len()));

    // A stopped run may have left reservations for these bytes: they would hold quota until
    // they expire. Cancel them; their files are sent again.
    let wanted: HashSet<&str> = to_send.iter().map(|send| send.sha256.as_str()).collect();
    let pending = services.db.uploads_of(user.id, None, 10_000).await.context("cannot read the unfinished uploads")?;
    let mut cancelled = 0;
    for upload in pending.iter().filter(|upload| upload.declared_sha256.as_deref().is_some_and(|s| wanted.contains(s)))
    {
        uploads::abort(services, user.id, upload.id).await.context("cannot cancel an unfinished upload")?;
        cancelled += 1;
    }
    if cancelled > 0 {
        say(&format!("cancelled {cancelled} unfinished uploads of these files (left by a stopped import)"));
    }

    // The quota, before anything is sent.
    let fresh = services.db.user(user.id).await.context("cannot read the quota")?;
    let free = fresh.free_bytes();
    let needed: i64 = to_send.iter().map(|send| send.item.size as i64).sum();
    if needed > free {
        if !options.partial {
            return Err(ImportError::DoesNotFit { files: to_send.len(), needed, free });
        }
        let mut room = free;
        to_send.retain(|send| {
            let fits = send.item.size as i64 <= room;
            if fits {
                room -= send.item.size as i64;
            } else {
                summary
                    .failed
                    .push((send.item.location.to_string(), "does not fit in the free space (--partial)".into()));
            }
            fits
        });
        say(&format!(
            "only {} is free: importing the {} files that fit (--partial)",
            human_bytes(free.max(0)),
            to_send.len()
        ));
    }

    let albums = albums_for(services, user.id, &to_send, &mut summary).await?;
    for send in &to_send {
        if send.item.albums.len() > 1 {
            summary.in_first_album_only.push((send.item.filename.clone(), send.item.albums.clone()));
        }
    }

    let total_files = to_send.len();
    let total_bytes: u64 = to_send.iter().map(|send| send.item.size).sum();
    say(&format!("importing {total_files} files ({})", human_bytes(total_bytes as i64)));
    let progress = Progress::new(screen, "imported", total_files, total_bytes);
    let http = reqwest::Client::builder().timeout(Duration::from_secs(15 * 60)).build().context("no HTTP client")?;
    let sender = &Sender { services, user_id: user.id, http };
    let outcomes: Vec<(ToSend, Result<bool, String>)> = futures::stream::iter(to_send.into_iter().map(|send| {
        let album_id = albums[&send.item.albums[0]];
        let progress = &progress;
        async move {
            let outcome = sender.import_one(album_id, &send).await.map_err(|err| format!("{err:#}"));
            progress.done(send.item.size);
            (send, outcome)
        }
    }))
    .buffer_unordered(options.jobs)
    .collect()
    .await;
    for (send, outcome) in outcomes {
        match outcome {
            Ok(true) => {
                summary.imported += 1;
                summary.imported_bytes += send.item.size;
            }
            Ok(false) => summary.duplicates += 1,
            Err(reason) => summary.failed.push((send.item.location.to_string(), reason)),
        }
    }
    let elapsed = progress.elapsed();
    drop(progress);
    say(&format!(
        "imported {} files ({}) in {:.1} s, {}/s; {} you had already; {} failed; {} albums made",
        summary.imported,
        human_bytes(summary.imported_bytes as i64),
        elapsed.as_secs_f64(),
        human_bytes((summary.imported_bytes as f64 / elapsed.as_secs_f64().max(0.001)) as i64),
        summary.duplicates,
        summary.failed.len(),
        summary.albums_made.len()
    ));
    write_report(&summary, &plan.skipped).context("cannot write the report")?;
    say(&format!("report: {}", summary.report.display()));
    Ok(summary)
}

/// The albums the files go in, by title, owned by the user: found, or made.
async fn albums_for(
    services: &Services,
    user_id: UserId,
    to_send: &[ToSend],
    summary: &mut Summary,
) -> Result<HashMap<String, AlbumId>, ImportError> {
    let mut owned = HashMap::new();
    let mut before = None;
    loop {
        let page = services.db.list_albums(user_id, before, 500).await.context("cannot read the albums")?;
        let Some(last) = page.last() else { break };
        before = Some(i64::from(last.id));
        for album in page.into_iter().filter(|album| album.owner_id == user_id) {
            owned.entry(album.title).or_insert(album.id);
        }
    }
    for send in to_send {
        let title = &send.item.albums[0];
        if !owned.contains_key(title) {
            let title_cut: String = title.chars().take(200).collect();
            let access = services.db.create_album(user_id, &title_cut).await.context("cannot make an album")?;
            owned.insert(title.clone(), access.album.id);
            summary.albums_made.push(title.clone());
        }
    }
    Ok(owned)
}

/// Sends files into one person's albums, as the web does.
struct Sender<'a> {
    services: &'a Services,
    user_id: UserId,
    /// For the PUTs to the signed URLs.
    http: reqwest::Client,
}

impl Sender<'_> {
    /// One file: reserved, sent, completed. Ok(false) when the family had it after all.
    async fn import_one(&self, album_id: AlbumId, send: &ToSend) -> anyhow::Result<bool> {
        let (services, user_id, item) = (self.services, self.user_id, &send.item);
        let request = ReserveRequest {
            filename: &item.filename,
            size: i64::try_from(item.size)?,
            content_type: item.content_type(),
            sha256: Some(&send.sha256),
        };
        let instructions = match uploads::reserve(services, user_id, album_id, &request).await? {
            Reservation::Duplicate(_) => return Ok(false),
            Reservation::Send(instructions) => instructions,
        };
        let upload_id = instructions.upload_id;
        let sent = async {
            match instructions.method {
                SendMethod::Put(signed) => self.put(&signed, streamed(item), item.size).await,
                SendMethod::Multipart { part_size, parts } => {
                    self.send_parts(upload_id, item, part_size, parts.len()).await
                }
            }
        };
        if let Err(err) = sent.await {
            if let Err(abort) = uploads::abort(services, user_id, upload_id).await {
                tracing::warn!(error = %abort, %upload_id, "could not cancel a failed import upload; it expires");
            }
            return Err(err);
        }
        let hints = MetadataHints {
            taken_at: item.taken_at.or(item.modified_at).map(|seconds| seconds.saturating_mul(1000)),
            place: item.gps.map(|gps| (gps.latitude, gps.longitude)),
        };
        let completed = uploads::complete_with_hints(services, user_id, upload_id, None, &hints).await?;
        // A photo starred in Google Photos is one she liked.
        if item.favorite {
            services.db.like(completed.media.id, album_id, user_id).await.context("cannot like a starred photo")?;
        }
        Ok(true)
    }

    /// The parts of a big file, each read, hashed and sent in turn (one part in memory at a time).
    async fn send_parts(&self, upload_id: MediaId, item: &Item, part_size: i64, count: usize) -> anyhow::Result<()> {
        let mut reader = {
            let item = item.clone();
            tokio::task::spawn_blocking(move || item.open()).await??
        };
        for part_number in 1..=i32::try_from(count)? {
            let (back, bytes) = tokio::task::spawn_blocking(move || {
                let mut bytes = Vec::new();
                let read = (&mut reader).take(u64::try_from(part_size).unwrap_or_default()).read_to_end(&mut bytes);
                read.map(|_| (reader, bytes))
            })
            .await??;
            reader = back;
            let sha256 = Sha256::of(&bytes).to_hex();
            let request = uploads::part_url(self.services, self.user_id, upload_id, part_number, &sha256).await?;
            let size = bytes.len() as u64;
            self.put(&request.signed, reqwest::Body::from(bytes), size).await?;
        }
        Ok(())
    }

    async fn put(&self, signed: &SignedRequest, body: reqwest::Body, size: u64) -> anyhow::Result<()> {
        // S3 wants the length up front (a presigned PUT is not sent in chunks).
        let mut request = self.http.put(&signed.url).header(reqwest::header::CONTENT_LENGTH, size).body(body);
        for (name, value) in &signed.headers {
            request = request.header(name, value);
        }
        let response = request.send().await.context("cannot reach the store")?;
        let status = response.status();
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            anyhow::bail!("the store refused the file ({status}): {}", body.chars().take(300).collect::<String>());
        }
        Ok(())
    }
}

/// The SHA-256 of a file's bytes, checking that there are as many as the scan said.
fn hash(item: &Item) -> std::io::Result<String> {
    let mut reader = item.open()?;
    let mut hasher = sha2::Sha256::new();
    let mut buffer = vec![0; 256 * 1024];
    let mut read = 0u64;
    loop {
        let n = reader.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        read += n as u64;
        hasher.update(&buffer[..n]);
    }
    if read != item.size {
        return Err(std::io::Error::other(format!("{read} bytes where {} were expected", item.size)));
    }
    Ok(hex::encode(hasher.finalize()))
}

/// A file's bytes as a request body, read 256 KiB at a time on a blocking thread: a file of any
/// size costs the import a few buffers, not its size.
fn streamed(item: &Item) -> reqwest::Body {
    let (chunks, mut receiver) = tokio::sync::mpsc::channel::<std::io::Result<Vec<u8>>>(4);
    let item = item.clone();
    tokio::task::spawn_blocking(move || {
        let mut reader = match item.open() {
            Ok(reader) => reader,
            Err(err) => return chunks.blocking_send(Err(err)),
        };
        loop {
            let mut chunk = vec![0; 256 * 1024];
            match reader.read(&mut chunk) {
                Ok(0) => return Ok(()),
                Ok(n) => {
                    chunk.truncate(n);
                    chunks.blocking_send(Ok(chunk))?;
                }
                Err(err) => return chunks.blocking_send(Err(err)),
            }
        }
    });
    reqwest::Body::wrap_stream(futures::stream::poll_fn(move |context| receiver.poll_recv(context)))
}

fn report_path(options: &ImportOptions) -> PathBuf {
    options.report.clone().unwrap_or_else(|| {
        let time = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string().replace(':', "-");
        PathBuf::from(format!("import-report-{time}.txt"))
    })
}

fn write_report(summary: &Summary, skipped: &[picup_import::Skipped]) -> std::io::Result<()> {
    use std::fmt::Write;
    let mut text = String::new();
    let _ = writeln!(
        text,
        "picup import\nimported: {} files ({})\nyou had already: {}\nfailed: {}\nalbums made: {}",
        summary.imported,
        human_bytes(summary.imported_bytes as i64),
        summary.duplicates,
        summary.failed.len(),
        summary.albums_made.len()
    );
    let mut sections: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    sections.entry("1 failed").or_default().extend(summary.failed.iter().map(|(file, why)| format!("{file}: {why}")));
    sections.entry("2 albums made").or_default().extend(summary.albums_made.iter().cloned());
    sections
        .entry("3 in several albums; picup keeps one album per photo, it is in the first")
        .or_default()
        .extend(summary.in_first_album_only.iter().map(|(file, albums)| format!("{file}: {}", albums.join(", "))));
    sections.entry("4 left out").or_default().extend(skipped.iter().map(ToString::to_string));
    for (title, lines) in sections {
        let _ = writeln!(text, "\n## {} ({})", &title[2..], lines.len());
        for line in lines {
            let _ = writeln!(text, "{line}");
        }
    }
    std::fs::write(&summary.report, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn the_command_line_reads_as_documented() {
        let options = ImportOptions::parse(&args("--user mum@example.org --album Old --partial --jobs 3 a.zip b"))
            .expect("valid");
        assert_eq!(options.user, "mum@example.org");
        assert_eq!(options.album.as_deref(), Some("Old"));
        assert!(options.partial);
        assert_eq!(options.jobs, 3);
        assert_eq!(options.paths, vec![PathBuf::from("a.zip"), PathBuf::from("b")]);
        assert!(ImportOptions::parse(&args("a.zip")).expect_err("refused").contains("--user"));
        assert!(ImportOptions::parse(&args("--user x")).expect_err("refused").contains("PATH"));
        assert!(ImportOptions::parse(&args("--user x --jobs 0 a")).is_err());
        assert!(ImportOptions::parse(&args("--user x --frobnicate a")).is_err());
    }
}
