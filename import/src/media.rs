//! Which files are photos and videos, by their extension (case-insensitive).

/// A photo or a video.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MediaKind {
    Photo,
    Video,
}

/// Extension (lower case), kind, and the content type the upload is declared with.
const MEDIA: &[(&str, MediaKind, &str)] = &[
    ("jpg", MediaKind::Photo, "image/jpeg"),
    ("jpeg", MediaKind::Photo, "image/jpeg"),
    ("jpe", MediaKind::Photo, "image/jpeg"),
    ("png", MediaKind::Photo, "image/png"),
    ("heic", MediaKind::Photo, "image/heic"),
    ("heif", MediaKind::Photo, "image/heif"),
    ("webp", MediaKind::Photo, "image/webp"),
    ("gif", MediaKind::Photo, "image/gif"),
    ("dng", MediaKind::Photo, "image/x-adobe-dng"),
    ("cr2", MediaKind::Photo, "image/x-canon-cr2"),
    ("cr3", MediaKind::Photo, "image/x-canon-cr3"),
    ("nef", MediaKind::Photo, "image/x-nikon-nef"),
    ("arw", MediaKind::Photo, "image/x-sony-arw"),
    ("orf", MediaKind::Photo, "image/x-olympus-orf"),
    ("rw2", MediaKind::Photo, "image/x-panasonic-rw2"),
    ("raf", MediaKind::Photo, "image/x-fuji-raf"),
    ("mp4", MediaKind::Video, "video/mp4"),
    ("m4v", MediaKind::Video, "video/mp4"),
    ("mov", MediaKind::Video, "video/quicktime"),
    ("3gp", MediaKind::Video, "video/3gpp"),
    ("avi", MediaKind::Video, "video/x-msvideo"),
    ("mkv", MediaKind::Video, "video/x-matroska"),
    ("webm", MediaKind::Video, "video/webm"),
];

fn entry(name: &str) -> Option<&'static (&'static str, MediaKind, &'static str)> {
    let (_, ext) = name.rsplit_once('.')?;
    MEDIA.iter().find(|(known, _, _)| known.eq_ignore_ascii_case(ext))
}

/// The kind of a file by its name, `None` when it is not a photo or video picup takes.
pub fn media_kind(name: &str) -> Option<MediaKind> {
    entry(name).map(|(_, kind, _)| *kind)
}

/// The content type of a media file by its name.
pub(crate) fn content_type(name: &str) -> &'static str {
    entry(name).map_or("application/octet-stream", |(_, _, content_type)| content_type)
}

/// Whether an extension (without the dot) is a media one: `jpg`, `MP4`, ...
pub(crate) fn is_media_extension(ext: &str) -> bool {
    MEDIA.iter().any(|(known, _, _)| known.eq_ignore_ascii_case(ext))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_are_case_insensitive_and_only_media() {
        assert_eq!(media_kind("IMG_1234.JPG"), Some(MediaKind::Photo));
        assert_eq!(media_kind("a.b.HeIc"), Some(MediaKind::Photo));
        assert_eq!(media_kind("VID.MOV"), Some(MediaKind::Video));
        assert_eq!(media_kind("IMG_1234.jpg.json"), None);
        assert_eq!(media_kind("archive_browser.html"), None);
        assert_eq!(media_kind("jpg"), None);
        assert_eq!(content_type("x.Mov"), "video/quicktime");
    }
}
