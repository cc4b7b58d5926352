//! One Takeout with every quirk Google has, planned unpacked and zipped across two zips.

use std::collections::BTreeMap;
use std::io::Read;

use picup_import::{Gps, Item, Location, MediaKind, Plan, ScanOptions, SkipReason, scan};

use crate::fixture::{Meta, PHOTOS, Takeout, album_json, cut46, heic, jpeg, mp4};

const PARIS: (f64, f64) = (48.8583736, 2.291901);
const LAKE: (f64, f64) = (47.5596, 7.5886);

const LONG_CUT: &str = "PXL_20230809_203449253.LONG_EXPOSURE-02.ORIGINA.jpg";
const LONG_TITLE: &str = "PXL_20230809_203449253.LONG_EXPOSURE-02.ORIGINAL.jpg";
const SCREENSHOT: &str = "Screenshot_20230704-181512_Messages.jpg";
const SCREENSHOT_1: &str = "Screenshot_20230704-181512_Messages(1).jpg";
const PORTRAIT: &str = "PXL_20231014_101010101.PORTRAIT.NIGHT.COVER.jpg";

/// The Takeout: file names as Google writes them, each quirk once.
fn takeout() -> Takeout {
    let mut t = Takeout::default();
    let year = "Photos from 2023";
    // In the year folder and in an album, each copy with its sidecar: one item, in the album.
    t.add(&format!("{year}/IMG_0001.jpg"), jpeg(1));
    t.add(&format!("{year}/IMG_0001.jpg.json"), Meta::new("IMG_0001.jpg", 1_690_000_001).at(PARIS.0, PARIS.1).json());
    t.add("Holidays/IMG_0001.jpg", jpeg(1));
    t.add("Holidays/IMG_0001.jpg.json", Meta::new("IMG_0001.jpg", 1_690_000_001).at(PARIS.0, PARIS.1).json());
    // A newer Takeout's sidecar name; 0,0 is no place.
    t.add(&format!("{year}/IMG_0002.jpg"), jpeg(2));
    t.add(&format!("{year}/IMG_0002.jpg.supplemental-metadata.json"), Meta::new("IMG_0002.jpg", 1_690_000_002).json());
    // Two different photos of one name: the (1) moves to the end of the sidecar's name.
    t.add(&format!("{year}/IMG_0003.jpg"), jpeg(3));
    t.add(&format!("{year}/IMG_0003.jpg.json"), Meta::new("IMG_0003.jpg", 1_690_000_003).json());
    t.add(&format!("{year}/IMG_0003(1).jpg"), jpeg(33));
    t.add(&format!("{year}/IMG_0003.jpg(1).json"), Meta::new("IMG_0003.jpg", 1_690_000_033).json());
    // A long name, cut to 51 characters, and its sidecar cut to 51 with `.json`.
    t.add(&format!("{year}/{LONG_CUT}"), jpeg(4));
    t.add(&format!("{year}/{}.json", cut46(LONG_CUT)), Meta::new(LONG_TITLE, 1_690_000_004).at(LAKE.0, LAKE.1).json());
    // `.supplemental-metadata` cut short, with and without a duplicate number.
    t.add(&format!("{year}/{SCREENSHOT}"), jpeg(5));
    t.add(
        &format!("{year}/{}.json", cut46(&format!("{SCREENSHOT}.supplemental-metadata"))),
        Meta::new(SCREENSHOT, 1_690_000_005).json(),
    );
    t.add(&format!("{year}/{SCREENSHOT_1}"), jpeg(55));
    t.add(
        &format!("{year}/{}(1).json", cut46(&format!("{SCREENSHOT}.supplemental-metadata"))),
        Meta::new(SCREENSHOT, 1_690_000_055).json(),
    );
    // Cut inside the media name itself (no `.supplemental-metadata` left).
    t.add(&format!("{year}/{PORTRAIT}"), jpeg(56));
    t.add(
        &format!("{year}/{}.json", cut46(&format!("{PORTRAIT}.supplemental-metadata"))),
        Meta::new(PORTRAIT, 1_690_000_056).json(),
    );
    // An edited copy shares its original's sidecar and is kept beside it.
    t.add(&format!("{year}/IMG_0006.jpg"), jpeg(6));
    t.add(&format!("{year}/IMG_0006-edited.jpg"), jpeg(66));
    t.add(&format!("{year}/IMG_0006.jpg.json"), Meta::new("IMG_0006.jpg", 1_690_000_006).json());
    // Trashed: left out. Archived: imported, out of the main album.
    t.add(&format!("{year}/IMG_0008.jpg"), jpeg(8));
    t.add(&format!("{year}/IMG_0008.jpg.json"), Meta::new("IMG_0008.jpg", 1_690_000_008).trashed().json());
    t.add(&format!("{year}/IMG_0009.jpg"), jpeg(9));
    t.add(&format!("{year}/IMG_0009.jpg.json"), Meta::new("IMG_0009.jpg", 1_690_000_009).archived().json());
    // No sidecar at all.
    t.add(&format!("{year}/IMG_0010.jpg"), jpeg(10));
    // A live photo: the video shares the photo's sidecar.
    t.add(&format!("{year}/IMG_0011.HEIC"), heic(11));
    t.add(&format!("{year}/IMG_0011.MP4"), mp4(11));
    t.add(
        &format!("{year}/IMG_0011.HEIC.supplemental-metadata.json"),
        Meta::new("IMG_0011.HEIC", 1_690_000_011).json(),
    );
    // In the year folder and in two albums.
    for folder in [year, "Holidays", "Best of"] {
        t.add(&format!("{folder}/IMG_0012.jpg"), jpeg(12));
        t.add(&format!("{folder}/IMG_0012.jpg.json"), Meta::new("IMG_0012.jpg", 1_690_000_012).json());
    }
    // A video.
    t.add(&format!("{year}/VID_0013.mp4"), mp4(13));
    t.add(&format!("{year}/VID_0013.mp4.json"), Meta::new("VID_0013.mp4", 1_690_000_013).json());
    // Not a photo.
    t.add(&format!("{year}/notes.txt"), "a note");
    // Albums: titles from their metadata (named in the account's language), or the folder's name.
    t.add("Holidays/metadata.json", album_json("Holidays in Brittany"));
    t.add("Holidays/shared_album_comments.json", "[]");
    t.add("Best of/métadonnées.json", album_json("Best of 2023"));
    // A German album with a localized edited copy and a supplemental sidecar.
    t.add("Urlaub/Metadaten.json", album_json("Urlaub am See"));
    t.add("Urlaub/DSC_0007.JPG", jpeg(7));
    t.add("Urlaub/DSC_0007-bearbeitet.JPG", jpeg(77));
    t.add(
        "Urlaub/DSC_0007.JPG.supplemental-metadata.json",
        Meta::new("DSC_0007.JPG", 1_690_000_007).at(LAKE.0, LAKE.1).json(),
    );
    // An untitled album: no metadata.
    t.add("Untitled(1)/IMG_0014.jpg", jpeg(14));
    // Takeout's own files.
    t.add("print-subscriptions.json", "{\"subscriptions\": []}");
    t.add("user-generated-memory-titles.json", "{\"title\": []}");
    t.add_raw("Takeout/archive_browser.html", "<html></html>");
    t
}

/// The member's name of a location, or the file's name.
fn file_name(location: &Location) -> String {
    match location {
        Location::File(path) | Location::Zip(path) => {
            path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default()
        }
        Location::ZipMember { name, .. } => name.rsplit('/').next().unwrap_or_default().to_owned(),
    }
}

fn folder_of(location: &Location) -> String {
    match location {
        Location::File(path) | Location::Zip(path) => path
            .parent()
            .and_then(|parent| parent.file_name())
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default(),
        Location::ZipMember { name, .. } => name.rsplit('/').nth(1).unwrap_or_default().to_owned(),
    }
}

fn item<'a>(plan: &'a Plan, name: &str) -> &'a Item {
    let found: Vec<&Item> = plan.items.iter().filter(|item| file_name(&item.location) == name).collect();
    assert_eq!(found.len(), 1, "{name} is planned once: {found:#?}");
    found[0]
}

fn read(item: &Item) -> Vec<u8> {
    let mut bytes = Vec::new();
    item.open().expect("it opens").read_to_end(&mut bytes).expect("it reads");
    bytes
}

fn check(plan: &Plan) {
    // Every media file once.
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    for item in &plan.items {
        *names.entry(file_name(&item.location)).or_default() += 1;
    }
    let expected = [
        "DSC_0007-bearbeitet.JPG",
        "DSC_0007.JPG",
        "IMG_0001.jpg",
        "IMG_0002.jpg",
        "IMG_0003(1).jpg",
        "IMG_0003.jpg",
        "IMG_0006-edited.jpg",
        "IMG_0006.jpg",
        "IMG_0009.jpg",
        "IMG_0010.jpg",
        "IMG_0011.HEIC",
        "IMG_0011.MP4",
        "IMG_0012.jpg",
        "IMG_0014.jpg",
        LONG_CUT,
        PORTRAIT,
        SCREENSHOT_1,
        SCREENSHOT,
        "VID_0013.mp4",
    ];
    let mut expected: Vec<&str> = expected.to_vec();
    expected.sort_unstable();
    assert_eq!(names.keys().map(String::as_str).collect::<Vec<_>>(), expected);
    assert!(names.values().all(|count| *count == 1), "{names:?}");

    // The albums: from metadata titles, the untitled one by its folder, the rest in "Google Photos".
    let titles: Vec<&str> = plan.albums.iter().map(|album| album.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Best of 2023",
            "Google Photos",
            "Google Photos (archived)",
            "Holidays in Brittany",
            "Untitled(1)",
            "Urlaub am See"
        ]
    );

    // In the year folder and an album: in the album only.
    let one = item(plan, "IMG_0001.jpg");
    assert_eq!(one.albums, ["Holidays in Brittany"]);
    assert_eq!(one.also_at.len(), 1);
    assert_eq!(one.taken_at, Some(1_690_000_001));
    assert_eq!(one.gps, Some(Gps { latitude: PARIS.0, longitude: PARIS.1 }));
    assert_eq!(one.kind, MediaKind::Photo);
    assert_eq!(one.content_type(), "image/jpeg");
    assert_eq!(read(one), crate::fixture::jpeg(1));
    // In two albums (and the year folder): one item in both.
    let twelve = item(plan, "IMG_0012.jpg");
    assert_eq!(twelve.albums, ["Best of 2023", "Holidays in Brittany"]);
    assert_eq!(twelve.also_at.len(), 2);
    assert_eq!(twelve.taken_at, Some(1_690_000_012));
    // Only in the year folder: "Google Photos"; 0,0 is no place.
    let two = item(plan, "IMG_0002.jpg");
    assert_eq!(two.albums, ["Google Photos"]);
    assert_eq!(two.taken_at, Some(1_690_000_002));
    assert_eq!(two.gps, None);
    assert!(file_name(two.sidecar.as_ref().expect("a sidecar")).ends_with(".supplemental-metadata.json"));
    // Duplicate names: each its own sidecar, uploaded with the original name.
    let three = item(plan, "IMG_0003.jpg");
    let three_again = item(plan, "IMG_0003(1).jpg");
    assert_eq!((three.taken_at, three_again.taken_at), (Some(1_690_000_003), Some(1_690_000_033)));
    assert_eq!(file_name(three_again.sidecar.as_ref().expect("a sidecar")), "IMG_0003.jpg(1).json");
    assert_eq!(three_again.filename, "IMG_0003.jpg");
    // Cut names: found, and uploaded with the whole name from the sidecar.
    let long = item(plan, LONG_CUT);
    assert_eq!(long.taken_at, Some(1_690_000_004));
    assert_eq!(long.filename, LONG_TITLE);
    assert_eq!(long.gps, Some(Gps { latitude: LAKE.0, longitude: LAKE.1 }));
    assert_eq!(item(plan, SCREENSHOT).taken_at, Some(1_690_000_005));
    assert_eq!(
        file_name(item(plan, SCREENSHOT).sidecar.as_ref().expect("a sidecar")),
        "Screenshot_20230704-181512_Messages.jpg.supple.json"
    );
    assert_eq!(item(plan, SCREENSHOT_1).taken_at, Some(1_690_000_055));
    assert_eq!(item(plan, PORTRAIT).taken_at, Some(1_690_000_056));
    // Edited copies: their original's sidecar, flagged, beside the original (same albums).
    let six = item(plan, "IMG_0006.jpg");
    let six_edited = item(plan, "IMG_0006-edited.jpg");
    assert!(!six.edited && six_edited.edited);
    assert_eq!(six_edited.taken_at, Some(1_690_000_006));
    assert_eq!(six_edited.filename, "IMG_0006-edited.jpg");
    assert_eq!(six_edited.albums, six.albums);
    let seven = item(plan, "DSC_0007-bearbeitet.JPG");
    assert!(seven.edited);
    assert_eq!(seven.taken_at, Some(1_690_000_007));
    assert_eq!(seven.albums, ["Urlaub am See"]);
    assert_eq!(item(plan, "DSC_0007.JPG").gps, Some(Gps { latitude: LAKE.0, longitude: LAKE.1 }));
    // Archived: imported, flagged.
    let archived = item(plan, "IMG_0009.jpg");
    assert!(archived.archived);
    assert_eq!(archived.albums, ["Google Photos (archived)"], "out of the main album, as in Google Photos");
    assert!(!item(plan, "IMG_0010.jpg").archived);
    // No sidecar: no taken time, no place, its own name.
    let ten = item(plan, "IMG_0010.jpg");
    assert_eq!((ten.taken_at, ten.gps, &ten.sidecar), (None, None, &None));
    assert_eq!(ten.albums, ["Google Photos"]);
    // Live photo: the video has the photo's time.
    let live = item(plan, "IMG_0011.MP4");
    assert_eq!(live.kind, MediaKind::Video);
    assert_eq!(live.taken_at, Some(1_690_000_011));
    assert_eq!(read(live), crate::fixture::mp4(11));
    assert_eq!(item(plan, "VID_0013.mp4").taken_at, Some(1_690_000_013));
    assert_eq!(item(plan, "VID_0013.mp4").content_type(), "video/mp4");
    // The untitled album.
    assert_eq!(item(plan, "IMG_0014.jpg").albums, ["Untitled(1)"]);

    // Left out: the trashed photo and the note, nothing else (Takeout's own files are not listed).
    let skipped: Vec<(String, &SkipReason)> =
        plan.skipped.iter().map(|skipped| (file_name(&skipped.location), &skipped.reason)).collect();
    assert_eq!(
        skipped,
        [("IMG_0008.jpg".to_owned(), &SkipReason::Trashed), ("notes.txt".to_owned(), &SkipReason::NotMedia)]
    );
    assert_eq!(plan.total_bytes(), plan.items.iter().map(|item| read(item).len() as u64).sum::<u64>());
    assert_eq!(plan.items_in("Holidays in Brittany").count(), 2);
}

#[test]
fn an_unpacked_takeout() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let root = takeout().unpack(dir.path());
    let plan = scan(&[&root], &ScanOptions::default()).expect("a plan");
    check(&plan);
    assert!(plan.items.iter().all(|item| matches!(item.location, Location::File(_))));
    // Given the Google Photos folder itself, the same plan.
    let plan = scan(&[root.join(PHOTOS)], &ScanOptions::default()).expect("a plan");
    check(&plan);
}

/// Split across two zips so that sidecars of the year folder and the "Holidays" album are in
/// the other zip than their photos.
#[test]
fn a_takeout_in_two_zips() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let zips = takeout().zip(dir.path(), 2, |name| {
        let json = name.ends_with(".json");
        let in_year_or_holidays = name.contains("/Photos from 2023/") || name.contains("/Holidays/");
        if json == in_year_or_holidays { 2 } else { 1 }
    });
    let plan = scan(&zips, &ScanOptions::default()).expect("a plan");
    check(&plan);
    assert!(plan.items.iter().all(|item| matches!(item.location, Location::ZipMember { .. })));
    let one = item(&plan, "IMG_0001.jpg");
    let (Location::ZipMember { zip: photo_zip, .. }, Some(Location::ZipMember { zip: sidecar_zip, .. })) =
        (&one.location, &one.sidecar)
    else {
        panic!("in zips: {one:?}")
    };
    assert_ne!(photo_zip, sidecar_zip, "the sidecar is found in the other zip");
    // A folder holding the zips is the same Takeout.
    let plan = scan(&[dir.path()], &ScanOptions::default()).expect("a plan");
    check(&plan);
}

#[test]
fn album_option_names_the_catch_all_album() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let root = takeout().unpack(dir.path());
    let options = ScanOptions { album: Some("From Google".to_owned()) };
    let plan = scan(&[&root], &options).expect("a plan");
    assert_eq!(item(&plan, "IMG_0010.jpg").albums, ["From Google"]);
    assert_eq!(item(&plan, "IMG_0001.jpg").albums, ["Holidays in Brittany"]);
    assert!(plan.albums.iter().all(|album| album.title != "Google Photos"));
    assert_eq!(folder_of(&item(&plan, "IMG_0010.jpg").location), "Photos from 2023");
}
