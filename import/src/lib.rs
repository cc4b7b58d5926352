//! The first layer of `picup-api import` (#18): what to import, with no database and no network.
//!
//! [`scan`] reads the paths it is given (Google Photos Takeout zips, unpacked Takeout folders, any
//! folder of photos and videos) and returns a [`Plan`]: each photo or video once, with where its
//! bytes are ([`Item::open`] streams them, from a file or from inside a zip), the name to upload it
//! with, the albums it goes in, and what Google's JSON sidecar says of it (taken time, place,
//! archived); the albums to make; and every file left out, with the reason.
//!
//! Zips are read in place: only their central directory (and the JSON sidecars) at scan time,
//! each member streamed when it is opened. Several zips of one Takeout (`takeout-…-001.zip`,
//! `-002.zip`, ...) are one Takeout: their folders are merged, so a sidecar is found in another
//! zip than its photo. Memory grows with the number of files, never with their size.

mod inputs;
mod media;
mod names;
mod plan;
mod sidecar;
mod zipped;

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

pub use media::{MediaKind, media_kind};

/// The album that takes a Takeout's photos that are in no album folder (only in the
/// "Photos from YYYY" folders), unless [`ScanOptions::album`] names another.
pub const DEFAULT_TAKEOUT_ALBUM: &str = "Google Photos";

/// Added to that album's title for the photos archived in Google Photos (hidden from its main
/// view) that are in no album folder: "Google Photos (archived)".
pub const ARCHIVED_SUFFIX: &str = " (archived)";

/// What the caller chose.
#[derive(Clone, Debug, Default)]
pub struct ScanOptions {
    /// `--album TITLE`: the album of a plain folder's files (instead of one named after the folder),
    /// and of a Takeout's files that are in no album folder (instead of "Google Photos").
    pub album: Option<String>,
}

/// What to import.
#[derive(Debug, Default)]
pub struct Plan {
    /// Each photo and video once, in the order of their folders and names.
    pub items: Vec<Item>,
    /// The albums to make, each title once, in alphabetical order.
    pub albums: Vec<Album>,
    /// The files left out, each with why, in the order of their paths.
    pub skipped: Vec<Skipped>,
}

impl Plan {
    /// The bytes to upload.
    pub fn total_bytes(&self) -> u64 {
        self.items.iter().map(|item| item.size).sum()
    }

    /// The items that go in the album of this title.
    pub fn items_in<'a>(&'a self, album: &'a str) -> impl Iterator<Item = &'a Item> + 'a {
        self.items.iter().filter(move |item| item.albums.iter().any(|title| title == album))
    }
}

/// An album to make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Album {
    /// From the album folder's `metadata.json` when it has one, else the folder's name.
    pub title: String,
    /// The album's description in Google Photos, when it has one.
    pub description: Option<String>,
}

/// A place on Earth, in degrees.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Gps {
    pub latitude: f64,
    pub longitude: f64,
}

/// Where a file is: a file on disk, a zip, or a member of a zip.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Location {
    File(PathBuf),
    Zip(PathBuf),
    ZipMember { zip: PathBuf, name: String },
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File(path) | Location::Zip(path) => write!(f, "{}", path.display()),
            Location::ZipMember { zip, name } => write!(f, "{} » {name}", zip.display()),
        }
    }
}

/// A photo or video to import.
#[derive(Clone, Debug)]
pub struct Item {
    /// Where its bytes are (its first copy when the Takeout has several: see `also_at`).
    pub location: Location,
    /// Its size in bytes, as the file system or the zip's directory says.
    pub size: u64,
    /// The name to upload it with: the original name from its sidecar's `title` when that has
    /// the same extension (Google cuts long names and numbers duplicates, `IMG(1).jpg`; the title
    /// keeps the name as it was uploaded), else its name in the Takeout or folder.
    pub filename: String,
    pub kind: MediaKind,
    /// The titles of the albums it goes in (each one of [`Plan::albums`]), never empty.
    pub albums: Vec<String>,
    /// When it was taken, in seconds since 1970 UTC: the sidecar's `photoTakenTime`. `None`
    /// without a sidecar (the uploader then reads the EXIF or uses the file's date). Which date
    /// wins is the importer's choice.
    pub taken_at: Option<i64>,
    /// When a file on disk was last changed, in seconds since 1970 UTC: the date of a photo with
    /// neither a sidecar nor EXIF (copies from a camera card keep it). `None` in a zip, whose
    /// times are when the export was made.
    pub modified_at: Option<i64>,
    /// The sidecar's `geoData` (else `geoDataExif`), never Google's 0,0 for "no place".
    pub gps: Option<Gps>,
    /// The sidecar's `description` (the caption in Google Photos), when not empty.
    pub description: Option<String>,
    /// Archived in Google Photos (`"archived": true`): imported, into the archived album
    /// ([`ARCHIVED_SUFFIX`]) when it is in no album folder.
    pub archived: bool,
    /// Starred in Google Photos (`"favorited": true`): the importer likes it for the person.
    pub favorite: bool,
    /// An edited copy (`IMG_1234-edited.jpg`, or a localized suffix such as `-bearbeitet`),
    /// imported beside its original and sharing its sidecar.
    pub edited: bool,
    /// The sidecar its metadata came from.
    pub sidecar: Option<Location>,
    /// Its other copies (same name and size) in other folders of the Takeout: the same photo in
    /// an album folder and in its "Photos from YYYY" folder, or in several albums.
    pub also_at: Vec<Location>,
    zip_entry: Option<zipped::ZipEntry>,
}

impl Item {
    /// Its bytes, streamed from the file or from inside the zip. A damaged zip member ends in an
    /// `InvalidData` error (its size or CRC-32 do not match the zip's directory), never in wrong
    /// bytes.
    pub fn open(&self) -> io::Result<Box<dyn Read + Send>> {
        match (&self.location, &self.zip_entry) {
            (Location::ZipMember { zip, .. }, Some(entry)) => zipped::open(zip, entry),
            (Location::File(path), _) => Ok(Box::new(File::open(path)?)),
            _ => Err(io::Error::other("no way to read this item")),
        }
    }

    /// The content type to upload it with, from its extension.
    pub fn content_type(&self) -> &'static str {
        media::content_type(&self.filename)
    }
}

/// A file left out, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub location: Location,
    pub reason: SkipReason,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// In Google Photos' trash (`"trashed": true` in its sidecar, or in the Trash folder).
    Trashed,
    /// In Takeout's "Failed Videos" folder: videos Google could not process.
    FailedVideo,
    /// Not a photo or video picup takes (by its extension).
    NotMedia,
    /// Part of another Google product of the same Takeout (Drive, Mail, ...).
    OtherProduct(String),
    /// A zip, zip member or folder entry that cannot be read.
    Unreadable(String),
    /// A JSON sidecar or album metadata that cannot be read: its photo is imported without it.
    BadMetadata(String),
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::Trashed => f.write_str("in the Google Photos trash"),
            SkipReason::FailedVideo => f.write_str("a video Google Photos could not process (Failed Videos)"),
            SkipReason::NotMedia => f.write_str("not a photo or video"),
            SkipReason::OtherProduct(product) => write!(f, "part of {product}, not of Google Photos"),
            SkipReason::Unreadable(why) => write!(f, "cannot be read: {why}"),
            SkipReason::BadMetadata(why) => {
                write!(f, "metadata that cannot be read ({why}); its photo is imported without it")
            }
        }
    }
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.reason)
    }
}

/// A path that cannot be scanned at all (a file inside it that cannot be read is a [`Skipped`]).
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("{0}: no such file or folder")]
    NotFound(PathBuf),
    #[error("{0}: neither a folder, a .zip nor a photo or video")]
    NotImportable(PathBuf),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
}

impl ScanError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, ScanError::NotFound(_))
    }
}

/// Reads the paths and plans their import; see the crate's documentation.
pub fn scan<P: AsRef<Path>>(paths: &[P], options: &ScanOptions) -> Result<Plan, ScanError> {
    let mut skipped = Vec::new();
    let mut inputs = Vec::new();
    for path in paths {
        inputs.extend(inputs::collect(path.as_ref(), &mut skipped)?);
    }
    let mut plan = plan::plan(inputs, options, &mut skipped);
    skipped.sort_by(|a, b| a.location.cmp(&b.location));
    plan.skipped = skipped;
    Ok(plan)
}
