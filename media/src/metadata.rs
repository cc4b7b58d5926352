//! What a photo says about itself in EXIF: when it was taken, which camera, where.

use std::io::Cursor;

use exif::{Exif, In, Tag, Value};
use image::metadata::Orientation;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Metadata {
    /// Epoch milliseconds.
    pub taken_at: Option<i64>,
    pub camera_make: Option<String>,
    pub camera_model: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// An iPhone Live Photo's content identifier, shared with its movie.
    pub content_identifier: Option<String>,
}

/// A reader that keeps what it could read when part of the EXIF is broken (phones write empty
/// GPS blocks, cameras odd maker notes): one bad field must not lose the date and camera.
fn lenient() -> exif::Reader {
    let mut reader = exif::Reader::new();
    reader.continue_on_error(true);
    reader
}

fn keep_partial(result: Result<Exif, exif::Error>) -> Option<Exif> {
    result.or_else(|err| err.distill_partial_result(|errors| tracing::debug!(?errors, "partly broken EXIF"))).ok()
}

pub fn exif_from_container(bytes: &[u8]) -> Option<Exif> {
    keep_partial(lenient().read_from_container(&mut Cursor::new(bytes)))
}

/// The EXIF block of a HEIF image: libheif hands it over with a 4-byte offset in front.
pub fn heif_exif(handle: &libheif_rs::ImageHandle) -> Option<Exif> {
    let mut ids = [0; 4];
    let count = handle.metadata_block_ids(&mut ids, b"Exif");
    let block = handle.metadata(*ids.get(..count)?.first()?).ok()?;
    let offset = u32::from_be_bytes(block.get(..4)?.try_into().ok()?) as usize;
    keep_partial(lenient().read_raw(block.get(4 + offset..)?.to_vec()))
}

/// EXIF orientation 1-8; 0, missing or nonsense mean "as stored".
pub fn orientation(exif: &Exif) -> Orientation {
    exif.get_field(Tag::Orientation, In::PRIMARY)
        .and_then(|field| field.value.get_uint(0))
        .and_then(|value| u8::try_from(value).ok())
        .and_then(Orientation::from_exif)
        .unwrap_or(Orientation::NoTransforms)
}

pub fn read(exif: &Exif) -> Metadata {
    Metadata {
        taken_at: taken_at(exif),
        camera_make: text(exif, Tag::Make),
        camera_model: text(exif, Tag::Model),
        latitude: coordinate(exif, Tag::GPSLatitude, Tag::GPSLatitudeRef, b'S'),
        longitude: coordinate(exif, Tag::GPSLongitude, Tag::GPSLongitudeRef, b'W'),
        content_identifier: match &exif.get_field(Tag::MakerNote, In::PRIMARY).map(|field| &field.value) {
            Some(Value::Undefined(note, _)) => crate::motion::apple_content_identifier(note),
            _ => None,
        },
    }
}

fn text(exif: &Exif, tag: Tag) -> Option<String> {
    match &exif.get_field(tag, In::PRIMARY)?.value {
        Value::Ascii(parts) => {
            let text = String::from_utf8_lossy(parts.first()?)
                .trim_matches(|c: char| c == '\0' || c.is_whitespace())
                .to_owned();
            (!text.is_empty()).then_some(text)
        }
        _ => None,
    }
}

/// DateTimeOriginal (or DateTimeDigitized, DateTime) with OffsetTimeOriginal when present;
/// without an offset the camera's clock is taken as UTC.
fn taken_at(exif: &Exif) -> Option<i64> {
    let (stamp, offset_tag) = [
        (Tag::DateTimeOriginal, Tag::OffsetTimeOriginal),
        (Tag::DateTimeDigitized, Tag::OffsetTimeDigitized),
        (Tag::DateTime, Tag::OffsetTime),
    ]
    .into_iter()
    .find_map(|(tag, offset)| text(exif, tag).map(|stamp| (stamp, offset)))?;
    let offset_minutes = text(exif, offset_tag).and_then(|o| parse_offset(&o)).unwrap_or(0);
    parse_exif_time(&stamp).map(|local| local - offset_minutes * 60_000)
}

/// "YYYY:MM:DD HH:MM:SS" as epoch milliseconds, read as UTC.
pub fn parse_exif_time(stamp: &str) -> Option<i64> {
    let bytes = stamp.as_bytes();
    if bytes.len() < 19 {
        return None;
    }
    let number = |range: std::ops::Range<usize>| stamp.get(range)?.parse::<i64>().ok();
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if year < 1800 || !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60
    {
        return None;
    }
    Some(((days_from_civil(year, month, day) * 24 + hour) * 60 + minute) * 60_000 + second * 1000)
}

/// "+09:00" or "-05:30" as minutes east of UTC.
fn parse_offset(offset: &str) -> Option<i64> {
    let sign = match offset.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (hours, minutes) = offset.get(1..)?.split_once(':')?;
    Some(sign * (hours.parse::<i64>().ok()? * 60 + minutes.parse::<i64>().ok()?))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn coordinate(exif: &Exif, tag: Tag, reference: Tag, negative: u8) -> Option<f64> {
    let Value::Rational(parts) = &exif.get_field(tag, In::PRIMARY)?.value else { return None };
    if parts.len() < 3 || parts.iter().any(|p| p.denom == 0) {
        return None;
    }
    let degrees = parts[0].to_f64() + parts[1].to_f64() / 60.0 + parts[2].to_f64() / 3600.0;
    let sign = match &exif.get_field(reference, In::PRIMARY)?.value {
        Value::Ascii(refs) if refs.first().and_then(|r| r.first()) == Some(&negative) => -1.0,
        _ => 1.0,
    };
    Some(sign * degrees)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exif_times_become_utc_milliseconds() {
        assert_eq!(parse_exif_time("1970:01:01 00:00:00"), Some(0));
        assert_eq!(parse_exif_time("2019:07:14 09:30:05"), Some(1_563_096_605_000));
        assert_eq!(parse_exif_time("0000:00:00 00:00:00"), None, "cameras without a clock write zeros");
        assert_eq!(parse_exif_time("garbage"), None);
        assert_eq!(parse_offset("+09:00"), Some(540));
        assert_eq!(parse_offset("-05:30"), Some(-330));
    }
}
