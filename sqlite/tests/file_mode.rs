//! The database and the files SQLite creates beside it (`-wal`, `-shm`) are private (mode 0600)
//! whatever the umask: they hold SCIM data and the server's secrets.
//!
//! `std` cannot set the umask (and this crate has no libc), so the test re-runs this very test
//! binary under `sh -c 'umask 022; exec …'`: the child, marked by an environment variable, does
//! the work and checks the modes while the database is open (the `-wal` and `-shm` files are
//! removed when the last connection closes).

mod common;

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::TempDir;
use sso_scim_core::Workspace;
use sso_scim_sqlite::SqliteDirectory;

/// Set (to the database path) in the child process only.
const CHILD: &str = "SSO_SCIM_FILE_MODE_CHILD";

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).permissions().mode() & 0o777
}

fn beside(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

#[test]
fn database_wal_and_shm_are_private_under_umask_022() {
    let tmp = TempDir::new("file-mode");
    let db = tmp.db();
    let exe = std::env::current_exe().unwrap();
    let out = Command::new("sh")
        .arg("-c")
        .arg(r#"umask 022 && exec "$0" --exact umask_022_child --nocapture --test-threads=1"#)
        .arg(&exe)
        .env(CHILD, &db)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "child failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    // The child really ran (an unknown test name would also exit 0).
    assert!(stdout.contains("1 passed"), "the child test did not run:\n{stdout}");
    assert!(stdout.contains("child checked"), "the child test did not reach its checks:\n{stdout}");
    assert_eq!(mode(&db), 0o600, "after the child exited");
}

/// The child half of the test above; returns at once when run by the ordinary test harness.
#[test]
fn umask_022_child() {
    let Some(db) = std::env::var_os(CHILD).map(PathBuf::from) else { return };
    // A file SQLite's way would get 0644 here: the umask is really 022.
    let probe = db.with_extension("probe");
    std::fs::write(&probe, b"").unwrap();
    assert_eq!(mode(&probe), 0o644, "the parent did not set umask 022");
    std::fs::remove_file(&probe).unwrap();

    let store = SqliteDirectory::open(&db).unwrap();
    store.add_workspace(&Workspace::new("a", "A")).unwrap();
    store.secret("cookie-signing-key", 32).unwrap();
    // A reader connection too, as the server holds.
    assert_eq!(store.workspaces().unwrap().len(), 1);
    for path in [db.clone(), beside(&db, "-wal"), beside(&db, "-shm")] {
        assert!(path.exists(), "{} exists while the database is open", path.display());
        assert_eq!(mode(&path), 0o600, "{} is private", path.display());
    }
    drop(store);
    assert_eq!(mode(&db), 0o600);
    println!("child checked");
}

#[test]
fn an_existing_database_keeps_its_mode() {
    // Opening never changes permissions behind the operator's back: `serve` reports a
    // world-readable database instead (with the chmod to run).
    let tmp = TempDir::new("file-mode-existing");
    let db = tmp.db();
    drop(SqliteDirectory::open(&db).unwrap());
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o640)).unwrap();
    drop(SqliteDirectory::open(&db).unwrap());
    assert_eq!(mode(&db), 0o640);
}

#[test]
fn a_missing_directory_is_reported() {
    let tmp = TempDir::new("file-mode-missing");
    let err = SqliteDirectory::open(tmp.path().join("no/such/dir.db")).unwrap_err();
    assert!(err.to_string().contains("cannot create the database"), "{err}");
}
