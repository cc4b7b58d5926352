//! Any bytes uploaded as a photo give derivatives or a refusal a person can read; never a panic,
//! a hang or a crash. The pixel limit is small so the fuzzer spends its time on parsing.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(photo) = picup_thumbnailer::photo::process(data, 4) {
        assert!(photo.width > 0 && photo.height > 0);
        assert!(!photo.derivatives.thumbnail_webp.is_empty() && !photo.derivatives.preview_jpeg.is_empty());
    }
});
