//! The JSON files of a Takeout: a media file's sidecar, or an album folder's `metadata.json`
//! (named in the account's language: `métadonnées.json`, `Metadaten.json`, ..., so they are told
//! apart by their content, not their name).
//!
//! A sidecar as Google writes it:
//!
//! ```json
//! {
//!   "title": "IMG_1234.jpg",
//!   "description": "",
//!   "imageViews": "2",
//!   "creationTime": { "timestamp": "1697872351", "formatted": "21 Oct 2023, 07:12:31 UTC" },
//!   "photoTakenTime": { "timestamp": "1696573800", "formatted": "6 Oct 2023, 06:30:00 UTC" },
//!   "geoData": { "latitude": 48.8583736, "longitude": 2.291901, "altitude": 82.09,
//!                "latitudeSpan": 0.0, "longitudeSpan": 0.0 },
//!   "geoDataExif": { ... },
//!   "url": "https://photos.google.com/photo/...",
//!   "googlePhotosOrigin": { "mobileUpload": { "deviceType": "ANDROID_PHONE" } },
//!   "trashed": true,
//!   "archived": true
//! }
//! ```
//!
//! and an album's: `{ "title": "Holidays", "description": "", "access": "protected",
//! "date": { "timestamp": ..., "formatted": ... } }` (older Takeouts wrap it in `"albumData"`).

use serde::Deserialize;

use crate::Gps;

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Json {
    title: Option<String>,
    description: Option<String>,
    photo_taken_time: Option<Time>,
    geo_data: Option<Geo>,
    geo_data_exif: Option<Geo>,
    trashed: Option<bool>,
    archived: Option<bool>,
    favorited: Option<bool>,
    url: Option<serde::de::IgnoredAny>,
    album_data: Option<Box<Json>>,
}

#[derive(Deserialize)]
struct Time {
    #[serde(default)]
    timestamp: Option<serde_json::Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Geo {
    latitude: f64,
    longitude: f64,
}

/// What a media file's sidecar says.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct MediaMeta {
    pub(crate) title: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) taken_at: Option<i64>,
    pub(crate) gps: Option<Gps>,
    pub(crate) trashed: bool,
    pub(crate) archived: bool,
    pub(crate) favorite: bool,
}

/// What an album folder's metadata says.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct AlbumMeta {
    pub(crate) title: Option<String>,
    pub(crate) description: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Parsed {
    Media(MediaMeta),
    Album(AlbumMeta),
    /// Valid JSON of another kind (Takeout's own files).
    Other,
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// Seconds since 1970; Google writes them as a string, and `"0"` when it does not know.
fn seconds(time: Option<Time>) -> Option<i64> {
    let seconds = match time?.timestamp? {
        serde_json::Value::String(s) => s.trim().parse().ok()?,
        serde_json::Value::Number(n) => n.as_i64()?,
        _ => return None,
    };
    (seconds != 0).then_some(seconds)
}

/// A place, unless it is Google's 0,0 for "none" (or not a place on Earth).
fn place(geo: Option<Geo>) -> Option<Gps> {
    let geo = geo?;
    let on_earth = geo.latitude.abs() <= 90.0 && geo.longitude.abs() <= 180.0;
    (on_earth && (geo.latitude != 0.0 || geo.longitude != 0.0))
        .then_some(Gps { latitude: geo.latitude, longitude: geo.longitude })
}

pub(crate) fn parse(bytes: &[u8]) -> Result<Parsed, serde_json::Error> {
    let json: Json = serde_json::from_slice(bytes)?;
    if let Some(album) = json.album_data {
        return Ok(Parsed::Album(AlbumMeta {
            title: non_empty(album.title),
            description: non_empty(album.description),
        }));
    }
    if json.photo_taken_time.is_some() || json.url.is_some() {
        // `geoData` is where Google has the photo (its own estimate or a place set by hand);
        // `geoDataExif` is what the file's EXIF said, used only when `geoData` has nothing.
        let gps = place(json.geo_data).or_else(|| place(json.geo_data_exif));
        return Ok(Parsed::Media(MediaMeta {
            title: non_empty(json.title),
            description: non_empty(json.description),
            taken_at: seconds(json.photo_taken_time),
            gps,
            trashed: json.trashed.unwrap_or(false),
            archived: json.archived.unwrap_or(false),
            favorite: json.favorited.unwrap_or(false),
        }));
    }
    if json.title.is_some() {
        return Ok(Parsed::Album(AlbumMeta { title: non_empty(json.title), description: non_empty(json.description) }));
    }
    Ok(Parsed::Other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sidecar_as_google_writes_it() {
        let json = r#"{
          "title": "DSC_0238.JPG",
          "description": "",
          "imageViews": "2",
          "creationTime": { "timestamp": "1697872351", "formatted": "21 oct. 2023, 07:12:31 UTC" },
          "photoTakenTime": { "timestamp": "1696573800", "formatted": "6 oct. 2023, 06:30:00 UTC" },
          "geoData": { "latitude": 48.8583736, "longitude": 2.291901, "altitude": 82.09, "latitudeSpan": 0.0, "longitudeSpan": 0.0 },
          "geoDataExif": { "latitude": 48.8583736, "longitude": 2.291901, "altitude": 82.09, "latitudeSpan": 0.0, "longitudeSpan": 0.0 },
          "url": "https://photos.google.com/photo/AF1Qip",
          "googlePhotosOrigin": { "fromPartnerSharing": {}, "deviceFolder": { "localFolderName": "" }, "deviceType": "ANDROID_PHONE" },
          "archived": true
        }"#;
        let Parsed::Media(meta) = parse(json.as_bytes()).expect("JSON") else { panic!("a media sidecar") };
        assert_eq!(meta.title.as_deref(), Some("DSC_0238.JPG"));
        assert_eq!(meta.description, None);
        assert_eq!(meta.taken_at, Some(1_696_573_800));
        assert_eq!(meta.gps, Some(Gps { latitude: 48.8583736, longitude: 2.291901 }));
        assert!(meta.archived && !meta.trashed && !meta.favorite);
    }

    #[test]
    fn zero_zero_is_no_place_and_zero_no_time() {
        let json = r#"{"title":"a.jpg","photoTakenTime":{"timestamp":"0","formatted":"1 Jan 1970, 00:00:00 UTC"},
          "geoData":{"latitude":0.0,"longitude":0.0,"altitude":0.0,"latitudeSpan":0.0,"longitudeSpan":0.0},
          "geoDataExif":{"latitude":0.0,"longitude":0.0,"altitude":0.0,"latitudeSpan":0.0,"longitudeSpan":0.0},
          "url":"https://photos.google.com/photo/x","trashed":true}"#;
        let Parsed::Media(meta) = parse(json.as_bytes()).expect("JSON") else { panic!("a media sidecar") };
        assert_eq!(meta.gps, None);
        assert_eq!(meta.taken_at, None);
        assert!(meta.trashed);
    }

    #[test]
    fn exif_place_when_google_has_none() {
        let json = r#"{"title":"a.jpg","photoTakenTime":{"timestamp":"1500000000"},
          "geoData":{"latitude":0.0,"longitude":0.0},"geoDataExif":{"latitude":-33.85,"longitude":151.2}}"#;
        let Parsed::Media(meta) = parse(json.as_bytes()).expect("JSON") else { panic!("a media sidecar") };
        assert_eq!(meta.gps, Some(Gps { latitude: -33.85, longitude: 151.2 }));
    }

    #[test]
    fn album_metadata_in_both_forms() {
        let json = r#"{"title":"Album test 6/10/23","description":"","access":"protected",
          "date":{"timestamp":"1697872351","formatted":"21 oct. 2023, 07:12:31 UTC"},"location":"",
          "geoData":{"latitude":0,"longitude":0,"altitude":0.0,"latitudeSpan":0.0,"longitudeSpan":0.0}}"#;
        assert_eq!(
            parse(json.as_bytes()).expect("JSON"),
            Parsed::Album(AlbumMeta { title: Some("Album test 6/10/23".into()), description: None })
        );
        let old = r#"{"albumData":{"title":"Summer","description":"At the lake","access":"protected"}}"#;
        assert_eq!(
            parse(old.as_bytes()).expect("JSON"),
            Parsed::Album(AlbumMeta { title: Some("Summer".into()), description: Some("At the lake".into()) })
        );
        assert_eq!(parse(br#"{"title":""}"#).expect("JSON"), Parsed::Album(AlbumMeta::default()));
        assert_eq!(parse(b"{not json").ok(), None);
        assert_eq!(parse(br#"{"subscriptions":[]}"#).expect("JSON"), Parsed::Other);
    }
}
