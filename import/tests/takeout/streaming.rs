//! A member is streamed from inside its zip in small reads, whatever its size.

use std::io::Read;

use picup_import::{ScanOptions, scan};

use crate::fixture::{Takeout, jpeg};

#[test]
fn a_large_member_streams_in_small_reads() {
    // 24 MiB of a video-like pattern: deflated by the zip, inflated as it is read.
    let large: Vec<u8> = (0..24u32 << 20).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 & 0x0f).collect();
    let mut t = Takeout::default();
    t.add("Photos from 2020/VID_LONG.mp4", large.clone());
    t.add("Photos from 2020/IMG_0400.jpg", jpeg(400));
    let dir = tempfile::tempdir().expect("a temporary folder");
    let plan = scan(&t.zip(dir.path(), 1, |_| 1), &ScanOptions::default()).expect("a plan");
    let video = plan.items.iter().find(|item| item.filename == "VID_LONG.mp4").expect("the video");
    assert_eq!(video.size, large.len() as u64);

    let mut reader = video.open().expect("it opens");
    let mut chunk = [0u8; 16 * 1024];
    let mut at = 0usize;
    loop {
        let n = reader.read(&mut chunk).expect("it reads");
        if n == 0 {
            break;
        }
        assert_eq!(chunk[..n], large[at..at + n], "the bytes at {at}");
        at += n;
    }
    assert_eq!(at, large.len());
}
