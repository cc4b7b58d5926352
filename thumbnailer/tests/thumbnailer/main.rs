//! The thumbnailer on real photos and videos (`../shared/corpus`) and on inputs made here.
//!
//! When the corpus is missing the corpus tests pass without it, unless `PICUP_REQUIRE_CORPUS=1`
//! (CI sets it), which turns its absence into a failure.

mod corpus;
mod inputs;
mod playable;

use std::path::{Path, PathBuf};

pub fn corpus_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    if dir.join("README.md").is_file() {
        return Some(dir);
    }
    assert!(
        std::env::var("PICUP_REQUIRE_CORPUS").is_err(),
        "PICUP_REQUIRE_CORPUS is set but {} is missing",
        dir.display()
    );
    None
}

pub fn decode(bytes: &[u8]) -> image::RgbImage {
    image::load_from_memory(bytes).expect("a derivative decodes").into_rgb8()
}
