//! Any bytes uploaded as a photo give derivatives or a refusal a person can read, and a motion
//! video inside the file or none; never a panic, a hang or a crash. The pixel limit is small so the fuzzer spends its time on parsing.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // What the decode child reads besides the pixels: a motion photo's video, a Live Photo's id.
    if let Some(video) = picup_media::motion::embedded_video(data) {
        assert!(video.end <= data.len() && video.start < video.end);
    }
    let _ = picup_media::motion::apple_content_identifier(data);
    if let Ok(photo) = picup_media::photo::process(data, 4) {
        assert!(photo.width > 0 && photo.height > 0);
        assert!(!photo.derivatives.thumbnail_webp.is_empty() && !photo.derivatives.preview_jpeg.is_empty());
    }
});
