//! From the files found to the plan: which inputs are Takeouts, each media file's sidecar, the
//! folders that are albums, one item per photo whatever the number of its copies.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;

use crate::inputs::{Entry, Input};
use crate::names::{self, Key};
use crate::sidecar::{self, AlbumMeta, MediaMeta, Parsed};
use crate::{
    ARCHIVED_SUFFIX, Album, DEFAULT_TAKEOUT_ALBUM, Item, Location, MediaKind, Plan, ScanOptions, SkipReason, Skipped,
    media, zipped,
};

/// The names Google gives its Photos folder in a Takeout, by language. A folder of another name
/// is taken as Google Photos too when it holds year folders or sidecars.
const PHOTOS_PRODUCTS: &[&str] = &[
    "Google Photos",
    "Google Fotos",
    "Google Foto",
    "Fotky Google",
    "Zdjęcia Google",
    "Google Фото",
    "Google Снимки",
    "Google Φωτογραφίες",
    "Google フォト",
    "Google 相册",
    "Google 相簿",
    "Google 포토",
];

/// The prefixes of the year folders ("Photos from 2019"). Google writes them in English in every
/// Takeout seen so far (immich-go's samples of Italian and French accounts); a few translations
/// are accepted too. A folder with an album's metadata is an album whatever its name.
const YEAR_PREFIXES: &[&str] =
    &["Photos from ", "Fotos von ", "Fotos aus ", "Photos de ", "Fotos de ", "Fotos del ", "Foto dal ", "Foto del "];

/// The trash folder, by language.
const TRASH: &[&str] =
    &["Trash", "Bin", "Corbeille", "Papierkorb", "Papelera", "Cestino", "Lixeira", "Prullenbak", "Kosz"];

const FAILED_VIDEOS: &str = "Failed Videos";

/// Takeout's own files, not metadata of a photo or album.
const TAKEOUT_OWN: &[&str] = &[
    "print-subscriptions.json",
    "shared_album_comments.json",
    "user-generated-memory-titles.json",
    "archive_browser.html",
];

/// Files an operating system leaves in folders.
const SYSTEM_JUNK: &[&str] = &["Thumbs.db", "desktop.ini", "Icon\r"];

/// A sidecar or album metadata larger than this is not one.
const MAX_JSON: u64 = 1 << 20;

fn is_year_folder(name: &str) -> bool {
    let year = |rest: &str| rest.len() == 4 && rest.bytes().all(|b| b.is_ascii_digit());
    YEAR_PREFIXES.iter().any(|prefix| name.strip_prefix(prefix).is_some_and(year))
}

/// Older Takeouts have a folder per day ("2017-08-12", "2017-08-12 #2") instead of per year.
fn is_day_folder(name: &str) -> bool {
    let date = name.split(" #").next().unwrap_or(name).as_bytes();
    date.len() == 10
        && date.iter().enumerate().all(|(i, b)| if i == 4 || i == 7 { *b == b'-' } else { b.is_ascii_digit() })
}

fn is_json(name: &str) -> bool {
    name.len() > 5 && name[name.len() - 5..].eq_ignore_ascii_case(".json")
}

/// Left out without a word: Takeout's and the operating system's own files, and JSON files
/// (sidecars and album metadata are read, not imported).
fn is_silent(name: &str) -> bool {
    name.starts_with('.') || SYSTEM_JUNK.contains(&name) || TAKEOUT_OWN.contains(&name) || is_json(name)
}

/// How many sidecar-named JSON files of a folder are read to tell whether it is a Takeout.
const SIDECARS_TRIED: usize = 8;

/// Whether the files of an input are laid out as a Takeout: its folders (`Takeout`, the Photos
/// folder, a year folder), or a JSON sidecar of Google's (an album folder taken out of a Takeout).
fn is_takeout(input: &Input) -> bool {
    let structure = input.entries.iter().any(|entry| {
        let Some((_, folders)) = entry.rel.split_last() else { return false };
        folders
            .iter()
            .any(|folder| folder == "Takeout" || PHOTOS_PRODUCTS.contains(&folder.as_str()) || is_year_folder(folder))
    });
    structure
        || input
            .entries
            .iter()
            .filter(|entry| is_json(entry.name()) && names::looks_like_sidecar(entry.name()))
            .take(SIDECARS_TRIED)
            .any(|entry| read_json(entry).is_ok_and(|bytes| matches!(sidecar::parse(&bytes), Ok(Parsed::Media(_)))))
}

/// Where a Takeout file is.
enum Place<'a> {
    /// In the Photos folder (or a folder taken as such): its path below it.
    Photos { product: Option<&'a str>, path: &'a [String] },
    /// At the Takeout's top (`archive_browser.html`).
    TakeoutTop,
}

fn place(rel: &[String]) -> Place<'_> {
    if let Some(at) = rel.iter().position(|part| part == "Takeout") {
        return match rel.get(at + 1..) {
            Some([product, path @ ..]) if !path.is_empty() => Place::Photos { product: Some(product), path },
            _ => Place::TakeoutTop,
        };
    }
    match rel.iter().position(|part| PHOTOS_PRODUCTS.contains(&part.as_str())) {
        Some(at) if at + 1 < rel.len() => Place::Photos { product: Some(&rel[at]), path: &rel[at + 1..] },
        _ => Place::Photos { product: None, path: rel },
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum FolderKind {
    Album(String),
    /// A year or day folder, or the top of the Photos folder: photos of no album.
    Library,
    Trash,
    FailedVideos,
}

#[derive(Default)]
struct Folder {
    name: String,
    media: Vec<usize>,
    sidecars: Vec<(Vec<Key>, usize)>,
    album: Option<AlbumMeta>,
}

impl Folder {
    fn kind(&self, top: bool) -> FolderKind {
        if let Some(album) = &self.album {
            return FolderKind::Album(album.title.clone().unwrap_or_else(|| self.name.clone()));
        }
        if top || is_year_folder(&self.name) || is_day_folder(&self.name) {
            FolderKind::Library
        } else if TRASH.contains(&self.name.as_str()) {
            FolderKind::Trash
        } else if self.name == FAILED_VIDEOS {
            FolderKind::FailedVideos
        } else {
            FolderKind::Album(self.name.clone())
        }
    }
}

/// One copy of a media file, with what was found for it.
struct Copy {
    entry: usize,
    folder: FolderKind,
    meta: Option<usize>,
    edited: bool,
}

/// All entries of all inputs, in one list the planner indexes.
struct Files {
    entries: Vec<Entry>,
    metas: Vec<(MediaMeta, Location)>,
}

fn read_json(entry: &Entry) -> Result<Vec<u8>, String> {
    if entry.size > MAX_JSON {
        return Err(format!("{} bytes, more than a sidecar has", entry.size));
    }
    let reader: Box<dyn Read + Send> = match (&entry.location, &entry.zip_entry) {
        (Location::ZipMember { zip, .. }, Some(zip_entry)) => {
            zipped::open(zip, zip_entry).map_err(|e| e.to_string())?
        }
        (Location::File(path), _) => Box::new(std::fs::File::open(path).map_err(|e| e.to_string())?),
        _ => return Err("no way to read it".to_owned()),
    };
    let mut bytes = Vec::new();
    reader.take(MAX_JSON + 1).read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_JSON {
        return Err("more bytes than a sidecar has".to_owned());
    }
    Ok(bytes)
}

/// The Takeout files grouped by folder (below the Photos folder), their JSON read.
///
/// `takeout` holds each file's index and, for an unpacked folder that is part of a Takeout (an
/// album or year folder given alone), that folder's name: it is the folder of its top files.
fn takeout_folders(
    files: &mut Files,
    takeout: &[(usize, Option<String>)],
    skipped: &mut Vec<Skipped>,
) -> BTreeMap<String, Folder> {
    // Which product folders are Google Photos: a known name, or year folders or sidecars inside.
    let mut photos_products: BTreeSet<String> = BTreeSet::new();
    let mut other_products: BTreeSet<String> = BTreeSet::new();
    for (index, _) in takeout {
        if let Place::Photos { product: Some(product), path } = place(&files.entries[*index].rel) {
            let evidence = PHOTOS_PRODUCTS.contains(&product)
                || (path.len() > 1 && is_year_folder(&path[0]))
                || path.last().is_some_and(|name| is_json(name) && names::looks_like_sidecar(name));
            if evidence {
                photos_products.insert(product.to_owned());
            } else {
                other_products.insert(product.to_owned());
            }
        }
    }

    let mut folders: BTreeMap<String, Folder> = BTreeMap::new();
    for (index, root) in takeout {
        let index = *index;
        let entry = &files.entries[index];
        let (product, path) = match place(&entry.rel) {
            Place::TakeoutTop => continue,
            Place::Photos { product, path } => (product, path),
        };
        let name = entry.name().to_owned();
        if let Some(product) = product.filter(|product| !photos_products.contains(*product)) {
            if !is_silent(&name) {
                let reason = SkipReason::OtherProduct(product.to_owned());
                skipped.push(Skipped { location: entry.location.clone(), reason });
            }
            continue;
        }
        let (_, parents) = path.split_last().unwrap_or((&name, &[]));
        let mut parents = parents.to_vec();
        if let (None, Some(root)) = (product, root) {
            parents.insert(0, root.clone());
        }
        let folder = folders.entry(parents.join("/")).or_default();
        folder.name = parents.last().cloned().unwrap_or_default();
        if media::media_kind(&name).is_some() {
            folder.media.push(index);
            continue;
        }
        if !is_json(&name) || TAKEOUT_OWN.contains(&name.as_str()) {
            if !is_silent(&name) {
                skipped.push(Skipped { location: entry.location.clone(), reason: SkipReason::NotMedia });
            }
            continue;
        }
        let parsed = read_json(entry).and_then(|bytes| sidecar::parse(&bytes).map_err(|e| e.to_string()));
        match parsed {
            Ok(Parsed::Media(meta)) => {
                if let Some(keys) = names::sidecar_keys(&name) {
                    files.metas.push((meta, entry.location.clone()));
                    folder.sidecars.push((keys, files.metas.len() - 1));
                }
            }
            Ok(Parsed::Album(album)) => {
                if folder.album.as_ref().is_none_or(|known| known.title.is_none()) {
                    folder.album = Some(album);
                }
            }
            Ok(Parsed::Other) => {}
            Err(why) => {
                skipped.push(Skipped { location: entry.location.clone(), reason: SkipReason::BadMetadata(why) })
            }
        }
    }
    folders
}

fn lookup(by_key: &HashMap<Key, usize>, key: &Key) -> Option<usize> {
    if let Some(meta) = by_key.get(key) {
        return Some(*meta);
    }
    names::cut_forms(&key.name).into_iter().find_map(|name| by_key.get(&Key { name, index: key.index }).copied())
}

/// Each media file of a folder with its sidecar, found as Google names them.
fn match_folder(files: &Files, folder: &Folder, kind: &FolderKind, copies: &mut Vec<Copy>) {
    // The exact keys first, so that a cut form never hides a sidecar named in full.
    let mut by_key: HashMap<Key, usize> = HashMap::new();
    for (keys, meta) in &folder.sidecars {
        by_key.entry(keys[0].clone()).or_insert(*meta);
    }
    for (keys, meta) in &folder.sidecars {
        for key in &keys[1..] {
            by_key.entry(key.clone()).or_insert(*meta);
        }
    }
    let first = copies.len();
    let mut photo_sidecars: HashMap<String, usize> = HashMap::new();
    let mut media = folder.media.clone();
    media.sort_by(|a, b| files.entries[*a].name().cmp(files.entries[*b].name()));
    for index in media {
        let name = files.entries[index].name();
        let key = names::media_key(name);
        let own = lookup(&by_key, &key);
        let original = if own.is_none() { names::edited_original(&key.name) } else { None };
        let meta = own.or_else(|| {
            let original = original.as_ref()?;
            lookup(&by_key, &Key { name: original.clone(), index: key.index })
        });
        if let (Some(meta), Some(MediaKind::Photo), None) = (meta, media::media_kind(name), &original) {
            let (stem, _) = names::split_extension(name);
            photo_sidecars.entry(stem.to_owned()).or_insert(meta);
        }
        copies.push(Copy { entry: index, folder: kind.clone(), meta, edited: original.is_some() });
    }
    // The video of a live photo (IMG_1234.HEIC + IMG_1234.MP4) shares the photo's sidecar.
    for copy in &mut copies[first..] {
        let name = files.entries[copy.entry].name();
        if copy.meta.is_none() && media::media_kind(name) == Some(MediaKind::Video) {
            let (stem, _) = names::split_extension(name);
            copy.meta = photo_sidecars.get(stem).copied();
        }
    }
}

/// The name to upload with: the sidecar's title (the name as uploaded to Google, before any cut
/// or duplicate number) when it is a plain file name with the same extension.
fn upload_name(name: &str, meta: Option<&MediaMeta>, edited: bool) -> String {
    let title = meta.and_then(|meta| meta.title.as_deref()).filter(|_| !edited);
    let same_extension = |title: &str| {
        let (_, ext) = names::split_extension(name);
        let (_, title_ext) = names::split_extension(title);
        !ext.is_empty() && ext.eq_ignore_ascii_case(title_ext)
    };
    match title {
        Some(title)
            if same_extension(title) && !title.contains(['/', '\\']) && !title.chars().any(char::is_control) =>
        {
            title.to_owned()
        }
        _ => name.to_owned(),
    }
}

pub(crate) fn plan(inputs: Vec<Input>, options: &ScanOptions, skipped: &mut Vec<Skipped>) -> Plan {
    let mut files = Files { entries: Vec::new(), metas: Vec::new() };
    let mut takeout = Vec::new();
    let mut copies = Vec::new();
    for input in inputs {
        let is_takeout = is_takeout(&input);
        let album = options.album.clone().unwrap_or_else(|| input.name.clone());
        let root = (!input.is_zip && input.name != "Takeout" && !PHOTOS_PRODUCTS.contains(&input.name.as_str()))
            .then(|| input.name.clone());
        for entry in input.entries {
            let index = files.entries.len();
            if is_takeout {
                takeout.push((index, root.clone()));
            } else if media::media_kind(entry.name()).is_some() {
                copies.push(Copy { entry: index, folder: FolderKind::Album(album.clone()), meta: None, edited: false });
            } else if !is_silent(entry.name()) {
                skipped.push(Skipped { location: entry.location.clone(), reason: SkipReason::NotMedia });
            }
            files.entries.push(entry);
        }
    }
    let folders = takeout_folders(&mut files, &takeout, skipped);
    for (path, folder) in &folders {
        match_folder(&files, folder, &folder.kind(path.is_empty()), &mut copies);
    }

    // One item per photo: copies of the same name and size are one file in several folders.
    let mut groups: Vec<Vec<Copy>> = Vec::new();
    let mut by_identity: HashMap<(String, u64), usize> = HashMap::new();
    for copy in copies {
        let entry = &files.entries[copy.entry];
        let identity = (entry.name().to_owned(), entry.size);
        match by_identity.get(&identity) {
            Some(&group) => groups[group].push(copy),
            None => {
                by_identity.insert(identity, groups.len());
                groups.push(vec![copy]);
            }
        }
    }

    let fallback = options.album.clone().unwrap_or_else(|| DEFAULT_TAKEOUT_ALBUM.to_owned());
    // Archived photos are out of Google Photos' main view: they stay out of the main album here.
    let archive_fallback = format!("{fallback}{ARCHIVED_SUFFIX}");
    let mut albums: BTreeMap<String, Option<String>> = BTreeMap::new();
    let descriptions: HashMap<String, String> = folders
        .values()
        .filter_map(|folder| {
            let album = folder.album.as_ref()?;
            Some((album.title.clone().unwrap_or_else(|| folder.name.clone()), album.description.clone()?))
        })
        .collect();
    let mut items = Vec::with_capacity(groups.len());
    for group in groups {
        let first = &files.entries[group[0].entry];
        let with_meta = group
            .iter()
            .find(|copy| copy.meta.is_some() && !copy.edited)
            .or_else(|| group.iter().find(|copy| copy.meta.is_some()));
        let meta = with_meta.and_then(|copy| copy.meta).map(|meta| &files.metas[meta]);
        let trashed = group.iter().any(|copy| copy.meta.is_some_and(|meta| files.metas[meta].0.trashed))
            || group.iter().all(|copy| copy.folder == FolderKind::Trash);
        if trashed {
            skipped.push(Skipped { location: first.location.clone(), reason: SkipReason::Trashed });
            continue;
        }
        if group.iter().all(|copy| copy.folder == FolderKind::FailedVideos) {
            skipped.push(Skipped { location: first.location.clone(), reason: SkipReason::FailedVideo });
            continue;
        }
        let mut titles: Vec<String> = Vec::new();
        for copy in &group {
            if let FolderKind::Album(title) = &copy.folder
                && !titles.contains(title)
            {
                titles.push(title.clone());
            }
        }
        let archived = group.iter().any(|copy| copy.meta.is_some_and(|meta| files.metas[meta].0.archived));
        if titles.is_empty() {
            titles.push(if archived { archive_fallback.clone() } else { fallback.clone() });
        }
        for title in &titles {
            albums.entry(title.clone()).or_insert_with(|| descriptions.get(title).cloned());
        }
        let edited = group.iter().all(|copy| copy.edited);
        let name = first.name();
        let kind = media::media_kind(name).unwrap_or(MediaKind::Photo);
        items.push(Item {
            location: first.location.clone(),
            size: first.size,
            filename: upload_name(name, meta.map(|(meta, _)| meta), edited),
            kind,
            albums: titles,
            taken_at: meta.and_then(|(meta, _)| meta.taken_at),
            modified_at: modified_at(&first.location),
            gps: meta.and_then(|(meta, _)| meta.gps),
            description: meta.and_then(|(meta, _)| meta.description.clone()),
            archived,
            favorite: group.iter().any(|copy| copy.meta.is_some_and(|meta| files.metas[meta].0.favorite)),
            edited,
            sidecar: meta.map(|(_, location)| location.clone()),
            also_at: group[1..].iter().map(|copy| files.entries[copy.entry].location.clone()).collect(),
            zip_entry: first.zip_entry.clone(),
        });
    }
    Plan {
        items,
        albums: albums.into_iter().map(|(title, description)| Album { title, description }).collect(),
        skipped: Vec::new(),
    }
}

/// The modification time of a file on disk, in seconds since 1970 (`None` for a zip member).
fn modified_at(location: &Location) -> Option<i64> {
    let Location::File(path) = location else { return None };
    let modified = std::fs::metadata(path).and_then(|meta| meta.modified()).ok()?;
    let seconds = modified.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    i64::try_from(seconds).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names() {
        assert!(is_year_folder("Photos from 2019"));
        assert!(is_year_folder("Fotos von 2021"));
        assert!(!is_year_folder("Photos from Paris"));
        assert!(!is_year_folder("Photos from 20190"));
        assert!(is_day_folder("2017-08-12"));
        assert!(is_day_folder("2017-08-12 #2"));
        assert!(!is_day_folder("2017-08"));
        assert!(!is_day_folder("Holidays 2017-08-12"));
    }

    #[test]
    fn where_takeout_files_are() {
        let rel = |s: &str| s.split('/').map(str::to_owned).collect::<Vec<_>>();
        let path = rel("Takeout/Google Photos/Holidays/IMG.jpg");
        let Place::Photos { product, path } = place(&path) else { panic!("in Photos") };
        assert_eq!((product, path), (Some("Google Photos"), &rel("Holidays/IMG.jpg")[..]));
        assert!(matches!(place(&rel("Takeout/archive_browser.html")), Place::TakeoutTop));
        let path = rel("Google Fotos/Photos from 2020/IMG.jpg");
        let Place::Photos { product, path } = place(&path) else { panic!("in Photos") };
        assert_eq!((product, path), (Some("Google Fotos"), &rel("Photos from 2020/IMG.jpg")[..]));
        let path = rel("Holidays/IMG.jpg");
        let Place::Photos { product, path } = place(&path) else { panic!("in Photos") };
        assert_eq!((product, path.len()), (None, 2));
    }

    #[test]
    fn upload_names() {
        let meta = |title: &str| MediaMeta { title: Some(title.to_owned()), ..MediaMeta::default() };
        let long = "PXL_20230809_203449253.LONG_EXPOSURE-02.ORIGINAL.jpg";
        assert_eq!(upload_name("PXL_20230809_203449253.LONG_EXPOSURE-02.ORIGINA.jpg", Some(&meta(long)), false), long);
        assert_eq!(upload_name("IMG_1234(1).JPG", Some(&meta("IMG_1234.JPG")), false), "IMG_1234.JPG");
        assert_eq!(upload_name("IMG_1234-edited.jpg", Some(&meta("IMG_1234.jpg")), true), "IMG_1234-edited.jpg");
        assert_eq!(upload_name("IMG_1234.jpg", Some(&meta("Holiday")), false), "IMG_1234.jpg");
        assert_eq!(upload_name("IMG_1234.jpg", Some(&meta("a/b.jpg")), false), "IMG_1234.jpg");
        assert_eq!(upload_name("IMG_1234.jpg", None, false), "IMG_1234.jpg");
    }
}
