//! Browser-playable copies: ffmpeg makes an H.264 MP4 of a VP9 video, and a memory limit stops an
//! ffmpeg that would need more, with a reason instead of a dead machine.

use std::path::Path;
use std::process::Command;

use picup_thumbnailer::decode::PLAYABLE_FILE;
use picup_thumbnailer::video;

use crate::decoder;

/// Two seconds of 720p VP9 made by ffmpeg itself (no corpus needed).
fn vp9_clip(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("clip.webm");
    let made = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25", "-t", "2"])
        .args(["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "1M"])
        .arg(&path)
        .status()
        .expect("ffmpeg runs");
    assert!(made.success(), "ffmpeg made the VP9 clip");
    path
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime").block_on(future)
}

#[test]
fn a_vp9_video_gets_an_h264_copy_and_a_memory_starved_ffmpeg_fails_cleanly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let clip = vp9_clip(dir.path());

    let out = tempfile::tempdir().expect("output dir");
    block_on(decoder(2 << 30).make_playable(&clip, out.path(), false)).expect("a playable copy");
    let made = video::poster(&out.path().join(PLAYABLE_FILE), 100).expect("the copy is a video");
    assert!(made.browser_playable && made.is_h264, "H.264 in MP4");
    assert_eq!((made.width, made.height), (1280, 720));

    let starved = tempfile::tempdir().expect("output dir");
    let err = block_on(decoder(8 << 20).make_playable(&clip, starved.path(), false)).expect_err("8 MiB is too little");
    assert!(matches!(err.cause(), "rejected" | "out_of_memory"), "{err:#}");
}
