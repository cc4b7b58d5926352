//! Live Photos and Motion Photos from real phones (`../shared/corpus/live`), through the
//! sandboxed decoder as the thumbnailer runs it: the still and its movie name the same content
//! identifier; a motion photo says where its MP4 is; photos without motion say nothing.

use std::ops::Range;

use picup_thumbnailer::decode::{Report, Task};

use crate::{corpus_dir, decoder};

/// (content identifier, motion range) the decoder reports for one corpus file.
fn analyse(relative: &str, task: Task) -> (Option<String>, Option<Range<u64>>) {
    let corpus = corpus_dir().expect("checked by the caller");
    let output = tempfile::tempdir().expect("output folder");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let report = runtime
        .block_on(decoder(2 << 30).decode(task, &corpus.join(relative), output.path()))
        .unwrap_or_else(|failure| panic!("{relative}: {failure}"));
    match report {
        Report::Photo(photo) => (photo.content_identifier, photo.motion),
        Report::Video(video) => (video.content_identifier, None),
        Report::Rejected(reason) => panic!("{relative} was refused: {reason}"),
    }
}

const LIVE_PHOTO: &str = "602FEBB7-6B59-4799-96E6-9C8484D873C7";

/// An iPhone 15 HEIC with an HDR gain map: Debian 12's libheif refused the whole file until its
/// gain-map references were set aside (heif_refs).
#[test]
fn an_iphone_15_photo_with_a_gain_map_decodes_with_its_exif() {
    let Some(corpus) = corpus_dir() else { return };
    let output = tempfile::tempdir().expect("output folder");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let input = corpus.join("live/osxphotos/IMG_3582.HEIC");
    let report = runtime.block_on(decoder(2 << 30).decode(Task::Photo, &input, output.path())).expect("decoded");
    let Report::Photo(photo) = report else { panic!("{report:?}") };
    assert_eq!(photo.camera_model.as_deref(), Some("iPhone 15 Pro"), "{photo:?}");
    assert!(photo.taken_at.is_some(), "the date from its EXIF: {photo:?}");
    assert!(photo.width > 1000 && photo.height > 1000, "{photo:?}");
    let preview =
        crate::decode(&std::fs::read(output.path().join(picup_thumbnailer::decode::PREVIEW_FILE)).expect("preview"));
    let pixels = preview.as_raw();
    let mean = pixels.iter().map(|&p| f64::from(p)).sum::<f64>() / pixels.len() as f64;
    assert!((20.0..235.0).contains(&mean), "a picture, not a flat frame (mean {mean})");
}

#[test]
fn an_iphone_live_photo_and_its_movie_share_a_content_identifier() {
    if corpus_dir().is_none() {
        return;
    }
    assert_eq!(analyse("live/osxphotos/IMG_3582.HEIC", Task::Photo), (Some(LIVE_PHOTO.into()), None));
    assert_eq!(analyse("live/osxphotos/IMG_3582.mov", Task::Video), (Some(LIVE_PHOTO.into()), None));
    assert_eq!(analyse("live/osxphotos/IMG_0102.HEIC", Task::Photo), (None, None), "no identifier, no movie");
    assert_eq!(analyse("video/quicktime-hvc1.mov", Task::Video), (None, None), "an iPad movie, not a Live Photo");
}

#[test]
fn an_android_motion_photo_says_where_its_video_is() {
    if corpus_dir().is_none() {
        return;
    }
    // Samsung writes the video's length in the XMP, or 0 and an `mpvd` box.
    assert_eq!(analyse("heic/samsung-one-ui-6.heic", Task::Photo).1, Some(452_284..3_678_952));
    assert_eq!(analyse("live/ente/motionphoto.heic", Task::Photo).1, Some(1_455_411..3_649_069));
    for plain in ["live/ente/pixel_8.jpg", "live/ente/normalphoto.jpg", "live/photoprism/image-isom-avc1.jpg"] {
        assert_eq!(analyse(plain, Task::Photo), (None, None), "{plain} has no motion");
    }
}
