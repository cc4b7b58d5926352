//! The decoder in its sandboxed child, as the thumbnailer runs it: the same answers as in
//! process, and a child that dies, starves or hangs is an answer for one item, never an outage.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use image::ImageEncoder;
use picup_thumbnailer::decode::{Decoder, Failure, PREVIEW_FILE, Report, THUMBNAIL_FILE, Task};
use picup_thumbnailer::photo;
use picup_thumbnailer::raster::{self, Rgb};

use crate::{decode, decoder};

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime").block_on(future)
}

fn gradient(width: u32, height: u32) -> Rgb {
    let pixels = (0..width * height)
        .flat_map(|i| [(i % width * 255 / width) as u8, (i / width * 255 / height) as u8, 60])
        .collect();
    Rgb { width, height, pixels }
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write the input");
    path
}

/// A stand-in for the decode program, for what no real file makes happen on demand.
fn script_decoder(dir: &Path, body: &str) -> Decoder {
    let path = dir.join("decoder.sh");
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700)).expect("executable");
    let program = path.display().to_string();
    let config = picup_common::config::Config::from_lookup(|name| (name == "PICUP_DECODER").then(|| program.clone()));
    Decoder::new(&config.expect("config").thumbnailer)
}

#[test]
fn a_photo_decoded_in_the_child_is_the_photo_decoded_in_process() {
    let dir = tempfile::tempdir().expect("temp dir");
    let jpeg = raster::encode_jpeg(&gradient(3000, 2000)).expect("encode");
    let input = write(dir.path(), "original", &jpeg);
    let out = tempfile::tempdir().expect("output dir");

    let report = block_on(decoder(2 << 30).decode(Task::Photo, &input, out.path())).expect("decoded");
    let Report::Photo(photo) = report else { panic!("a photo report, got {report:?}") };
    assert_eq!((photo.width, photo.height), (3000, 2000));
    let thumbnail = std::fs::read(out.path().join(THUMBNAIL_FILE)).expect("the child wrote a thumbnail");
    let preview = std::fs::read(out.path().join(PREVIEW_FILE)).expect("the child wrote a preview");
    assert_eq!(decode(&thumbnail).dimensions(), (256, 171));
    assert_eq!(decode(&preview).dimensions(), (1440, 960));
    let in_process = photo::process(&jpeg, 100).expect("in process");
    assert_eq!(photo.thumbhash, in_process.derivatives.thumbhash, "the same pixels either way");
    assert_eq!(thumbnail, in_process.derivatives.thumbnail_webp);
}

#[test]
fn a_file_the_decoder_refuses_comes_back_with_its_reason() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = write(dir.path(), "original", b"\xFF\xD8\xFF\xE0 not really a JPEG");
    let out = tempfile::tempdir().expect("output dir");
    let err = block_on(decoder(2 << 30).decode(Task::Photo, &input, out.path())).expect_err("refused");
    assert!(matches!(err, Failure::Rejected(_)), "{err:?}");
    assert!(err.reason(Task::Photo).contains("damaged"), "{}", err.reason(Task::Photo));
}

#[test]
fn a_child_out_of_memory_is_a_file_too_large_to_process() {
    // A small file (one grey, well compressed) that is 24 MP decoded in full (PNG has no cheap
    // smaller decode): 72 MB of pixels, in 40 MiB.
    let dir = tempfile::tempdir().expect("temp dir");
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(&vec![128; 6000 * 4000 * 3], 6000, 4000, image::ExtendedColorType::Rgb8)
        .expect("encode a PNG");
    assert!(png.len() < 1 << 20, "the file itself is small: {} bytes", png.len());
    let input = write(dir.path(), "original", &png);
    let out = tempfile::tempdir().expect("output dir");

    let err = block_on(decoder(40 << 20).decode(Task::Photo, &input, out.path())).expect_err("starved");
    assert_eq!(err.reason(Task::Photo), "this file is too large to process", "{err:?}");
    let report = block_on(decoder(2 << 30).decode(Task::Photo, &input, out.path())).expect("with enough memory");
    assert!(matches!(report, Report::Photo(ref p) if p.width == 6000), "{report:?}");
}

#[test]
fn a_decoder_that_dies_by_a_signal_is_a_photo_that_could_not_be_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = write(dir.path(), "original", b"whatever");
    let decoder = script_decoder(dir.path(), "echo 'Assertion desc failed' >&2; kill -ABRT $$");
    let err = block_on(decoder.decode(Task::Video, &input, dir.path())).expect_err("a crash");
    assert!(matches!(err, Failure::Crashed(ref detail) if detail.contains("signal 6")), "{err:?}");
    assert_eq!(err.reason(Task::Video), "this video could not be read");
}

#[test]
fn a_decoder_that_hangs_is_killed_at_its_timeout() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = write(dir.path(), "original", b"whatever");
    let marker = dir.path().join("still-running");
    let body = format!("sleep 3; touch {}", marker.display());
    let decoder = script_decoder(dir.path(), &body).with_timeout(Duration::from_millis(500));
    let started = Instant::now();
    let err = block_on(decoder.decode(Task::Photo, &input, dir.path())).expect_err("timed out");
    assert!(matches!(err, Failure::TimedOut), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(2), "answered at the timeout: {:?}", started.elapsed());
    assert_eq!(err.reason(Task::Photo), "this file took too long to process");
    std::thread::sleep(Duration::from_secs(4));
    assert!(!marker.exists(), "the hung decoder was killed, not left running");
}

#[test]
fn a_warm_child_serves_many_items_and_is_replaced_after_its_share() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = write(dir.path(), "original", &raster::encode_jpeg(&gradient(64, 48)).expect("encode"));
    let decoder = decoder(2 << 30);
    let items = picup_thumbnailer::decode::MAX_ITEMS_PER_CHILD as usize + 8;
    block_on(async {
        for _ in 0..items {
            let out = tempfile::tempdir().expect("output dir");
            let report = decoder.decode(Task::Photo, &input, out.path()).await.expect("decoded");
            assert!(matches!(report, Report::Photo(ref p) if p.width == 64), "{report:?}");
            assert!(out.path().join(THUMBNAIL_FILE).is_file(), "each item gets its own derivatives");
        }
    });
    assert_eq!(
        decoder.children_started(),
        2,
        "{items} items, one child per {} items",
        picup_thumbnailer::decode::MAX_ITEMS_PER_CHILD
    );
}

#[test]
fn a_good_file_after_one_that_spoiled_a_warm_child_is_decoded_in_a_fresh_one() {
    // A child that answers its first item, then dies on the next: as one whose memory an earlier
    // file corrupted without crashing it.
    let dir = tempfile::tempdir().expect("temp dir");
    let input = write(dir.path(), "original", b"whatever");
    let answer = r#"{"photo":{"width":1,"height":1,"thumbhash":"x","taken_at":null,"camera_make":null,"camera_model":null,"latitude":null,"longitude":null}}"#;
    let decoder = script_decoder(dir.path(), &format!("read line; echo '{answer}'; read line; kill -SEGV $$"));
    block_on(async {
        let first = decoder.decode(Task::Photo, &input, dir.path()).await.expect("the first item");
        let second = decoder.decode(Task::Photo, &input, dir.path()).await.expect("the second, in a fresh child");
        assert_eq!(first, second);
    });
    assert_eq!(decoder.children_started(), 2);
}
