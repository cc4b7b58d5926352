//! iPhones since iOS 17 store an HDR gain map as a `tmap` item, which their HEIF references:
//! an `auxl` reference naming several images, and the EXIF's `cdsc` naming the photo and the
//! `tmap`. libheif before 1.16 (Debian 12 ships 1.15) refuses a reference of either kind to more
//! than one item ("Too many auxiliary image references", "Metadata not correctly assigned to
//! image"), so every such photo would fail. Such references are renamed in place (one byte;
//! nothing moves) to a type libheif skips: the primary image decodes as before, and its EXIF is
//! read from the file directly instead of through libheif. Runs in the decode child, on untrusted
//! bytes: every box is bounds-checked, and anything unexpected leaves the file as it was.

/// A copy of the file with its multi-item `auxl` and `cdsc` references renamed, or None when it
/// has none.
pub fn without_shared_aux_refs(file: &[u8]) -> Option<Vec<u8>> {
    let meta = child_boxes(file, 0..file.len()).find(|b| &b.kind == b"meta")?;
    // `meta` and `iref` are full boxes: 4 bytes of version and flags before their children.
    let iref = child_boxes(file, meta.payload.start + 4..meta.payload.end).find(|b| &b.kind == b"iref")?;
    let id_bytes = if *file.get(iref.payload.start)? == 0 { 2 } else { 4 };
    let shared: Vec<usize> = child_boxes(file, iref.payload.start + 4..iref.payload.end)
        .filter(|reference| matches!(&reference.kind, b"auxl" | b"cdsc"))
        .filter(|reference| {
            let count_at = reference.payload.start + id_bytes;
            file.get(count_at..count_at + 2).is_some_and(|count| u16::from_be_bytes([count[0], count[1]]) > 1)
        })
        .map(|reference| reference.payload.start - 1)
        .collect();
    if shared.is_empty() {
        return None;
    }
    let mut patched = file.to_vec();
    for last_letter in shared {
        patched[last_letter] = b'x'; // auxl -> auxx, cdsc -> cdsx
    }
    Some(patched)
}

/// An ISO BMFF box: its type and where its payload is in the file.
pub(crate) struct BoxAt {
    pub kind: [u8; 4],
    pub payload: std::ops::Range<usize>,
}

/// The boxes one after another in `range` (32-bit sizes, or 64-bit where the size is 1).
pub(crate) fn child_boxes(file: &[u8], range: std::ops::Range<usize>) -> impl Iterator<Item = BoxAt> + '_ {
    let end = range.end.min(file.len());
    let mut at = range.start;
    std::iter::from_fn(move || {
        let header = file.get(at..at.saturating_add(16).min(end))?;
        if header.len() < 8 {
            return None;
        }
        let size = u32::from_be_bytes(header[..4].try_into().ok()?) as usize;
        let (header_len, size) = match size {
            0 => (8, end - at),
            1 => (16, usize::try_from(u64::from_be_bytes(header.get(8..16)?.try_into().ok()?)).ok()?),
            size => (8, size),
        };
        let box_end = at.checked_add(size).filter(|&box_end| size >= header_len && box_end <= end)?;
        let found = BoxAt { kind: header[4..8].try_into().ok()?, payload: at + header_len..box_end };
        at = box_end;
        Some(found)
    })
}

/// A box of `kind` around `payload`, for tests that build files.
#[cfg(test)]
pub(crate) fn boxed(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut bytes = ((payload.len() + 8) as u32).to_be_bytes().to_vec();
    bytes.extend_from_slice(kind);
    bytes.extend_from_slice(payload);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heif_with_refs(references: &[(&[u8; 4], &[u16])]) -> Vec<u8> {
        let mut iref = vec![0, 0, 0, 0]; // version 0: 16-bit item ids
        for (kind, to) in references {
            let mut entry = 1u16.to_be_bytes().to_vec();
            entry.extend_from_slice(&(to.len() as u16).to_be_bytes());
            to.iter().for_each(|id| entry.extend_from_slice(&id.to_be_bytes()));
            iref.extend(boxed(kind, &entry));
        }
        let mut meta = vec![0, 0, 0, 0];
        meta.extend(boxed(b"hdlr", b"pict"));
        meta.extend(boxed(b"iref", &iref));
        let mut file = boxed(b"ftyp", b"heic");
        file.extend(boxed(b"meta", &meta));
        file.extend(boxed(b"mdat", &[1, 2, 3]));
        file
    }

    #[test]
    fn only_an_aux_reference_to_several_images_is_renamed() {
        let file = heif_with_refs(&[(b"thmb", &[2]), (b"auxl", &[3]), (b"auxl", &[4, 5])]);
        let patched = without_shared_aux_refs(&file).expect("one to rename");
        assert_eq!(patched.len(), file.len(), "nothing moves");
        let differing: Vec<usize> = (0..file.len()).filter(|&i| file[i] != patched[i]).collect();
        assert_eq!(differing.len(), 1, "{differing:?}");
        assert_eq!(&patched[differing[0] - 3..=differing[0]], b"auxx");
        assert_eq!(without_shared_aux_refs(&heif_with_refs(&[(b"auxl", &[3])])), None, "an alpha plane stays");
    }

    #[test]
    fn broken_boxes_leave_the_file_alone() {
        let file = heif_with_refs(&[(b"auxl", &[4, 5])]);
        for cut in [10, 30, 50] {
            assert_eq!(without_shared_aux_refs(&file[..cut]), None, "cut at {cut}");
        }
        let mut lying = file.clone();
        lying[24..28].copy_from_slice(&u32::MAX.to_be_bytes()); // the meta box claims 4 GB
        assert_eq!(without_shared_aux_refs(&lying), None);
    }
}
