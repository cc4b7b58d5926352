//! Any bytes uploaded as a video give a poster or a refusal a person can read: FFmpeg's demuxers
//! and decoders (MP4/MOV, WebM, AVI, 3GP; H.264, HEVC, VP9, MJPEG, MPEG-4, H.263, QuickTime
//! Animation) and picup's frame conversion. In production this runs in the sandboxed decode
//! child; here it runs in the fuzzer's process, under AddressSanitizer, so what would only kill a
//! child is found and kept. The pixel limit is small so the fuzzer spends its time on parsing.
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // FFmpeg reads from a path; one file per fuzzing process, rewritten for each input.
    let path = std::env::temp_dir().join(format!("picup-fuzz-video-{}", std::process::id()));
    let written = std::fs::File::create(&path).and_then(|mut file| file.write_all(data));
    if written.is_err() {
        return;
    }
    if let Ok(video) = picup_media::video::poster(&path, 1) {
        assert!(video.width > 0 && video.height > 0);
        assert!(!video.derivatives.thumbnail_webp.is_empty() && !video.derivatives.preview_jpeg.is_empty());
    }
});
