//! `picup-api import` (#18), run as a family's operator runs it: the real binary, beside the
//! running album, on its database and store, with a Takeout zip written here as Google writes
//! them. What it did is read back through the api, as the person sees it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use serde_json::Value;
use zip::write::SimpleFileOptions;

use crate::helpers::{Backends, TestApp, User};
use crate::processes::binary;

/// A small real JPEG, each seed its own picture (so its own bytes), with no EXIF date.
fn jpeg(seed: u8) -> Vec<u8> {
    let image = image::RgbImage::from_fn(64, 48, |x, y| {
        image::Rgb([seed.wrapping_mul(40), (x * 4) as u8, (y * 5) as u8 ^ seed])
    });
    let mut bytes = std::io::Cursor::new(Vec::new());
    image.write_to(&mut bytes, image::ImageFormat::Jpeg).expect("encode a JPEG");
    bytes.into_inner()
}

/// A sidecar as Takeout writes it; Google writes 0,0 for "no place".
fn sidecar(title: &str, taken: i64, place: Option<(f64, f64)>) -> String {
    sidecar_with(title, taken, place, "")
}

/// A sidecar with Google's flags too: `"favorited": true,`, `"archived": true,`.
fn sidecar_with(title: &str, taken: i64, place: Option<(f64, f64)>, flags: &str) -> String {
    let (latitude, longitude) = place.unwrap_or((0.0, 0.0));
    let geo = format!(
        r#"{{ "latitude": {latitude:?}, "longitude": {longitude:?}, "altitude": 0.0, "latitudeSpan": 0.0, "longitudeSpan": 0.0 }}"#
    );
    format!(
        r#"{{
  "title": "{title}",
  "description": "",
  "imageViews": "3",
  "creationTime": {{ "timestamp": "{created}", "formatted": "" }},
  "photoTakenTime": {{ "timestamp": "{taken}", "formatted": "" }},
  "geoData": {geo},
  "geoDataExif": {geo},
  {flags}
  "url": "https://photos.google.com/photo/AF1Qip{taken}"
}}"#,
        created = taken + 3600
    )
}

const HOLIDAY: i64 = 1_262_347_200; // 2010-01-01T12:00:00Z
const BIRTHDAY: i64 = 1_300_000_000; // 2011-03-13T07:06:40Z
const SNOW: i64 = 1_340_000_000; // 2012-06-18T06:13:20Z

/// Three photos: one in an album folder (and again in its year folder, as Takeout does), with a
/// place; two only in year folders, one with the `.supplemental-metadata.json` sidecar name.
fn write_takeout(dir: &Path) -> (PathBuf, usize) {
    let path = dir.join("takeout-20260101T000000Z-001.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).expect("zip file"));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let photos = "Takeout/Google Photos";
    let mut bytes = 0;
    let mut add = |name: String, content: &[u8]| {
        zip.start_file(name, options).expect("a member");
        zip.write_all(content).expect("member bytes");
    };
    let sea = jpeg(1);
    bytes += sea.len();
    add(format!("{photos}/Holiday 2010/metadata.json"), br#"{ "title": "Holiday at the sea", "description": "" }"#);
    add(format!("{photos}/Holiday 2010/IMG_0001.jpg"), &sea);
    let sea_json = sidecar("IMG_0001.jpg", HOLIDAY, Some((43.2965, 5.3698)));
    add(format!("{photos}/Holiday 2010/IMG_0001.jpg.json"), sea_json.as_bytes());
    add(format!("{photos}/Photos from 2010/IMG_0001.jpg"), &sea);
    add(format!("{photos}/Photos from 2010/IMG_0001.jpg.json"), sea_json.as_bytes());
    let cake = jpeg(2);
    bytes += cake.len();
    add(format!("{photos}/Photos from 2011/IMG_0002.jpg"), &cake);
    add(format!("{photos}/Photos from 2011/IMG_0002.jpg.json"), sidecar("IMG_0002.jpg", BIRTHDAY, None).as_bytes());
    let snow = jpeg(3);
    bytes += snow.len();
    add(format!("{photos}/Photos from 2012/IMG_0003.jpg"), &snow);
    add(
        format!("{photos}/Photos from 2012/IMG_0003.jpg.supplemental-metadata.json"),
        sidecar("IMG_0003.jpg", SNOW, None).as_bytes(),
    );
    zip.finish().expect("zip written");
    (path, bytes)
}

async fn import(backends: &Backends, args: &[&str]) -> Output {
    let vars = backends.vars();
    let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
    let dir = backends.data_dir.path().to_owned();
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(binary("picup-api"))
            .arg("import")
            .args(&args)
            .envs(&vars)
            .env("RUST_LOG", "warn")
            .current_dir(dir)
            .output()
            .expect("picup-api import runs")
    })
    .await
    .expect("import finished")
}

fn text(output: &Output) -> String {
    format!("{}\n{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// Without Redis the import leaves its events in the outbox for the album's relay, which runs
/// every 30 s; with Redis, an import killed between completing a file and publishing its event
/// leaves that one there too. Run the relay now, as its next tick would.
async fn relay(app: &TestApp) {
    picup_worker::jobs::relay_outbox(&app.services).await.expect("outbox relayed");
}

/// Title -> album id, of the user's albums.
async fn albums(app: &TestApp, user: &User) -> Vec<(String, String)> {
    let (status, body) = app.get("/albums", &user.token).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    body["items"]
        .as_array()
        .or_else(|| body.as_array())
        .expect("albums")
        .iter()
        .map(|album| (album["title"].as_str().unwrap_or_default().to_owned(), crate::helpers::id_of(album)))
        .collect()
}

fn taken(media: &Value) -> &str {
    media["taken_at"].as_str().expect("taken_at")
}

#[tokio::test]
async fn a_takeout_is_imported_once_in_its_albums_with_its_dates() {
    let backends = Backends::fresh().await;
    let app = TestApp::spawn_on(&backends, &[]).await;
    let admin = app.admin().await;
    let fixture = tempfile::tempdir().expect("temp dir");
    let (zip, bytes) = write_takeout(fixture.path());
    let report = fixture.path().join("report.txt");
    let zip = zip.display().to_string();
    let report_arg = report.display().to_string();

    let first = import(&backends, &["--user", "admin@family.test", "--report", &report_arg, &zip]).await;
    assert!(first.status.success(), "{}", text(&first));
    let said = text(&first);
    assert!(said.contains("found 3 files"), "{said}");
    assert!(said.contains("imported 3 files"), "{said}");
    let written = std::fs::read_to_string(&report).expect("the report is written");
    assert!(written.contains("albums made (2)"), "{written}");

    relay(&app).await;
    let mut albums = albums(&app, &admin).await;
    albums.sort();
    let titles: Vec<&str> = albums.iter().map(|(title, _)| title.as_str()).collect();
    assert_eq!(titles, ["Google Photos", "Holiday at the sea"]);
    let google = app.settle(&admin, &albums[0].1).await;
    let holiday = app.settle(&admin, &albums[1].1).await;
    assert_eq!(holiday.len(), 1, "{holiday:?}");
    assert_eq!(google.len(), 2, "{google:?}");
    for media in google.iter().chain(&holiday) {
        assert_eq!(media["status"], "ready", "{media}");
    }
    // The sidecar's place, kept after the thumbnailer read the file (which has none); 0,0 is none.
    assert_eq!(holiday[0]["location"], serde_json::json!({"latitude": 43.2965, "longitude": 5.3698}));
    assert!(google.iter().all(|media| media["location"].is_null()), "{google:?}");
    // No EXIF date in these files: the sidecar's photoTakenTime is when they were taken.
    assert!(taken(&holiday[0]).starts_with("2010-01-01T12:00:00"), "{}", holiday[0]);
    let mut dates: Vec<&str> = google.iter().map(taken).collect();
    dates.sort();
    assert!(dates[0].starts_with("2011-03-13T07:06:40"), "{dates:?}");
    assert!(dates[1].starts_with("2012-06-18T06:13:20"), "{dates:?}");
    let sizes: i64 = google.iter().chain(&holiday).map(|m| m["size_bytes"].as_i64().expect("size")).sum();
    assert_eq!(sizes, bytes as i64);
    let used = app.me(&admin).await["used_bytes"].clone();

    // Again: everything is there already; nothing is sent, the quota does not move.
    let second = import(&backends, &["--user", "admin@family.test", "--report", &report_arg, &zip]).await;
    assert!(second.status.success(), "{}", text(&second));
    assert!(text(&second).contains("3 files you have already; 0 to import"), "{}", text(&second));
    relay(&app).await;
    assert_eq!(app.me(&admin).await["used_bytes"], used);
    assert_eq!(app.settle(&admin, &albums[0].1).await.len(), 2);
    assert_eq!(app.settle(&admin, &albums[1].1).await.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_takeout_larger_than_the_quota_is_refused_before_anything_is_sent() {
    let backends = Backends::fresh().await;
    let app = TestApp::spawn_on(&backends, &[]).await;
    let admin = app.admin().await;
    let user_id = admin.id.parse().expect("user id");
    app.services.db.set_quota(user_id, 2_000).await.expect("a small quota");
    let fixture = tempfile::tempdir().expect("temp dir");
    let (zip, _) = write_takeout(fixture.path());
    let report = fixture.path().join("report.txt").display().to_string();

    let refused =
        import(&backends, &["--user", "admin@family.test", "--report", &report, &zip.display().to_string()]).await;
    assert!(!refused.status.success(), "{}", text(&refused));
    assert!(text(&refused).contains("Not enough storage space"), "{}", text(&refused));
    let me = app.me(&admin).await;
    assert_eq!(me["used_bytes"], 0, "{me}");
    assert!(albums(&app, &admin).await.is_empty(), "no album was made");

    let unknown = import(&backends, &["--user", "nobody@family.test", &zip.display().to_string()]).await;
    assert!(!unknown.status.success());
    assert!(text(&unknown).contains("no picup account has the email"), "{}", text(&unknown));
    app.stop().await;
}

fn album_named<'a>(albums: &'a [(String, String)], title: &str) -> &'a str {
    &albums.iter().find(|(name, _)| name == title).unwrap_or_else(|| panic!("no album {title:?} in {albums:?}")).1
}

/// A file of `testdata/robustness/` (other projects' test files, `testdata/SOURCES.md`).
fn testdata(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/robustness").join(name);
    std::fs::read(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// A real iPhone 13 mini photo (from libavif's tests) with its own EXIF date, 2026-01-07
/// 15:20:14 +01:00.
fn photo_with_exif_date() -> Vec<u8> {
    testdata("libavif-apple_gainmap_new.jpg")
}

#[tokio::test]
async fn an_unpacked_takeout_and_a_plain_folder_keep_each_photos_own_date_place_and_star() {
    let backends = Backends::fresh().await;
    let app = TestApp::spawn_on(&backends, &[]).await;
    let admin = app.admin().await;
    let fixture = tempfile::tempdir().expect("temp dir");

    // An unpacked Takeout, as a family gets it after opening the zips.
    let photos = fixture.path().join("Takeout/Google Photos");
    let add = |path: &str, bytes: &[u8]| {
        let path = photos.join(path);
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("folders");
        std::fs::write(path, bytes).expect("a file");
    };
    // The file says 2026; its sidecar says 2015: the file wins.
    add("Photos from 2015/IMG_4000.jpg", &photo_with_exif_date());
    add("Photos from 2015/IMG_4000.jpg.json", sidecar("IMG_4000.jpg", 1_430_000_000, None).as_bytes());
    // Starred, with a place and no EXIF: the sidecar's date and place, and her heart.
    let tower = (48.8584, 2.2945);
    add("Photos from 2016/IMG_0100.jpg", &jpeg(10));
    add(
        "Photos from 2016/IMG_0100.jpg.json",
        sidecar_with("IMG_0100.jpg", 1_460_000_000, Some(tower), r#""favorited": true,"#).as_bytes(),
    );
    // A real HEIC and a real MP4 (from other projects' test files, `testdata/SOURCES.md`).
    add("Photos from 2018/IMG_0200.HEIC", &testdata("androidx-sample_mp.heic"));
    add("Photos from 2018/IMG_0200.HEIC.json", sidecar("IMG_0200.HEIC", 1_520_000_000, None).as_bytes());
    add("Photos from 2018/VID_0201.mp4", &testdata("tika-testmp4video.mp4"));
    add("Photos from 2018/VID_0201.mp4.json", sidecar("VID_0201.mp4", 1_520_000_100, None).as_bytes());
    // Archived in Google Photos: imported, out of the main album.
    add("Photos from 2017/IMG_0101.jpg", &jpeg(11));
    add(
        "Photos from 2017/IMG_0101.jpg.json",
        sidecar_with("IMG_0101.jpg", 1_490_000_000, None, r#""archived": true,"#).as_bytes(),
    );
    let takeout = fixture.path().join("Takeout").display().to_string();
    let said = import(&backends, &["--user", "admin@family.test", &takeout]).await;
    assert!(said.status.success(), "{}", text(&said));

    // A folder from the old PC: no sidecars, no EXIF; the files' own dates (as copied from the
    // camera card) are when they were taken.
    let old_pc = fixture.path().join("old-pc");
    std::fs::create_dir_all(old_pc.join("2009/May")).expect("folders");
    let may_2009 = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_241_179_200); // 2009-05-01T12:00:00Z
    for (name, seed) in [("2009/May/DSC00001.JPG", 20), ("DSC00002.JPG", 21)] {
        let path = old_pc.join(name);
        std::fs::write(&path, jpeg(seed)).expect("a file");
        std::fs::File::options().write(true).open(&path).and_then(|file| file.set_modified(may_2009)).expect("mtime");
    }
    let folder = old_pc.display().to_string();
    let said = import(&backends, &["--user", "admin@family.test", "--album", "From the old PC", &folder]).await;
    assert!(said.status.success(), "{}", text(&said));

    relay(&app).await;
    let albums = albums(&app, &admin).await;
    let main = app.settle(&admin, album_named(&albums, "Google Photos")).await;
    let archived = app.settle(&admin, album_named(&albums, "Google Photos (archived)")).await;
    let old = app.settle(&admin, album_named(&albums, "From the old PC")).await;
    assert_eq!(albums.len(), 3, "{albums:?}");
    let by_name = |items: &[Value], name: &str| {
        items.iter().find(|media| media["filename"] == name).cloned().unwrap_or_else(|| panic!("{name} in {items:?}"))
    };
    let phone = by_name(&main, "IMG_4000.jpg");
    assert_eq!(phone["status"], "ready", "{phone}");
    assert!(taken(&phone).starts_with("2026-01-07T14:20:14"), "EXIF wins: {phone}");
    let starred = by_name(&main, "IMG_0100.jpg");
    assert!(taken(&starred).starts_with("2016-04-07T03:33:20"), "{starred}");
    assert_eq!(starred["location"], serde_json::json!({"latitude": tower.0, "longitude": tower.1}));
    assert_eq!((starred["liked"].clone(), starred["like_count"].clone()), (Value::Bool(true), Value::from(1)));
    assert_eq!(phone["like_count"], 0, "only the starred one");
    for (name, kind) in [("IMG_0200.HEIC", "photo"), ("VID_0201.mp4", "video")] {
        let media = by_name(&main, name);
        assert_eq!((media["status"].as_str(), media["kind"].as_str()), (Some("ready"), Some(kind)), "{media}");
        assert!(taken(&media).starts_with("2018-03-0"), "no date of its own: the sidecar's; {media}");
    }
    assert_eq!(archived.len(), 1, "{archived:?}");
    assert_eq!(archived[0]["filename"], "IMG_0101.jpg");
    assert!(taken(&archived[0]).starts_with("2017-03-20T08:53:20"), "{}", archived[0]);
    assert_eq!(old.len(), 2, "{old:?}");
    for media in &old {
        assert!(taken(media).starts_with("2009-05-01T12:00:00"), "the file's date: {media}");
        assert_eq!(media["taken_at_known"], true, "{media}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_damaged_file_in_a_zip_fails_alone_with_its_reason() {
    let backends = Backends::fresh().await;
    let app = TestApp::spawn_on(&backends, &[]).await;
    let admin = app.admin().await;
    let fixture = tempfile::tempdir().expect("temp dir");
    let path = fixture.path().join("takeout-20260101T000000Z-001.zip");
    let (good, damaged) = (jpeg(30), jpeg(31));
    {
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).expect("zip file"));
        let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        for (name, bytes) in [("IMG_0300.jpg", &good), ("IMG_0301.jpg", &damaged)] {
            zip.start_file(format!("Takeout/Google Photos/Photos from 2019/{name}"), stored).expect("a member");
            zip.write_all(bytes).expect("member bytes");
        }
        zip.finish().expect("zip written");
    }
    // A bit flipped on the disk, in the middle of the second photo: its CRC no longer matches.
    let mut bytes = std::fs::read(&path).expect("the zip");
    let at = bytes.windows(damaged.len()).position(|window| window == damaged.as_slice()).expect("member data");
    bytes[at + damaged.len() / 2] ^= 0x10;
    std::fs::write(&path, bytes).expect("damaged zip");
    let report = fixture.path().join("report.txt");

    let zip = path.display().to_string();
    let said =
        import(&backends, &["--user", "admin@family.test", "--report", &report.display().to_string(), &zip]).await;
    assert!(!said.status.success(), "a failed file is a failed import: {}", text(&said));
    assert!(text(&said).contains("1 files were not imported"), "{}", text(&said));
    let written = std::fs::read_to_string(&report).expect("report");
    let line = written.lines().find(|line| line.contains("IMG_0301.jpg")).unwrap_or_else(|| panic!("{written}"));
    assert!(line.contains("cannot be read"), "the reason: {line}");

    relay(&app).await;
    let albums = albums(&app, &admin).await;
    let imported = app.settle(&admin, album_named(&albums, "Google Photos")).await;
    let names: Vec<&Value> = imported.iter().map(|media| &media["filename"]).collect();
    assert_eq!(names, ["IMG_0300.jpg"], "the rest is imported");
    app.stop().await;
}

/// A photo of noise, about 100 KB: big enough that a kill lands while photos are being sent.
fn noisy_jpeg(seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let image = image::RgbImage::from_fn(200, 200, |_, _| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let [r, g, b, ..] = state.to_le_bytes();
        image::Rgb([r, g, b])
    });
    let mut bytes = std::io::Cursor::new(Vec::new());
    image.write_to(&mut bytes, image::ImageFormat::Jpeg).expect("encode a JPEG");
    bytes.into_inner()
}

/// Starts an import and SIGKILLs it `after` once it has begun sending. Whether it had finished.
async fn import_killed(backends: &Backends, args: &[&str], after: Duration) -> bool {
    use std::io::BufRead;
    let vars = backends.vars();
    let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
    let dir = backends.data_dir.path().to_owned();
    tokio::task::spawn_blocking(move || {
        let mut child = std::process::Command::new(binary("picup-api"))
            .arg("import")
            .args(&args)
            .envs(&vars)
            .env("RUST_LOG", "warn")
            .current_dir(dir)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("picup-api import starts");
        let stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
        let mut lines = stdout.lines();
        let sending = lines.by_ref().map_while(Result::ok).any(|line| line.starts_with("importing "));
        // Keep reading, so the import never waits on a full pipe before the kill.
        let drain = std::thread::spawn(move || lines.for_each(drop));
        if sending {
            std::thread::sleep(after);
        }
        let finished = child.try_wait().expect("status").is_some();
        child.kill().expect("SIGKILL");
        child.wait().expect("killed");
        drain.join().expect("drained");
        finished
    })
    .await
    .expect("import killed")
}

/// Stopped at random points with SIGKILL (what a closed laptop lid, an out-of-memory kill or a
/// pulled plug does) and run again until it finishes: every photo once, the quota exact, no
/// reservation and no object left over.
#[tokio::test]
async fn an_import_killed_at_random_points_and_run_again_ends_exact() {
    const PHOTOS: u64 = 60;
    let backends = Backends::fresh().await;
    let app = TestApp::spawn_on(&backends, &[]).await;
    let admin = app.admin().await;
    let fixture = tempfile::tempdir().expect("temp dir");
    let trip = fixture.path().join("Trip to Jeju");
    std::fs::create_dir_all(&trip).expect("folder");
    for n in 0..PHOTOS {
        std::fs::write(trip.join(format!("IMG_{n:04}.jpg")), noisy_jpeg(n)).expect("a photo");
    }
    let folder = trip.display().to_string();
    let report = fixture.path().join("report.txt");
    let report_arg = report.display().to_string();
    let args = ["--user", "admin@family.test", "--jobs", "2", "--report", &report_arg, &folder];

    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("time").subsec_nanos();
    let mut kill_after = Vec::new();
    for round in 0..3u32 {
        let after = Duration::from_millis(u64::from(seed.rotate_left(round * 11) % 400));
        let finished = import_killed(&backends, &args, after).await;
        kill_after.push((after, finished));
    }
    let last = import(&backends, &args).await;
    let written = std::fs::read_to_string(&report).unwrap_or_default();
    assert!(last.status.success(), "seed {seed}: {}\n{written}", text(&last));
    eprintln!("killed after {kill_after:?} (seed {seed})");
    assert!(kill_after.iter().any(|(_, finished)| !finished), "a kill stopped an import halfway (seed {seed})");

    relay(&app).await;
    let albums = albums(&app, &admin).await;
    assert_eq!(albums.len(), 1, "one album, made once: {albums:?}");
    let items = app.settle(&admin, &albums[0].1).await;
    let mut names: Vec<&str> = items.iter().map(|media| media["filename"].as_str().expect("name")).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!((items.len(), names.len()), (PHOTOS as usize, PHOTOS as usize), "every photo once (seed {seed})");
    assert!(items.iter().all(|media| media["status"] == "ready"), "seed {seed}");

    // The quota exact: nothing reserved, what is used is what is stored, the counters match the rows.
    let me = app.me(&admin).await;
    assert_eq!(me["reserved_bytes"], 0, "seed {seed}: {me}");
    assert_eq!(me["used_bytes"].as_i64(), Some(app.stored_bytes(&items).await), "seed {seed}");
    assert_eq!(picup_worker::jobs::Job::ReconcileQuota.run(&app.services).await.expect("audit"), 0, "seed {seed}");
    // No object left over: the store's originals are exactly the photos'.
    let (stored, _) = app.services.storage.list_page("originals/", None).await.expect("listing");
    let mut stored: Vec<String> = stored.into_iter().map(|object| object.key).collect();
    let mut named: Vec<String> = app
        .services
        .db
        .referenced_object_keys()
        .await
        .expect("keys")
        .into_iter()
        .filter(|key| key.starts_with("originals/"))
        .collect();
    stored.sort_unstable();
    named.sort_unstable();
    assert_eq!(stored, named, "seed {seed}");
    assert_eq!(stored.len(), PHOTOS as usize, "seed {seed}");
    app.stop().await;
}
