//! The folders of a Takeout that are not albums, a Takeout of several Google products, and parts
//! of a Takeout given alone.

use picup_import::{Location, ScanOptions, SkipReason, scan};

use crate::fixture::{Meta, Takeout, album_json, jpeg, mp4};

fn names(plan: &picup_import::Plan, album: &str) -> Vec<String> {
    let mut names: Vec<String> = plan.items_in(album).map(|item| item.filename.clone()).collect();
    names.sort_unstable();
    names
}

#[test]
fn trash_failed_videos_day_folders_and_other_products() {
    let mut t = Takeout::default();
    // Older Takeouts: a folder per day, not albums.
    t.add("2017-08-12/IMG_0100.jpg", jpeg(100));
    t.add("2017-08-12 #2/IMG_0101.jpg", jpeg(101));
    // The trash folder (sidecars without the flag) and the videos Google could not process.
    t.add("Trash/IMG_0102.jpg", jpeg(102));
    t.add("Failed Videos/VID_0103.mp4", mp4(103));
    // An album titled like a year folder is an album: its metadata says so.
    t.add("Photos from 1999/metadata.json", album_json("Photos from 1999"));
    t.add("Photos from 1999/IMG_0104.jpg", jpeg(104));
    // Another product of the same Takeout.
    t.add_raw("Takeout/Drive/Scans/IMG_0105.jpg", jpeg(105));
    t.add_raw("Takeout/Drive/Scans/letter.pdf", "%PDF");
    t.add_raw("Takeout/Mail/All mail.mbox", "From ");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let zips = t.zip(dir.path(), 1, |_| 1);
    let plan = scan(&zips, &ScanOptions::default()).expect("a plan");

    assert_eq!(names(&plan, "Google Photos"), ["IMG_0100.jpg", "IMG_0101.jpg"]);
    assert_eq!(names(&plan, "Photos from 1999"), ["IMG_0104.jpg"]);
    assert_eq!(plan.items.len(), 3);
    let skipped: Vec<(String, SkipReason)> = plan
        .skipped
        .iter()
        .map(|skipped| match &skipped.location {
            Location::ZipMember { name, .. } => (name.clone(), skipped.reason.clone()),
            other => panic!("in the zip: {other}"),
        })
        .collect();
    assert_eq!(
        skipped,
        [
            ("Takeout/Drive/Scans/IMG_0105.jpg".to_owned(), SkipReason::OtherProduct("Drive".to_owned())),
            ("Takeout/Drive/Scans/letter.pdf".to_owned(), SkipReason::OtherProduct("Drive".to_owned())),
            ("Takeout/Google Photos/Failed Videos/VID_0103.mp4".to_owned(), SkipReason::FailedVideo),
            ("Takeout/Google Photos/Trash/IMG_0102.jpg".to_owned(), SkipReason::Trashed),
            ("Takeout/Mail/All mail.mbox".to_owned(), SkipReason::OtherProduct("Mail".to_owned())),
        ]
    );
}

/// Google names its Photos folder in the account's language; one not in our list is still found
/// by what it holds.
#[test]
fn a_photos_folder_of_an_unknown_name() {
    let mut t = Takeout::default();
    t.add_raw("Takeout/Google Fotoğraflar/Photos from 2020/IMG_0200.jpg", jpeg(200));
    t.add_raw(
        "Takeout/Google Fotoğraflar/Photos from 2020/IMG_0200.jpg.json",
        Meta::new("IMG_0200.jpg", 1_600_000_000).json(),
    );
    t.add_raw("Takeout/Google Fotoğraflar/Tatil/meta veriler.json", album_json("Tatil 2020"));
    t.add_raw("Takeout/Google Fotoğraflar/Tatil/IMG_0201.jpg", jpeg(201));
    t.add_raw("Takeout/Google Fotoğraflar/Tatil/IMG_0201.jpg.json", Meta::new("IMG_0201.jpg", 1_600_000_001).json());
    let dir = tempfile::tempdir().expect("a temporary folder");
    let plan = scan(&t.zip(dir.path(), 1, |_| 1), &ScanOptions::default()).expect("a plan");
    assert_eq!(names(&plan, "Google Photos"), ["IMG_0200.jpg"]);
    assert_eq!(names(&plan, "Tatil 2020"), ["IMG_0201.jpg"]);
    assert_eq!(plan.items.iter().filter_map(|item| item.taken_at).count(), 2);
    assert!(plan.skipped.is_empty(), "{:#?}", plan.skipped);
}

/// An album folder, or a year folder, taken out of an unpacked Takeout and given alone.
#[test]
fn parts_of_a_takeout_given_alone() {
    let mut t = Takeout::default();
    t.add("Holidays/metadata.json", album_json("Holidays in Brittany"));
    t.add("Holidays/IMG_0300.jpg", jpeg(300));
    t.add("Holidays/IMG_0300.jpg.supplemental-metadata.json", Meta::new("IMG_0300.jpg", 1_600_000_300).json());
    t.add("Lake/IMG_0302.jpg", jpeg(302));
    t.add("Lake/IMG_0302.jpg.json", Meta::new("IMG_0302.jpg", 1_600_000_302).json());
    t.add("Photos from 2021/IMG_0301.jpg", jpeg(301));
    t.add("Photos from 2021/IMG_0301.jpg.json", Meta::new("IMG_0301.jpg", 1_600_000_301).json());
    let dir = tempfile::tempdir().expect("a temporary folder");
    let root = t.unpack(dir.path()).join(crate::fixture::PHOTOS);
    let plan =
        scan(&[root.join("Holidays"), root.join("Lake"), root.join("Photos from 2021")], &ScanOptions::default())
            .expect("a plan");
    assert_eq!(names(&plan, "Holidays in Brittany"), ["IMG_0300.jpg"]);
    assert_eq!(names(&plan, "Lake"), ["IMG_0302.jpg"]);
    assert_eq!(names(&plan, "Google Photos"), ["IMG_0301.jpg"]);
    assert!(plan.items.iter().all(|item| item.taken_at.is_some()));
}
