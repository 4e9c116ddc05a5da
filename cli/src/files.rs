//! Checks that the files holding secrets are private to their owner.
//!
//! The database holds SCIM data, token hashes and (unless keys come from elsewhere) the
//! cookie-signing key, which lets whoever reads it forge a signed-in session. New databases
//! are created 0600 (`SqliteDirectory::open`), and SQLite gives `-wal`, `-shm` and `-journal`
//! the main file's mode; a database created by an earlier build, under umask 022, is 0644.
//! `serve` refuses to start on such a file and prints the `chmod` that fixes it, rather than
//! changing permissions itself: the operator may have meant a group to read it (a backup
//! user, say) and should decide, knowingly, what to do instead.

// Until `serve` calls `check_private` (being wired in alongside), only keys.rs and the tests
// use this module.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

/// Permission bits for anyone but the owner.
const NOT_OWNER: u32 = 0o077;

/// The files SQLite keeps beside a database: the WAL, its shared-memory index, and the
/// rollback journal (used while migrating, before WAL mode is on, or left by a crash).
const COMPANIONS: [&str; 3] = ["-wal", "-shm", "-journal"];

/// `Ok` when the database at `db` and every `-wal`, `-shm` or `-journal` file beside it that
/// exists are readable and writable by their owner only (no group or other permission bit).
///
/// A missing database is fine: opening it creates it 0600. Otherwise the error names each
/// offending file with its mode in octal and ends with the command that fixes them all
/// (`chmod 600 …`), e.g. for a database created before files were made private.
pub fn check_private(db: &Path) -> Result<(), String> {
    let mut paths = vec![db.to_owned()];
    paths.extend(COMPANIONS.iter().map(|suffix| beside(db, suffix)));
    let mut open = Vec::new();
    for path in paths {
        match mode(&path) {
            Ok(None) => {}
            Ok(Some(mode)) if mode & NOT_OWNER == 0 => {}
            Ok(Some(mode)) => open.push((path, mode)),
            Err(e) => return Err(e),
        }
    }
    if open.is_empty() {
        return Ok(());
    }
    Err(format!(
        "{} readable or writable by other users: {}; {} SCIM data and server secrets. Fix: chmod 600 {}",
        if open.len() == 1 { "database file" } else { "database files" },
        listing(&open),
        if open.len() == 1 { "it holds" } else { "they hold" },
        shell_words(open.iter().map(|(p, _)| p.as_path())),
    ))
}

/// `Ok` when the key file at `path` exists and has no group or other permission bit; the
/// error names the file, its mode in octal, and the `chmod 600` that fixes it. A key anyone
/// on the machine can read lets them forge sessions, so it is refused rather than used.
pub fn check_private_key_file(path: &Path) -> Result<(), String> {
    match mode(path)? {
        None => Err(format!("the key file {} does not exist", path.display())),
        Some(mode) if mode & NOT_OWNER == 0 => Ok(()),
        Some(mode) => Err(format!(
            "key file readable or writable by other users: {}; it signs sessions. Fix: chmod 600 {}",
            listing(&[(path.to_owned(), mode)]),
            shell_words([path]),
        )),
    }
}

/// `db` with `suffix` appended to its file name, as SQLite names its companion files.
fn beside(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The permission bits of the file at `path` (following symbolic links: the target is what
/// others can read), or `None` when there is no such file.
fn mode(path: &Path) -> Result<Option<u32>, String> {
    match std::fs::metadata(path) {
        Ok(meta) => Ok(Some(meta.permissions().mode() & 0o7777)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// `a (mode 0644), b (mode 0640)`.
fn listing(files: &[(PathBuf, u32)]) -> String {
    files.iter().map(|(p, m)| format!("{} (mode {m:04o})", p.display())).collect::<Vec<_>>().join(", ")
}

/// The paths as words a POSIX shell reads back unchanged, so the printed fix can be pasted
/// as is even when a path holds spaces or quotes.
fn shell_words<'a>(paths: impl IntoIterator<Item = &'a Path>) -> String {
    paths.into_iter().map(|p| shell_quote(&p.to_string_lossy())).collect::<Vec<_>>().join(" ")
}

fn shell_quote(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+,:@%=".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    struct Temp(PathBuf);

    impl Temp {
        fn new(tag: &str) -> Temp {
            let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
            let dir = std::env::temp_dir().join(format!("sso-scim-files-{tag}-{}-{nanos}", std::process::id()));
            fs::create_dir_all(&dir).unwrap();
            Temp(dir)
        }

        fn file(&self, name: &str, mode: u32) -> PathBuf {
            let path = self.0.join(name);
            fs::write(&path, b"x").unwrap();
            fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
            path
        }
    }

    impl Drop for Temp {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn a_private_or_missing_database_passes() {
        let t = Temp::new("ok");
        assert_eq!(check_private(&t.0.join("missing.db")), Ok(()));
        let db = t.file("a.db", 0o600);
        t.file("a.db-wal", 0o600);
        t.file("a.db-shm", 0o600);
        assert_eq!(check_private(&db), Ok(()));
        // Owner-only bits beyond rw do not matter.
        let db = t.file("b.db", 0o700);
        assert_eq!(check_private(&db), Ok(()));
    }

    #[test]
    fn a_readable_database_is_named_with_its_mode_and_the_fix() {
        let t = Temp::new("open");
        let db = t.file("a.db", 0o644);
        let err = check_private(&db).unwrap_err();
        let shown = db.display().to_string();
        assert!(err.contains(&format!("{shown} (mode 0644)")), "{err}");
        assert!(err.ends_with(&format!("Fix: chmod 600 {shown}")), "{err}");
    }

    #[test]
    fn every_readable_companion_is_named() {
        let t = Temp::new("companions");
        let db = t.file("a.db", 0o600);
        let wal = t.file("a.db-wal", 0o640);
        let shm = t.file("a.db-shm", 0o604);
        let err = check_private(&db).unwrap_err();
        let (wal, shm) = (wal.display().to_string(), shm.display().to_string());
        assert!(err.contains(&format!("{wal} (mode 0640)")), "{err}");
        assert!(err.contains(&format!("{shm} (mode 0604)")), "{err}");
        assert!(!err.contains("a.db (mode"), "the private main file is not listed: {err}");
        assert!(err.ends_with(&format!("Fix: chmod 600 {wal} {shm}")), "{err}");
        // Group-write alone counts too.
        let db = t.file("b.db", 0o620);
        assert!(check_private(&db).unwrap_err().contains("(mode 0620)"));
    }

    #[test]
    fn the_fix_quotes_paths_for_the_shell() {
        let t = Temp::new("quote");
        let db = t.file("it's mine.db", 0o644);
        let err = check_private(&db).unwrap_err();
        let quoted = format!("'{}'", db.display().to_string().replace('\'', r"'\''"));
        assert!(err.ends_with(&format!("chmod 600 {quoted}")), "{err}");
        assert_eq!(shell_quote("/var/lib/sso-scim/sso-scim.db"), "/var/lib/sso-scim/sso-scim.db");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("$(x)"), "'$(x)'");
    }

    #[test]
    fn key_files_must_be_private_and_present() {
        let t = Temp::new("keys");
        assert_eq!(check_private_key_file(&t.file("k600", 0o600)), Ok(()));
        assert_eq!(check_private_key_file(&t.file("k400", 0o400)), Ok(()));
        for mode in [0o644, 0o640, 0o604] {
            let path = t.file(&format!("k{mode:o}"), mode);
            let err = check_private_key_file(&path).unwrap_err();
            assert!(err.contains(&format!("(mode {mode:04o})")), "{err}");
            assert!(err.ends_with(&format!("Fix: chmod 600 {}", path.display())), "{err}");
        }
        let err = check_private_key_file(&t.0.join("absent")).unwrap_err();
        assert!(err.contains("does not exist"), "{err}");
    }
}
