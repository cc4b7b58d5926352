//! The database: one sqlx `Any` pool whose queries run unchanged on PostgreSQL and SQLite.
//!
//! SQL lives here, not in handlers. Times are epoch milliseconds and flags are integers so that
//! the same statements decode the same way on both backends.

mod access;
mod albums;
mod feed;
mod imports;
mod invites;
mod maintenance;
mod media;
mod memories;
mod outbox;
mod search;
mod sessions;
mod share_links;
mod sign_in;
mod social;
pub mod uploads;
mod users;

use std::sync::Arc;
use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::{Any, AnyPool, Transaction};
use tokio::sync::Notify;

use crate::id::IdGenerator;

pub use access::{MediaAccess, Refusal, Role, may_delete_or_rename};
pub use albums::{Album, AlbumAccess};
pub use feed::{ActivityKind, FANOUT_MEMBER_LIMIT, FeedCursor, FeedItem};
pub use invites::{Invite, InvitePreview};
pub use maintenance::QuotaAudit;
pub use media::{
    Media, MediaCursor, MediaKind, MediaStatus, MetadataHints, NewMedia, PageRow, ProcessedMedia, QuarterTurns,
    Recorded,
};
pub use memories::{MEMORIES_LIMIT, ON_THIS_DAY, OnThisDay};
pub use outbox::OutboxEvent;
pub use search::{SearchQuery, SearchWord};
pub use sessions::{SessionId, SessionRow, SignedIn};
pub use share_links::{NewShareLink, ShareLink};
pub use sign_in::{CeremonyPurpose, OidcIdentity, PasskeyRow, SignInLink, SignInMethod};
pub use social::{Comment, Person};
pub use uploads::{NewUpload, Upload};
pub use users::{NewUser, User};

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("not found")]
    NotFound,
    #[error("already exists")]
    Conflict,
    #[error("database: {0}")]
    Sqlx(sqlx::Error),
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl DbError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, DbError::NotFound)
    }

    /// The database is down or overloaded, as opposed to refusing the statement: a 503.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, DbError::Sqlx(sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed))
    }
}

impl From<sqlx::Error> for DbError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::RowNotFound => DbError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => DbError::Conflict,
            _ => DbError::Sqlx(err),
        }
    }
}

pub type DbResult<T> = Result<T, DbError>;

/// A text column held a value this version does not know (a row written by a newer one).
#[derive(Debug, thiserror::Error)]
#[error("unknown value {0:?}")]
pub struct UnknownValue(pub String);

/// A flag column: an integer 0 or 1, which both databases decode the same way; rows read it as
/// a `bool` with `#[sqlx(try_from = "Flag")]`.
#[derive(sqlx::Type)]
#[sqlx(transparent)]
pub(crate) struct Flag(i64);

impl From<Flag> for bool {
    fn from(flag: Flag) -> bool {
        flag.0 != 0
    }
}
pub type Tx = Transaction<'static, Any>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    ids: Arc<IdGenerator>,
    /// Signalled after every commit that recorded an activity (see `commit_activity`).
    activity_recorded: Arc<Notify>,
    sessions: Arc<sessions::SessionMemory>,
}

static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");
static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");

impl Db {
    /// Connects without migrating. The scheme picks the backend; config validation has already
    /// refused any other scheme.
    pub async fn connect(url: &str) -> DbResult<Self> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") { Backend::Sqlite } else { Backend::Postgres };
        let options = AnyPoolOptions::new();
        let options = match backend {
            // A database server that is down must make requests fail fast (503), not queue them.
            Backend::Postgres => options.max_connections(16).acquire_timeout(Duration::from_secs(3)),
            // SQLite has one writer; a few readers are enough for a family. Its file does not go
            // down, so a burst (a whole family liking a photo) waits its turn like the busy timeout.
            Backend::Sqlite => {
                options.max_connections(4).acquire_timeout(Duration::from_secs(15)).after_connect(|conn, _| {
                    Box::pin(async move {
                        sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await?;
                        sqlx::query("PRAGMA busy_timeout = 15000").execute(&mut *conn).await?;
                        Ok(())
                    })
                })
            }
        };
        if let Some(file) = crate::private_files::sqlite_path(url) {
            crate::private_files::prepare_sqlite(&file).map_err(|e| DbError::Sqlx(sqlx::Error::Io(e)))?;
        }
        let pool = options.connect(url).await?;
        Ok(Db {
            pool,
            backend,
            ids: Arc::new(IdGenerator::new()),
            activity_recorded: Arc::default(),
            sessions: Arc::default(),
        })
    }

    pub async fn migrate(&self) -> DbResult<()> {
        match self.backend {
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn next_id(&self) -> i64 {
        self.ids.next_id()
    }

    /// A write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`), so two
    /// transactions never deadlock upgrading a read lock; the busy timeout makes the second wait.
    pub async fn begin(&self) -> DbResult<Tx> {
        Ok(match self.backend {
            Backend::Postgres => self.pool.begin().await?,
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
        })
    }

    /// Commits a transaction that recorded an activity (a like, a comment, new photos, a new
    /// member) and wakes the fan-out, so feeds and bells hear of it now rather than at its next
    /// idle check. Every such write goes through here, so no caller has to remember the signal.
    pub async fn commit_activity(&self, tx: Tx) -> DbResult<()> {
        tx.commit().await?;
        self.activity_recorded.notify_one();
        Ok(())
    }

    /// Resolves when an activity was committed since the last call (see `commit_activity`).
    pub async fn activity_recorded(&self) {
        self.activity_recorded.notified().await;
    }

    pub async fn ping(&self) -> DbResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }
}
