//! A plain folder: every photo and video in it (recursively), in one album.

use picup_import::{Location, ScanOptions, SkipReason, scan};

use crate::fixture::{jpeg, mp4};

fn folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let root = dir.path().join("Family 2009");
    std::fs::create_dir_all(root.join("Christmas/raw")).expect("folders");
    std::fs::write(root.join("a.jpg"), jpeg(1)).expect("a photo");
    std::fs::write(root.join("Christmas/B.JPEG"), jpeg(2)).expect("a photo");
    std::fs::write(root.join("Christmas/clip.MOV"), mp4(3)).expect("a video");
    std::fs::write(root.join("Christmas/raw/copy of a.jpg"), jpeg(4)).expect("a photo");
    std::fs::write(root.join("Christmas/letter.pdf"), "%PDF").expect("a document");
    std::fs::write(root.join(".DS_Store"), "junk").expect("junk");
    std::fs::write(root.join("Thumbs.db"), "junk").expect("junk");
    std::fs::write(root.join("a.jpg.json"), "{}").expect("a JSON");
    dir
}

#[test]
fn a_plain_folder_is_one_album_named_after_it() {
    let dir = folder();
    let root = dir.path().join("Family 2009");
    let plan = scan(&[&root], &ScanOptions::default()).expect("a plan");
    let mut names: Vec<&str> = plan.items.iter().map(|item| item.filename.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["B.JPEG", "a.jpg", "clip.MOV", "copy of a.jpg"]);
    assert!(plan.items.iter().all(|item| item.albums == ["Family 2009"] && item.taken_at.is_none()));
    assert_eq!(plan.albums.len(), 1);
    assert_eq!(plan.albums[0].title, "Family 2009");
    assert_eq!(plan.skipped.len(), 1, "{:#?}", plan.skipped);
    assert_eq!(plan.skipped[0].location, Location::File(root.join("Christmas/letter.pdf")));
    assert_eq!(plan.skipped[0].reason, SkipReason::NotMedia);

    let options = ScanOptions { album: Some("Old photos".to_owned()) };
    let plan = scan(&[&root], &options).expect("a plan");
    assert!(plan.items.iter().all(|item| item.albums == ["Old photos"]));
    assert_eq!(plan.albums.len(), 1);
}

#[test]
fn one_file() {
    let dir = folder();
    let path = dir.path().join("Family 2009/Christmas/clip.MOV");
    let plan = scan(&[&path], &ScanOptions::default()).expect("a plan");
    assert_eq!(plan.items.len(), 1);
    assert_eq!(plan.items[0].albums, ["Christmas"]);
    assert_eq!(plan.items[0].content_type(), "video/quicktime");
    let not_media = dir.path().join("Family 2009/Christmas/letter.pdf");
    assert!(scan(&[&not_media], &ScanOptions::default()).is_err());
}
