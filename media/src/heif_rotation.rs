//! The turn a HEIF's `irot` property asks of its primary image. libheif 1.15 turns a decoded image
//! a byte at a time down its columns: for a portrait phone photo (stored on its side) that was a
//! tenth of the decode. So picup decodes such a photo as stored and turns the preview-sized result
//! instead. Only the plain case is read: a primary image with an `irot` or no transform at all.
//! A mirror (`imir`), a crop (`clap`), or anything unexpected in the boxes gives None, and libheif
//! applies the transforms as before. Runs in the decode child, on untrusted bytes: every read is
//! bounds-checked.

use image::metadata::Orientation;

use crate::heif_refs::{BoxAt, child_boxes};

/// The orientation that shows the primary image upright when it is decoded as stored, or None
/// when libheif must apply the file's transforms itself.
pub fn primary_rotation(file: &[u8]) -> Option<Orientation> {
    let meta = child_boxes(file, 0..file.len()).find(|b| &b.kind == b"meta")?;
    // `meta` is a full box: 4 bytes of version and flags before its children.
    let children = meta.payload.start + 4..meta.payload.end;
    let primary = primary_item(file, &child_boxes(file, children.clone()).find(|b| &b.kind == b"pitm")?)?;
    let iprp = child_boxes(file, children).find(|b| &b.kind == b"iprp")?;
    let ipco = child_boxes(file, iprp.payload.clone()).find(|b| &b.kind == b"ipco")?;
    let properties: Vec<BoxAt> = child_boxes(file, ipco.payload.clone()).collect();
    let mut quarter_turns_anticlockwise = 0u8;
    for ipma in child_boxes(file, iprp.payload.clone()).filter(|b| &b.kind == b"ipma") {
        for index in associations(file, &ipma, primary)? {
            let property = properties.get(usize::from(index).checked_sub(1)?)?;
            match &property.kind {
                b"irot" => quarter_turns_anticlockwise += file.get(property.payload.start)? & 0b11,
                b"imir" | b"clap" => return None,
                _ => {}
            }
        }
    }
    Some(match quarter_turns_anticlockwise % 4 {
        0 => Orientation::NoTransforms,
        1 => Orientation::Rotate270,
        2 => Orientation::Rotate180,
        _ => Orientation::Rotate90,
    })
}

fn primary_item(file: &[u8], pitm: &BoxAt) -> Option<u32> {
    let at = pitm.payload.start + 4;
    match file.get(pitm.payload.start)? {
        0 => Some(u32::from(u16::from_be_bytes(file.get(at..at + 2)?.try_into().ok()?))),
        _ => Some(u32::from_be_bytes(file.get(at..at + 4)?.try_into().ok()?)),
    }
}

/// The property indices (1-based into `ipco`) an `ipma` box associates with `item`, in order.
fn associations(file: &[u8], ipma: &BoxAt, item: u32) -> Option<Vec<u16>> {
    let payload = file.get(ipma.payload.clone())?;
    let (version, wide_indices) = (*payload.first()?, payload.get(3)? & 1 == 1);
    let mut reader = Reader { bytes: payload, at: 8 };
    let entries = u32::from_be_bytes(payload.get(4..8)?.try_into().ok()?);
    for _ in 0..entries {
        let id = if version < 1 { u32::from(reader.u16()?) } else { reader.u32()? };
        let count = reader.u8()?;
        let mut indices = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            // The top bit says whether the property is essential.
            indices.push(if wide_indices { reader.u16()? & 0x7FFF } else { u16::from(reader.u8()? & 0x7F) });
        }
        if id == item {
            return Some(indices);
        }
    }
    Some(Vec::new())
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let bytes = self.bytes.get(self.at..self.at.checked_add(N)?)?.try_into().ok()?;
        self.at += N;
        Some(bytes)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take::<1>().map(|[byte]| byte)
    }

    fn u16(&mut self) -> Option<u16> {
        self.take().map(u16::from_be_bytes)
    }

    fn u32(&mut self) -> Option<u32> {
        self.take().map(u32::from_be_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::heif_refs::boxed;

    /// A HEIF whose primary item 1 has `properties` (item 2 has an irot of its own).
    fn heif_with(properties: &[(&[u8; 4], u8)]) -> Vec<u8> {
        let mut ipco = boxed(b"ispe", &[0; 12]);
        ipco.extend(boxed(b"irot", &[1]));
        properties.iter().for_each(|(kind, value)| ipco.extend(boxed(kind, &[*value])));
        let mut ipma = vec![0, 0, 0, 0, 0, 0, 0, 2];
        ipma.extend_from_slice(&2u16.to_be_bytes());
        ipma.extend_from_slice(&[2, 0x81, 0x82]);
        ipma.extend_from_slice(&1u16.to_be_bytes());
        ipma.push(properties.len() as u8 + 1);
        ipma.push(0x81);
        (0..properties.len()).for_each(|i| ipma.push(0x83 + i as u8));
        let mut iprp = boxed(b"ipco", &ipco);
        iprp.extend(boxed(b"ipma", &ipma));
        let mut meta = vec![0, 0, 0, 0];
        meta.extend(boxed(b"pitm", &[0, 0, 0, 0, 0, 1]));
        meta.extend(boxed(b"iprp", &iprp));
        let mut file = boxed(b"ftyp", b"heic");
        file.extend(boxed(b"meta", &meta));
        file
    }

    #[test]
    fn the_primary_items_rotation_is_read_anticlockwise() {
        assert_eq!(primary_rotation(&heif_with(&[])), Some(Orientation::NoTransforms), "item 2's irot is not its");
        assert_eq!(primary_rotation(&heif_with(&[(b"irot", 1)])), Some(Orientation::Rotate270));
        assert_eq!(primary_rotation(&heif_with(&[(b"irot", 2)])), Some(Orientation::Rotate180));
        assert_eq!(primary_rotation(&heif_with(&[(b"irot", 3)])), Some(Orientation::Rotate90));
    }

    #[test]
    fn a_mirror_a_crop_or_broken_boxes_are_left_to_libheif() {
        assert_eq!(primary_rotation(&heif_with(&[(b"irot", 1), (b"imir", 0)])), None);
        assert_eq!(primary_rotation(&heif_with(&[(b"clap", 0)])), None);
        let file = heif_with(&[(b"irot", 1)]);
        for cut in (0..file.len()).step_by(7) {
            assert_eq!(primary_rotation(&file[..cut]), None, "cut at {cut}");
        }
    }
}
