//! Fixture Takeouts, written as Google writes them: media files from the repository's test data
//! (each made distinct by trailing bytes after its end), JSON sidecars of Google's shape, album
//! metadata, Takeout's own files; unpacked in a folder, or zipped and split across zips.

use std::io::Write;
use std::path::{Path, PathBuf};

use zip::write::SimpleFileOptions;

fn testdata(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/robustness").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A real JPEG, with `extra` bytes after its end so that each one is a different file.
pub fn jpeg(extra: usize) -> Vec<u8> {
    let mut bytes = testdata("androidx-ss-motion-photo-shortened.jpg");
    bytes.extend(std::iter::repeat_n(0x5a, extra));
    bytes
}

pub fn heic(extra: usize) -> Vec<u8> {
    let mut bytes = testdata("fq-rainbow-451x461.heic");
    bytes.extend(std::iter::repeat_n(0, extra));
    bytes
}

pub fn mp4(extra: usize) -> Vec<u8> {
    let mut bytes = testdata("androidx-sample_with_av1c.mp4");
    bytes.extend(std::iter::repeat_n(0, extra));
    bytes
}

/// "6 Oct 2023, 06:30:00 UTC", as Google formats `formatted` (English account).
fn formatted(seconds: i64) -> String {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    // Civil date from days since 1970 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{day} {} {year}, {:02}:{:02}:{:02} UTC",
        MONTHS[usize::try_from(month - 1).unwrap_or(0)],
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// What a sidecar says; Google's shape is written around it.
#[derive(Clone, Default)]
pub struct Meta {
    pub title: String,
    pub taken: i64,
    pub place: Option<(f64, f64)>,
    pub trashed: bool,
    pub archived: bool,
    pub description: String,
}

impl Meta {
    pub fn new(title: &str, taken: i64) -> Self {
        Meta { title: title.to_owned(), taken, ..Meta::default() }
    }

    pub fn at(mut self, latitude: f64, longitude: f64) -> Self {
        self.place = Some((latitude, longitude));
        self
    }

    pub fn trashed(mut self) -> Self {
        self.trashed = true;
        self
    }

    pub fn archived(mut self) -> Self {
        self.archived = true;
        self
    }

    /// The sidecar's JSON, field for field as in a 2024 Takeout.
    pub fn json(&self) -> String {
        let (latitude, longitude) = self.place.unwrap_or((0.0, 0.0));
        let geo = format!(
            "{{\n    \"latitude\": {latitude:?},\n    \"longitude\": {longitude:?},\n    \"altitude\": 0.0,\n    \"latitudeSpan\": 0.0,\n    \"longitudeSpan\": 0.0\n  }}"
        );
        let created = self.taken + 3600;
        let mut json = format!(
            r#"{{
  "title": {title},
  "description": {description},
  "imageViews": "4",
  "creationTime": {{
    "timestamp": "{created}",
    "formatted": "{created_formatted}"
  }},
  "photoTakenTime": {{
    "timestamp": "{taken}",
    "formatted": "{taken_formatted}"
  }},
  "geoData": {geo},
  "geoDataExif": {geo},
  "url": "https://photos.google.com/photo/AF1QipN{taken}",
  "googlePhotosOrigin": {{
    "mobileUpload": {{
      "deviceFolder": {{
        "localFolderName": ""
      }},
      "deviceType": "ANDROID_PHONE"
    }}
  }}"#,
            title = serde_json::to_string(&self.title).unwrap_or_default(),
            description = serde_json::to_string(&self.description).unwrap_or_default(),
            created_formatted = formatted(created),
            taken = self.taken,
            taken_formatted = formatted(self.taken),
        );
        if self.trashed {
            json.push_str(",\n  \"trashed\": true");
        }
        if self.archived {
            json.push_str(",\n  \"archived\": true");
        }
        json.push_str("\n}");
        json
    }
}

/// An album folder's `metadata.json` (named in the account's language).
pub fn album_json(title: &str) -> String {
    format!(
        r#"{{
  "title": {},
  "description": "",
  "access": "protected",
  "date": {{
    "timestamp": "1697872351",
    "formatted": "21 Oct 2023, 07:12:31 UTC"
  }}
}}"#,
        serde_json::to_string(title).unwrap_or_default()
    )
}

/// A Takeout's files, by their path in the zips (`Takeout/Google Photos/...`).
#[derive(Default)]
pub struct Takeout {
    pub files: Vec<(String, Vec<u8>)>,
}

pub const PHOTOS: &str = "Takeout/Google Photos";

impl Takeout {
    /// A file under `Takeout/Google Photos/`.
    pub fn add(&mut self, path: &str, bytes: impl Into<Vec<u8>>) -> &mut Self {
        self.files.push((format!("{PHOTOS}/{path}"), bytes.into()));
        self
    }

    /// A file anywhere in the Takeout.
    pub fn add_raw(&mut self, path: &str, bytes: impl Into<Vec<u8>>) -> &mut Self {
        self.files.push((path.to_owned(), bytes.into()));
        self
    }

    /// Unpacked in `dir`; returns the folder to give to `scan` (the one holding `Takeout`).
    pub fn unpack(&self, dir: &Path) -> PathBuf {
        for (path, bytes) in &self.files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("folders");
            std::fs::write(&path, bytes).expect("a fixture file");
        }
        dir.to_owned()
    }

    /// Zipped as Google does, `takeout-…-001.zip`, `-002.zip`, ...: `part` says in which (from 1)
    /// each file goes. Media are deflated like everything else.
    pub fn zip(&self, dir: &Path, parts: usize, part: impl Fn(&str) -> usize) -> Vec<PathBuf> {
        (1..=parts)
            .map(|number| {
                let path = dir.join(format!("takeout-20231201T101010Z-{number:03}.zip"));
                let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).expect("a zip"));
                let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
                for (name, bytes) in self.files.iter().filter(|(name, _)| part(name) == number) {
                    zip.start_file(name.as_str(), options).expect("a member");
                    zip.write_all(bytes).expect("its bytes");
                }
                zip.finish().expect("the central directory");
                path
            })
            .collect()
    }
}

/// Google cuts a sidecar's name to 51 characters: the name before `.json` to 46.
pub fn cut46(name: &str) -> String {
    name.chars().take(46).collect()
}
