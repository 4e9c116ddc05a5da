//! Where PostgreSQL's programs are, and how to run them as a user `initdb` accepts.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The environment variable that names a PostgreSQL `bin` folder to use instead of the newest
/// one under `/usr/lib/postgresql` (for machines that install PostgreSQL elsewhere).
pub const BIN_ENV: &str = "SSO_SCIM_PG_BIN";

/// Debian's layout: one folder per major version, each with its own `bin`.
const DEBIAN_ROOT: &str = "/usr/lib/postgresql";

/// PostgreSQL's programs, and whether the server programs must run as the `postgres` user.
pub(crate) struct Binaries {
    dir: PathBuf,
    /// `initdb` and `postgres` refuse to run as root (CI runs as root): then they run as the
    /// `postgres` user, which Debian's package creates.
    as_postgres: bool,
}

/// A version folder's name (`15`, `9.6`) as numbers, so that `15` sorts after `9.6`.
fn version_of(name: &str) -> Option<Vec<u32>> {
    name.split('.').map(|part| part.parse().ok()).collect()
}

/// The `bin` folder of the newest PostgreSQL under `root` that has an `initdb`.
fn newest_under(root: &Path) -> Option<PathBuf> {
    let entries = std::fs::read_dir(root).ok()?;
    entries
        .filter_map(Result::ok)
        .filter_map(|e| Some((version_of(e.file_name().to_str()?)?, e.path().join("bin"))))
        .filter(|(_, bin)| bin.join("initdb").is_file())
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, bin)| bin)
}

impl Binaries {
    /// The programs to use: those of [`BIN_ENV`] when set, else the newest Debian install.
    pub(crate) fn find(as_postgres: bool) -> Result<Binaries, String> {
        let dir = match std::env::var_os(BIN_ENV) {
            Some(dir) => PathBuf::from(dir),
            None => newest_under(Path::new(DEBIAN_ROOT)).ok_or_else(|| {
                format!(
                    "no PostgreSQL server found: no {DEBIAN_ROOT}/*/bin/initdb. Install Debian's `postgresql` \
                     package (scripts/prerequisites.sh does), or set {BIN_ENV} to a folder holding initdb, pg_ctl \
                     and psql"
                )
            })?,
        };
        if !dir.join("initdb").is_file() {
            return Err(format!("{} has no initdb", dir.display()));
        }
        Ok(Binaries { dir, as_postgres })
    }

    /// The path of one program.
    pub(crate) fn path(&self, program: &str) -> PathBuf {
        self.dir.join(program)
    }

    /// The argument vector running a server program (`initdb`, `pg_ctl`) as the right user.
    pub(crate) fn server_argv(&self, program: &str) -> Vec<OsString> {
        let mut argv: Vec<OsString> = Vec::new();
        if self.as_postgres {
            // runuser, not su: no login shell, no PAM session, and it passes the arguments as given.
            argv.extend(["runuser", "-u", "postgres", "--"].map(OsString::from));
        }
        argv.push(self.path(program).into_os_string());
        argv
    }

    /// A command running a server program as the right user.
    pub(crate) fn server_command(&self, program: &str) -> Command {
        let argv = self.server_argv(program);
        let mut cmd = Command::new(&argv[0]);
        cmd.args(&argv[1..]);
        cmd
    }

    /// Whether the server programs run as the `postgres` user.
    pub(crate) fn as_postgres(&self) -> bool {
        self.as_postgres
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_as_numbers() {
        assert!(version_of("15") > version_of("9.6"));
        assert!(version_of("16") > version_of("15"));
        assert_eq!(version_of("main"), None);
    }

    #[test]
    fn the_newest_folder_with_an_initdb_wins() {
        let root = std::env::temp_dir().join(format!("sso-scim-pg-bins-{}", std::process::id()));
        for (version, has_initdb) in [("9.6", true), ("15", true), ("16", false), ("x", true)] {
            let bin = root.join(version).join("bin");
            std::fs::create_dir_all(&bin).unwrap();
            if has_initdb {
                std::fs::write(bin.join("initdb"), "").unwrap();
            }
        }
        let found = newest_under(&root);
        std::fs::remove_dir_all(&root).unwrap();
        assert_eq!(found, Some(root.join("15").join("bin")));
        assert_eq!(newest_under(&root), None, "a missing root finds nothing");
    }
}
