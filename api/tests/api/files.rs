//! What picup leaves on disk is the owner's alone: the data folder, the SQLite database and the
//! embedded store's credentials (they were 0644, readable by every account on the machine).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use picup_common::config::ExposeSecret;

use crate::helpers::{Backends, TestApp, sample_photo};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).permissions().mode() & 0o777
}

#[tokio::test]
async fn the_family_data_and_the_secrets_are_readable_by_picup_alone() {
    // A data folder as an older picup, or an operator's mkdir, left it: readable by everyone.
    let backends = Backends::fresh().await;
    std::fs::set_permissions(backends.data_dir.path(), std::fs::Permissions::from_mode(0o755)).expect("0755");
    let app = TestApp::spawn_on(&backends, &[]).await;
    let admin = app.admin().await;
    let album = app.album(&admin, "Private").await;
    app.upload(&admin, &album, &sample_photo(), "image/jpeg").await;

    let config = &app.services.config;
    assert_eq!(mode(&config.data_dir), 0o700, "the data folder");
    assert_eq!(mode(&config.data_dir.join("embedded-s3-credentials")), 0o600, "the store's credentials");
    if let Some(database) = picup_common::private_files::sqlite_path(config.database_url.expose_secret()) {
        assert_eq!(mode(&database), 0o600, "the database");
        let wal = database.with_extension("db-wal");
        if wal.exists() {
            assert_eq!(mode(&wal), 0o600, "the database's write-ahead log");
        }
    }
    app.stop().await;
}
