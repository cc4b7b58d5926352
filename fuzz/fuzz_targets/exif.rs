//! EXIF as phones and cameras write it, and as they do not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use picup_media::metadata;

fuzz_target!(|data: &[u8]| {
    if let Some(exif) = metadata::exif_from_container(data) {
        let _ = metadata::orientation(&exif);
        let _ = metadata::read(&exif);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = metadata::parse_exif_time(text);
    }
});
