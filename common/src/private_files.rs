//! Files that hold secrets or family data are the owner's alone: the data folder is 0700, and the
//! SQLite database (with its journal files) and the embedded store's credentials are 0600, on a
//! fresh install and on one made before this rule.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

const OWNER_ONLY_DIR: u32 = 0o700;
const OWNER_ONLY_FILE: u32 = 0o600;

/// Creates the folder (and its parents) if needed, and makes it the owner's alone.
pub fn private_dir(path: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(OWNER_ONLY_DIR))
}

/// Writes a file only its owner can read, replacing what was there.
pub fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut file = OpenOptions::new().write(true).create(true).truncate(true).mode(OWNER_ONLY_FILE).open(path)?;
    // `mode` applies only when the file is created; an older file is narrowed here.
    file.set_permissions(std::fs::Permissions::from_mode(OWNER_ONLY_FILE))?;
    file.write_all(contents)
}

/// Narrows an existing file to its owner; a missing one is fine.
pub fn make_private(path: &Path) -> std::io::Result<()> {
    match std::fs::set_permissions(path, std::fs::Permissions::from_mode(OWNER_ONLY_FILE)) {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// The file a `sqlite:` URL names, if it names one (not `:memory:`).
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && !path.starts_with(":memory:")).then(|| PathBuf::from(path))
}

/// Makes the SQLite database the owner's alone before SQLite opens it: SQLite gives its journal,
/// WAL and shared-memory files the database's own mode.
pub fn prepare_sqlite(database: &Path) -> std::io::Result<()> {
    if let Some(folder) = database.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)?;
    }
    OpenOptions::new().write(true).create(true).truncate(false).mode(OWNER_ONLY_FILE).open(database)?;
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = database.as_os_str().to_owned();
        name.push(suffix);
        make_private(Path::new(&name))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).expect("metadata").permissions().mode() & 0o777
    }

    #[test]
    fn secrets_and_the_database_are_the_owners_alone_even_when_made_before() {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        private_dir(&data).expect("data dir");
        assert_eq!(mode(&data), 0o700);

        let old = data.join("embedded-s3-credentials");
        std::fs::write(&old, "made by an older picup").expect("old file");
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).expect("0644");
        write_private(&old, b"id:secret\n").expect("rewrite");
        assert_eq!(mode(&old), 0o600);
        assert_eq!(std::fs::read_to_string(&old).expect("read"), "id:secret\n");

        let database = data.join("picup.db");
        let wal = data.join("picup.db-wal");
        std::fs::write(&wal, "").expect("wal");
        std::fs::set_permissions(&wal, std::fs::Permissions::from_mode(0o644)).expect("0644");
        prepare_sqlite(&database).expect("prepared");
        assert_eq!((mode(&database), mode(&wal)), (0o600, 0o600));
    }

    #[test]
    fn the_sqlite_file_is_read_from_its_url() {
        assert_eq!(sqlite_path("sqlite://./data/picup.db?mode=rwc"), Some(PathBuf::from("./data/picup.db")));
        assert_eq!(sqlite_path("sqlite:/var/picup.db"), Some(PathBuf::from("/var/picup.db")));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://db/picup"), None);
    }
}
