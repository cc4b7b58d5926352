//! A whole album (or a choice of its photos) as one ZIP, written as it is read from the store:
//! each original passes through a small buffer into the answer, so memory stays the same
//! whatever the album's size, and nothing is copied to disk. Photos are stored as they are
//! (they are compressed already), under unique names, dated when they were taken.

use std::collections::HashSet;

use async_zip::base::write::ZipFileWriter;
use async_zip::{Compression, ZipDateTimeBuilder, ZipEntryBuilder};
use axum::body::Body;
use picup_common::db::Media;
use picup_common::services::Services;
use std::sync::Arc;
use tokio_util::compat::TokioAsyncReadCompatExt;
use tokio_util::io::ReaderStream;

use crate::views::civil_from_days;

/// What sits between reading the store and sending the answer.
const BUFFER_BYTES: usize = 256 * 1024;

/// The ZIP of `media` as a response body. A photo the store cannot give ends the answer early
/// (the browser then says the download failed) and is logged.
pub fn stream(services: Arc<Services>, media: Vec<Media>) -> Body {
    let (writer, reader) = tokio::io::duplex(BUFFER_BYTES);
    tokio::spawn(async move {
        if let Err(err) = write(&services, media, writer).await {
            tracing::warn!(error = %err, "an album's ZIP ended early");
        }
    });
    Body::from_stream(ReaderStream::new(reader))
}

async fn write(services: &Services, media: Vec<Media>, writer: tokio::io::DuplexStream) -> anyhow::Result<()> {
    let mut zip = ZipFileWriter::with_tokio(writer);
    let mut names = UniqueNames::default();
    for item in media {
        let entry = ZipEntryBuilder::new(names.unique(&item.filename).into(), Compression::Stored)
            .last_modification_date(zip_date(item.taken_at))
            .unix_permissions(0o644);
        let mut entry_writer = zip.write_entry_stream(entry).await?;
        let original = services.storage.reader(&item.object_key).await?;
        futures::io::copy(original.compat(), &mut entry_writer).await?;
        entry_writer.close().await?;
    }
    zip.close().await?;
    Ok(())
}

/// A ZIP's date: its fields are read as local time, so the taken time's own fields are given.
fn zip_date(taken_at: i64) -> async_zip::ZipDateTime {
    let (year, month, day) = civil_from_days(taken_at.div_euclid(86_400_000));
    let seconds_of_day = u32::try_from(taken_at.rem_euclid(86_400_000) / 1000).unwrap_or(0);
    ZipDateTimeBuilder::new()
        .year(i32::try_from(year.clamp(1980, 2107)).unwrap_or(1980))
        .month(month)
        .day(day)
        .hour(seconds_of_day / 3600)
        .minute(seconds_of_day / 60 % 60)
        .second(seconds_of_day % 60)
        .build()
}

/// Names as a folder of files needs them: no folders, nothing hidden, none twice ("IMG_1.jpg",
/// "IMG_1 (2).jpg").
#[derive(Default)]
struct UniqueNames {
    taken: HashSet<String>,
}

impl UniqueNames {
    fn unique(&mut self, filename: &str) -> String {
        let plain: String =
            filename.chars().map(|c| if matches!(c, '/' | '\\' | ':' | '\0') { '_' } else { c }).collect();
        let plain = plain.trim().trim_start_matches('.').to_owned();
        let plain = if plain.is_empty() { "photo".to_owned() } else { plain };
        let (stem, extension) = match plain.rsplit_once('.') {
            Some((stem, extension)) if !stem.is_empty() => (stem.to_owned(), format!(".{extension}")),
            _ => (plain.clone(), String::new()),
        };
        let mut name = plain;
        let mut copy = 1;
        while !self.taken.insert(name.to_lowercase()) {
            copy += 1;
            name = format!("{stem} ({copy}){extension}");
        }
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_flat_and_visible() {
        let mut names = UniqueNames::default();
        let given: Vec<String> =
            ["IMG_1.jpg", "IMG_1.jpg", "img_1.JPG", "../../etc/passwd", ".hidden", "", "제주.heic"]
                .iter()
                .map(|name| names.unique(name))
                .collect();
        assert_eq!(
            given,
            ["IMG_1.jpg", "IMG_1 (2).jpg", "img_1 (3).JPG", "_.._etc_passwd", "hidden", "photo", "제주.heic"]
        );
    }
}
