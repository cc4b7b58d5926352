//! `picup-api import` (#18), run as a family's operator runs it: the real binary, beside the
//! running album, on its database and store, with a Takeout zip written here as Google writes
//! them. What it did is read back through the api, as the person sees it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;
use zip::write::SimpleFileOptions;

use crate::helpers::{Backends, TestApp, User, on_redis};
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
/// every 30 s; run it now, as its next tick would.
async fn relay(app: &TestApp) {
    if !on_redis() {
        picup_worker::jobs::relay_outbox(&app.services).await.expect("outbox relayed");
    }
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
