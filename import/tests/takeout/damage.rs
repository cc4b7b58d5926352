//! Damaged zips: a member whose bytes are wrong fails when it is read, with a reason; a sidecar
//! that cannot be read is reported and its photo planned without it; a zip that cannot be read at
//! all is reported and the other zips planned.

use std::io::{ErrorKind, Read};
use std::path::Path;

use picup_import::{Item, Location, ScanOptions, SkipReason, scan};

use crate::fixture::{Meta, Takeout, jpeg};

/// Flips bytes in the middle of a member's data.
fn damage(zip: &Path, member: &str) {
    let data_start = {
        let mut archive = zip::ZipArchive::new(std::fs::File::open(zip).expect("the zip")).expect("a zip");
        let file = archive.by_name(member).expect("the member");
        let start = file.data_start().expect("its data");
        start + file.compressed_size() / 2
    };
    let mut bytes = std::fs::read(zip).expect("the zip");
    let at = usize::try_from(data_start).expect("small");
    for byte in &mut bytes[at..at + 4] {
        *byte ^= 0xff;
    }
    std::fs::write(zip, bytes).expect("the damaged zip");
}

fn named<'a>(items: &'a [Item], name: &str) -> &'a Item {
    items
        .iter()
        .find(|item| matches!(&item.location, Location::ZipMember { name: member, .. } if member.ends_with(name)))
        .unwrap_or_else(|| panic!("{name} is planned"))
}

fn fixture() -> Takeout {
    let mut t = Takeout::default();
    t.add("Photos from 2022/good.jpg", jpeg(100));
    t.add("Photos from 2022/good.jpg.json", Meta::new("good.jpg", 1_650_000_000).json());
    t.add("Photos from 2022/broken.jpg", jpeg(200));
    t.add("Photos from 2022/broken.jpg.json", Meta::new("broken.jpg", 1_650_000_001).json());
    t.add("Photos from 2022/lost-sidecar.jpg", jpeg(300));
    t.add("Photos from 2022/lost-sidecar.jpg.json", Meta::new("lost-sidecar.jpg", 1_650_000_002).json());
    t
}

#[test]
fn a_damaged_member_fails_when_read_and_the_rest_is_planned() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let zips = fixture().zip(dir.path(), 1, |_| 1);
    damage(&zips[0], "Takeout/Google Photos/Photos from 2022/broken.jpg");
    damage(&zips[0], "Takeout/Google Photos/Photos from 2022/lost-sidecar.jpg.json");
    let plan = scan(&zips, &ScanOptions::default()).expect("a plan");

    assert_eq!(plan.items.len(), 3, "{:#?}", plan.items);
    let good = named(&plan.items, "/good.jpg");
    let mut bytes = Vec::new();
    good.open().expect("it opens").read_to_end(&mut bytes).expect("it reads");
    assert_eq!(bytes, jpeg(100));
    assert_eq!(good.taken_at, Some(1_650_000_000));

    // The damaged photo is planned (only its directory entry is read when scanning); reading it
    // fails with the reason, as the importer will report it.
    let broken = named(&plan.items, "/broken.jpg");
    assert_eq!(broken.taken_at, Some(1_650_000_001));
    let error = broken.open().expect("it opens").read_to_end(&mut Vec::new()).expect_err("damaged bytes");
    assert_eq!(error.kind(), ErrorKind::InvalidData);
    assert!(error.to_string().contains("damaged"), "{error}");

    // The damaged sidecar is reported; its photo is planned without it.
    let lost = named(&plan.items, "/lost-sidecar.jpg");
    assert_eq!((lost.taken_at, &lost.sidecar), (None, &None));
    assert_eq!(plan.skipped.len(), 1, "{:#?}", plan.skipped);
    let skipped = &plan.skipped[0];
    assert!(matches!(&skipped.location, Location::ZipMember { name, .. } if name.ends_with("lost-sidecar.jpg.json")));
    assert!(matches!(&skipped.reason, SkipReason::BadMetadata(why) if why.contains("damaged")), "{skipped}");
}

#[test]
fn a_stored_member_with_a_wrong_crc_fails() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("takeout-1.zip");
    {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).expect("a zip"));
        let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        zip.start_file("Takeout/Google Photos/Photos from 2021/a.jpg", stored).expect("a member");
        zip.write_all(&jpeg(1)).expect("its bytes");
        zip.finish().expect("a zip");
    }
    let plan = scan(&[&path], &ScanOptions::default()).expect("a plan");
    let mut bytes = Vec::new();
    plan.items[0].open().expect("it opens").read_to_end(&mut bytes).expect("intact, it reads");
    assert_eq!(bytes, jpeg(1));
    damage(&path, "Takeout/Google Photos/Photos from 2021/a.jpg");
    let error = plan.items[0].open().expect("it opens").read_to_end(&mut Vec::new()).expect_err("a wrong CRC");
    assert!(error.to_string().contains("CRC-32"), "{error}");
}

#[test]
fn an_unreadable_zip_is_reported_and_the_others_planned() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut zips = fixture().zip(dir.path(), 1, |_| 1);
    let garbage = dir.path().join("takeout-20231201T101010Z-002.zip");
    std::fs::write(&garbage, b"PK\x03\x04 but nothing a zip needs").expect("a file");
    let truncated = dir.path().join("takeout-20231201T101010Z-003.zip");
    let whole = std::fs::read(&zips[0]).expect("the zip");
    std::fs::write(&truncated, &whole[..whole.len() / 2]).expect("half a zip");
    zips.push(garbage.clone());
    zips.push(truncated.clone());

    let plan = scan(&zips, &ScanOptions::default()).expect("a plan");
    assert_eq!(plan.items.len(), 3);
    assert_eq!(plan.skipped.len(), 2, "{:#?}", plan.skipped);
    for (skipped, path) in plan.skipped.iter().zip([&garbage, &truncated]) {
        assert_eq!(skipped.location, Location::Zip(path.clone()));
        assert!(
            matches!(&skipped.reason, SkipReason::Unreadable(why) if why.starts_with("not a readable zip")),
            "{skipped}"
        );
    }
    // Found in a folder, the same.
    let plan = scan(&[dir.path()], &ScanOptions::default()).expect("a plan");
    assert_eq!((plan.items.len(), plan.skipped.len()), (3, 2));
}

#[test]
fn a_missing_path_is_an_error() {
    let error = scan(&[Path::new("/nonexistent/takeout.zip")], &ScanOptions::default()).expect_err("no such path");
    assert!(error.is_not_found());
}
