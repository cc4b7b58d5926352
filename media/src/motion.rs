//! The moving part of a photo, as phones store it. Runs inside the decode child, on untrusted
//! bytes: every offset is checked against the file before it is used.
//!
//! - **Android Motion Photos** (Google's format, Samsung's too): a JPEG or HEIC whose XMP says
//!   `MotionPhoto="1"` (or the older `MicroVideo="1"`), with an MP4 at the end of the file. Where
//!   it starts comes from the XMP (`Item:Length` of the `MotionPhoto` item, or `MicroVideoOffset`,
//!   both counted from the end), or, where Samsung's HEIC gives a length that is not the video's,
//!   from its top-level `mpvd` box. A file with an MP4 appended but no such XMP stays a plain photo.
//! - **iPhone Live Photos**: the still and a separate MOV share a content identifier, in the
//!   photo's Apple maker note (tag 0x11) and the movie's `com.apple.quicktime.content.identifier`.

use std::ops::Range;

/// Where a motion photo's MP4 is inside the file, if it is one.
pub fn embedded_video(file: &[u8]) -> Option<Range<usize>> {
    let xmp = xmp_packet(file)?;
    let motion = flag(xmp, "MotionPhoto") || flag(xmp, "MicroVideo");
    if !motion {
        return None;
    }
    let from_end = motion_item_length(xmp)
        .or_else(|| number(xmp, "MicroVideoOffset"))
        .and_then(|length| Some(file.len().checked_sub(usize::try_from(length).ok()?)?..file.len()));
    // Samsung's XMP may give a length of 0 (or 80): its `mpvd` box says where the video is.
    [from_end, top_level_box(file, b"mpvd")].into_iter().flatten().find(|range| starts_like_mp4(&file[range.clone()]))
}

/// The first XMP packet of the file (a JPEG's APP1, or a HEIC's XMP item).
fn xmp_packet(file: &[u8]) -> Option<&str> {
    let start = find(file, b"<x:xmpmeta")?;
    let end = start + find(&file[start..], b"</x:xmpmeta>")?;
    std::str::from_utf8(&file[start..end]).ok()
}

/// `Prefix:name="1"` or `<Prefix:name>1<`, for any namespace prefix.
fn flag(xmp: &str, name: &str) -> bool {
    value_of(xmp, name).is_some_and(|value| value.trim() == "1")
}

fn number(xmp: &str, name: &str) -> Option<u64> {
    value_of(xmp, name)?.trim().parse().ok()
}

/// The value of the first attribute or element named `name` (after any `prefix:`).
fn value_of<'a>(xmp: &'a str, name: &str) -> Option<&'a str> {
    let mut rest = xmp;
    while let Some(at) = rest.find(name) {
        let before = rest[..at].chars().next_back();
        let after = &rest[at + name.len()..];
        rest = after;
        if before != Some(':') {
            continue;
        }
        if let Some(quoted) = after.strip_prefix("=\"") {
            return quoted.split('"').next();
        }
        if let Some(text) = after.strip_prefix('>') {
            return text.split('<').next();
        }
    }
    None
}

/// `Item:Length` of the Container directory's `MotionPhoto` item: its element's attributes.
fn motion_item_length(xmp: &str) -> Option<u64> {
    let at = xmp.find("Semantic=\"MotionPhoto\"")?;
    let start = xmp[..at].rfind('<')?;
    let end = at + xmp[at..].find('>')?;
    number(&xmp[start..end], "Length")
}

/// The payload of the first top-level ISO BMFF box of this type.
fn top_level_box(file: &[u8], kind: &[u8; 4]) -> Option<Range<usize>> {
    crate::heif_refs::child_boxes(file, 0..file.len()).find(|found| &found.kind == kind).map(|found| found.payload)
}

/// An MP4 (or QuickTime) file begins with an `ftyp` box.
fn starts_like_mp4(video: &[u8]) -> bool {
    video.len() > 16 && &video[4..8] == b"ftyp"
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

/// The content identifier in an Apple maker note ("Apple iOS" and a big-endian IFD whose offsets
/// count from the note's start): the UUID its Live Photo movie carries too.
pub fn apple_content_identifier(maker_note: &[u8]) -> Option<String> {
    const CONTENT_IDENTIFIER: u16 = 0x0011;
    const ASCII: u16 = 2;
    if !maker_note.starts_with(b"Apple iOS\0") || maker_note.get(12..14)? != b"MM" {
        return None;
    }
    let u16_at = |at: usize| maker_note.get(at..at + 2).map(|b| u16::from_be_bytes([b[0], b[1]]));
    let u32_at = |at: usize| maker_note.get(at..at + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize);
    let count = u16_at(14)?;
    for entry in (0..usize::from(count)).map(|i| 16 + 12 * i) {
        if u16_at(entry)? != CONTENT_IDENTIFIER || u16_at(entry + 2)? != ASCII {
            continue;
        }
        let length = u32_at(entry + 4)?;
        let start = if length <= 4 { entry + 8 } else { u32_at(entry + 8)? };
        let text = maker_note.get(start..start.checked_add(length)?)?;
        return content_identifier(&String::from_utf8_lossy(text));
    }
    None
}

/// A content identifier as picup keeps it: the UUID in upper case, or nothing if it is not one.
pub fn content_identifier(text: &str) -> Option<String> {
    let text = text.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    let uuid_like = text.len() == 36
        && text
            .chars()
            .enumerate()
            .all(|(i, c)| if [8, 13, 18, 23].contains(&i) { c == '-' } else { c.is_ascii_hexdigit() });
    uuid_like.then(|| text.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg_with_xmp(xmp: &str, video: &[u8]) -> Vec<u8> {
        let mut file = b"\xFF\xD8\xFF\xE1\x00\x00http://ns.adobe.com/xap/1.0/\0".to_vec();
        file.extend_from_slice(xmp.as_bytes());
        file.extend_from_slice(b"\xFF\xD9");
        file.extend_from_slice(video);
        file
    }

    fn mp4() -> Vec<u8> {
        let mut video = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom".to_vec();
        video.extend_from_slice(&[7; 100]);
        video
    }

    #[test]
    fn a_motion_photo_says_where_its_video_starts() {
        let video = mp4();
        let container = format!(
            r#"<x:xmpmeta><rdf:Description GCamera:MotionPhoto="1"><Container:Directory><rdf:Seq>
            <rdf:li><Container:Item Item:Mime="image/jpeg" Item:Semantic="Primary" Item:Length="0"/></rdf:li>
            <rdf:li><Container:Item Item:Mime="video/mp4" Item:Semantic="MotionPhoto" Item:Length="{}"/></rdf:li>
            </rdf:Seq></Container:Directory></rdf:Description></x:xmpmeta>"#,
            video.len()
        );
        let file = jpeg_with_xmp(&container, &video);
        assert_eq!(embedded_video(&file).map(|range| &file[range]), Some(video.as_slice()));

        let micro = format!(
            r#"<x:xmpmeta><rdf:Description><GCamera:MicroVideo>1</GCamera:MicroVideo><GCamera:MicroVideoOffset>{}</GCamera:MicroVideoOffset></rdf:Description></x:xmpmeta>"#,
            video.len()
        );
        let file = jpeg_with_xmp(&micro, &video);
        assert_eq!(embedded_video(&file).map(|range| &file[range]), Some(video.as_slice()));
    }

    #[test]
    fn a_photo_that_only_looks_like_one_stays_a_photo() {
        let video = mp4();
        let no_flag = r#"<x:xmpmeta><rdf:Description GCamera:MotionPhoto="0"/></x:xmpmeta>"#;
        assert_eq!(embedded_video(&jpeg_with_xmp(no_flag, &video)), None, "the flag says no");
        assert_eq!(embedded_video(&jpeg_with_xmp("", &video)), None, "an MP4 appended without XMP");
        let lying =
            r#"<x:xmpmeta><rdf:Description GCamera:MicroVideo="1" GCamera:MicroVideoOffset="99999"/></x:xmpmeta>"#;
        assert_eq!(embedded_video(&jpeg_with_xmp(lying, &video)), None, "an offset beyond the file");
        let not_mp4 =
            r#"<x:xmpmeta><rdf:Description GCamera:MicroVideo="1" GCamera:MicroVideoOffset="50"/></x:xmpmeta>"#;
        assert_eq!(embedded_video(&jpeg_with_xmp(not_mp4, &video)), None, "the bytes there are no MP4");
    }

    #[test]
    fn an_apple_maker_note_gives_its_content_identifier() {
        let uuid = b"602febb7-6b59-4799-96e6-9c8484d873c7\0";
        let mut note = b"Apple iOS\0\x00\x01MM".to_vec();
        note.extend_from_slice(&1u16.to_be_bytes());
        note.extend_from_slice(&0x11u16.to_be_bytes());
        note.extend_from_slice(&2u16.to_be_bytes());
        note.extend_from_slice(&(uuid.len() as u32).to_be_bytes());
        note.extend_from_slice(&(16u32 + 12 + 4).to_be_bytes());
        note.extend_from_slice(&[0; 4]);
        note.extend_from_slice(uuid);
        assert_eq!(apple_content_identifier(&note).as_deref(), Some("602FEBB7-6B59-4799-96E6-9C8484D873C7"));
        assert_eq!(apple_content_identifier(&note[..40]), None, "cut short");
        assert_eq!(apple_content_identifier(b"Nikon\0"), None);
        assert_eq!(content_identifier("not-a-uuid"), None);
    }
}
