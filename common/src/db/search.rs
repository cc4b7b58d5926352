//! Search over what a person may see: album titles, file names, cameras and comments, by parts of
//! words as people type them (Korean and English), plus dates and places. Substring matching goes
//! through trigram indexes: pg_trgm on PostgreSQL, FTS5's trigram tokenizer on SQLite (both fall
//! back to scanning the person's own rows for words shorter than three characters, like "제주").

use super::access::may_see_album;
use super::media::{MEDIA_COLUMNS, Media};
use super::{Backend, Db, DbResult, MediaCursor};
use crate::id::{AlbumId, MediaId, UserId};

#[derive(Clone, Debug, Default)]
pub struct SearchQuery {
    /// Every word must match somewhere: a title, a file name, a camera, a comment, or (for a
    /// word that names a year or a month) the date the photo was taken.
    pub words: Vec<SearchWord>,
    /// Taken at or after / before (epoch ms).
    pub taken_from: Option<i64>,
    pub taken_until: Option<i64>,
    pub camera: Option<String>,
    /// (south, west, north, east) in degrees.
    pub area: Option<(f64, f64, f64, f64)>,
}

#[derive(Clone, Debug)]
pub struct SearchWord {
    /// Lower-cased.
    pub text: String,
    /// The period the word names (`2019`, `2019-07`), as [from, until) epoch ms.
    pub period: Option<(i64, i64)>,
}

/// A `LIKE` pattern matching `word` anywhere, with LIKE's own wildcards escaped.
fn contains_pattern(word: &str) -> String {
    let escaped = word.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

enum Bind {
    Int(i64),
    Float(f64),
    Text(String),
}

/// SQL text and its parameters, numbered as they are added.
struct Sql {
    text: String,
    binds: Vec<Bind>,
}

impl Sql {
    fn param(&mut self, bind: Bind) -> String {
        self.binds.push(bind);
        format!("${}", self.binds.len())
    }

    fn query_as<'q, O>(self) -> sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments>
    where
        O: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        // The text is built here from fixed fragments; every value the user gave is a parameter.
        let mut statement = sqlx::query_as::<_, O>(sqlx::AssertSqlSafe(self.text));
        for bind in self.binds {
            statement = match bind {
                Bind::Int(value) => statement.bind(value),
                Bind::Float(value) => statement.bind(value),
                Bind::Text(value) => statement.bind(value),
            };
        }
        statement
    }
}

impl Db {
    /// Media the user may see that match, newest taken first, after the cursor.
    pub async fn search_media(
        &self,
        user_id: UserId,
        query: &SearchQuery,
        after: Option<MediaCursor>,
        limit: i64,
    ) -> DbResult<Vec<Media>> {
        let after = after.unwrap_or(MediaCursor { taken_at: i64::MAX, id: MediaId::new(i64::MAX) });
        let mut sql = Sql { text: String::new(), binds: Vec::new() };
        let user = sql.param(Bind::Int(user_id.get()));
        let taken = sql.param(Bind::Int(after.taken_at));
        let id = sql.param(Bind::Int(after.id.get()));
        sql.text = format!(
            "SELECT {MEDIA_COLUMNS} FROM media m JOIN albums a ON a.id = m.album_id \
             WHERE m.deleted_at IS NULL AND m.live_photo_of IS NULL AND {may_see} AND (m.taken_at, m.id) < ({taken}, {id})",
            may_see = may_see_album("a", &user)
        );
        for word in &query.words {
            let condition = self.word_condition(&mut sql, word);
            sql.text.push_str(&format!(" AND ({condition})"));
        }
        if let Some(from) = query.taken_from {
            let from = sql.param(Bind::Int(from));
            sql.text.push_str(&format!(" AND m.taken_at >= {from}"));
        }
        if let Some(until) = query.taken_until {
            let until = sql.param(Bind::Int(until));
            sql.text.push_str(&format!(" AND m.taken_at < {until}"));
        }
        if let Some(camera) = &query.camera {
            let pattern = sql.param(Bind::Text(contains_pattern(&camera.to_lowercase())));
            sql.text.push_str(&format!(
                " AND LOWER(COALESCE(m.camera_make, '') || ' ' || COALESCE(m.camera_model, '')) LIKE {pattern} ESCAPE '\\'"
            ));
        }
        if let Some((south, west, north, east)) = query.area {
            let [south, west, north, east] = [south, west, north, east].map(|v| sql.param(Bind::Float(v)));
            sql.text.push_str(&format!(
                " AND m.latitude BETWEEN {south} AND {north} AND m.longitude BETWEEN {west} AND {east}"
            ));
        }
        let limit = sql.param(Bind::Int(limit));
        sql.text.push_str(&format!(" ORDER BY m.taken_at DESC, m.id DESC LIMIT {limit}"));
        Ok(sql.query_as::<Media>().fetch_all(self.pool()).await?)
    }

    /// The albums the user may see whose title holds every word.
    pub async fn search_albums(
        &self,
        user_id: UserId,
        words: &[SearchWord],
        limit: i64,
    ) -> DbResult<Vec<(AlbumId, String)>> {
        if words.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql { text: String::new(), binds: Vec::new() };
        let user = sql.param(Bind::Int(user_id.get()));
        sql.text = format!("SELECT a.id, a.title FROM albums a WHERE {may_see}", may_see = may_see_album("a", &user));
        for word in words {
            let pattern = sql.param(Bind::Text(contains_pattern(&word.text)));
            sql.text.push_str(&format!(" AND LOWER(a.title) LIKE {pattern} ESCAPE '\\'"));
        }
        let limit = sql.param(Bind::Int(limit));
        sql.text.push_str(&format!(" ORDER BY a.id DESC LIMIT {limit}"));
        Ok(sql.query_as::<(AlbumId, String)>().fetch_all(self.pool()).await?)
    }

    /// Where one word may match, for this backend's trigram index.
    fn word_condition(&self, sql: &mut Sql, word: &SearchWord) -> String {
        let pattern = sql.param(Bind::Text(contains_pattern(&word.text)));
        let like = format!("LIKE {pattern} ESCAPE '\\'");
        let mut alternatives = match self.backend {
            Backend::Postgres => vec![
                format!("LOWER(m.filename) {like}"),
                format!("LOWER(a.title) {like}"),
                format!("LOWER(COALESCE(m.camera_make, '') || ' ' || COALESCE(m.camera_model, '')) {like}"),
                format!("EXISTS (SELECT 1 FROM comments c WHERE c.media_id = m.id AND LOWER(c.body) {like})"),
            ],
            Backend::Sqlite => vec![
                format!("m.id IN (SELECT rowid FROM media_search WHERE body {like})"),
                format!("a.id IN (SELECT rowid FROM album_search WHERE body {like})"),
                format!(
                    "EXISTS (SELECT 1 FROM comments c WHERE c.media_id = m.id \
                     AND c.id IN (SELECT rowid FROM comment_search WHERE body {like}))"
                ),
            ],
        };
        if let Some((from, until)) = word.period {
            let from = sql.param(Bind::Int(from));
            let until = sql.param(Bind::Int(until));
            alternatives.push(format!("(m.taken_at >= {from} AND m.taken_at < {until})"));
        }
        alternatives.join(" OR ")
    }
}
