//! The files of each path given: a folder walked (recursively), a zip's directory, or one file.

use std::path::{Path, PathBuf};

use crate::{Location, ScanError, SkipReason, Skipped, media, zipped};

/// A file of an input, wherever it is.
pub(crate) struct Entry {
    /// Its path under the input's root (a folder's, or the zip's), one name per folder.
    pub(crate) rel: Vec<String>,
    pub(crate) location: Location,
    pub(crate) size: u64,
    pub(crate) zip_entry: Option<zipped::ZipEntry>,
}

impl Entry {
    pub(crate) fn name(&self) -> &str {
        self.rel.last().map_or("", String::as_str)
    }
}

/// The files of one path (or of one zip found in a folder).
pub(crate) struct Input {
    /// The folder's name (a zip's without `.zip`): a plain folder's album unless `--album`.
    pub(crate) name: String,
    pub(crate) entries: Vec<Entry>,
    pub(crate) is_zip: bool,
}

fn is_zip(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext.eq_ignore_ascii_case("zip"))
}

/// A zip found in a folder is read as part of a Takeout when Google named it (`takeout-….zip`);
/// other zips in a folder of photos are left out.
fn is_takeout_zip(path: &Path) -> bool {
    is_zip(path) && path.file_name().is_some_and(|name| name.to_string_lossy().to_lowercase().starts_with("takeout"))
}

fn name_of(path: &Path) -> String {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_owned());
    let name = if is_zip(&path) { path.file_stem() } else { path.file_name() };
    name.map_or_else(|| "Imported".to_owned(), |name| name.to_string_lossy().into_owned())
}

fn zip_input(path: &Path, skipped: &mut Vec<Skipped>) -> Option<Input> {
    let members = match zipped::list(path) {
        Ok(members) => members,
        Err(why) => {
            skipped.push(Skipped {
                location: Location::Zip(path.to_owned()),
                reason: SkipReason::Unreadable(format!("not a readable zip: {why}")),
            });
            return None;
        }
    };
    let mut entries = Vec::with_capacity(members.len());
    for member in members {
        let location = Location::ZipMember { zip: path.to_owned(), name: member.name.clone() };
        match member.entry {
            Ok(entry) => entries.push(Entry {
                rel: member.name.split('/').filter(|part| !part.is_empty()).map(str::to_owned).collect(),
                location,
                size: member.size,
                zip_entry: Some(entry),
            }),
            Err(why) => skipped.push(Skipped { location, reason: SkipReason::Unreadable(why) }),
        }
    }
    Some(Input { name: name_of(path), entries, is_zip: true })
}

fn folder_inputs(root: &Path, skipped: &mut Vec<Skipped>) -> Vec<Input> {
    let mut entries = Vec::new();
    let mut zips = Vec::new();
    for found in walkdir::WalkDir::new(root).follow_links(true).sort_by_file_name() {
        let found = match found {
            Ok(found) => found,
            Err(e) => {
                let path = e.path().map_or_else(|| root.to_owned(), Path::to_owned);
                skipped.push(Skipped { location: Location::File(path), reason: SkipReason::Unreadable(e.to_string()) });
                continue;
            }
        };
        if !found.file_type().is_file() {
            continue;
        }
        let path = found.path();
        if is_takeout_zip(path) {
            zips.push(path.to_owned());
            continue;
        }
        let size = match found.metadata() {
            Ok(metadata) => metadata.len(),
            Err(e) => {
                skipped.push(Skipped {
                    location: Location::File(path.to_owned()),
                    reason: SkipReason::Unreadable(e.to_string()),
                });
                continue;
            }
        };
        let rel = path
            .strip_prefix(root)
            .unwrap_or(path)
            .components()
            .map(|part| part.as_os_str().to_string_lossy().into_owned())
            .collect();
        entries.push(Entry { rel, location: Location::File(path.to_owned()), size, zip_entry: None });
    }
    let mut inputs = vec![Input { name: name_of(root), entries, is_zip: false }];
    inputs.extend(zips.iter().filter_map(|zip| zip_input(zip, skipped)));
    inputs
}

/// The inputs of one path given on the command line.
pub(crate) fn collect(path: &Path, skipped: &mut Vec<Skipped>) -> Result<Vec<Input>, ScanError> {
    let metadata = std::fs::metadata(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => ScanError::NotFound(path.to_owned()),
        _ => ScanError::Io { path: path.to_owned(), source },
    })?;
    if metadata.is_dir() {
        return Ok(folder_inputs(path, skipped));
    }
    if metadata.is_file() && is_zip(path) {
        return Ok(zip_input(path, skipped).into_iter().collect());
    }
    let name = path.file_name().map(|name| name.to_string_lossy().into_owned());
    match name {
        Some(name) if metadata.is_file() && media::media_kind(&name).is_some() => {
            let folder = path.parent().map_or_else(PathBuf::new, Path::to_owned);
            let folder = if folder.as_os_str().is_empty() { PathBuf::from(".") } else { folder };
            Ok(vec![Input {
                name: name_of(&folder),
                entries: vec![Entry {
                    rel: vec![name],
                    location: Location::File(path.to_owned()),
                    size: metadata.len(),
                    zip_entry: None,
                }],
                is_zip: false,
            }])
        }
        _ => Err(ScanError::NotImportable(path.to_owned())),
    }
}
