//! The thumbnailer on real photos and videos (`../shared/corpus`) and on inputs made here.
//!
//! When the corpus is missing the corpus tests pass without it, unless `PICUP_REQUIRE_CORPUS=1`
//! (CI sets it), which turns its absence into a failure.

mod corpus;
mod inputs;
mod live;
mod playable;
mod sandboxed;

use std::path::{Path, PathBuf};

use picup_common::config::Config;
use picup_thumbnailer::decode::Decoder;

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
    // libtest shows the test as passed; this line says it checked nothing.
    eprintln!("corpus missing ({}): this test checks nothing here", dir.display());
    None
}

pub fn decode(bytes: &[u8]) -> image::RgbImage {
    image::load_from_memory(bytes).expect("a derivative decodes").into_rgb8()
}

/// The decoder as the thumbnailer runs it: `picup-thumbnailer decode` in a sandboxed child, with
/// this much memory.
pub fn decoder(memory_bytes: u64) -> Decoder {
    let program = env!("CARGO_BIN_EXE_picup-thumbnailer").to_owned();
    let memory = memory_bytes.to_string();
    let config = Config::from_lookup(|name| match name {
        "PICUP_DECODER" => Some(program.clone()),
        "PICUP_DECODE_MAX_MEMORY_BYTES" => Some(memory.clone()),
        _ => None,
    });
    Decoder::new(&config.expect("test configuration").thumbnailer)
}
