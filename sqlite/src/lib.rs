//! # sso-scim-sqlite
//!
//! The durable [`Directory`](sso_scim_core::Directory) of the reference host `sso-scim serve`:
//! one SQLite file holding workspaces, SCIM tokens (as SHA-256 hashes), users, groups, the SAML
//! replay cache, SAML settings and server secrets.
//!
//! It answers exactly as the core's `MemoryDirectory` does (the same vectors run against
//! both), and adds what a server needs:
//!
//! - **Durability.** WAL journal, `synchronous=FULL`, one transaction per change: once a
//!   method returns `Ok`, the change is on disk.
//! - **Concurrency.** Every method may be called from many threads at once. Writes go through
//!   one connection behind a mutex (SQLite has one writer anyway); reads use a small pool of
//!   connections that run alongside the writer.
//! - **No runtime.** Every [`Directory`](sso_scim_core::Directory) method does its work
//!   synchronously inside the returned future, so core futures over this store complete on
//!   their first poll ([`now_or_never`](sso_scim_core::executor::now_or_never) drives them).
//!   An async server should call the core off its async workers, since a write waits for an
//!   fsync: `sso-scim serve` runs every call on a bounded pool of its own threads (README
//!   "Serving on the open internet").
//! - **Migrations.** The schema version lives in `PRAGMA user_version`; [`SqliteDirectory::open`]
//!   applies pending migrations in one transaction and refuses a database written by a newer
//!   build.
//!
//! ```
//! use sso_scim_core::executor::now_or_never;
//! use sso_scim_core::scim::{ScimConfig, ScimHandler, ScimRequest};
//! use sso_scim_core::token::ScimToken;
//! use sso_scim_sqlite::SqliteDirectory;
//!
//! # let dir = std::env::temp_dir().join(format!("sso-scim-sqlite-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir).unwrap();
//! # let path = dir.join("doc.db");
//! let store = SqliteDirectory::open(&path)?;
//! let workspace = store.create_workspace("Acme", None)?;
//! let token = ScimToken::generate();
//! store.add_token(&workspace.id, &token.hash())?;
//!
//! let handler = ScimHandler::new(store, ScimConfig::default()).expect("default settings are valid");
//! let request = ScimRequest::new("GET", "/Users")
//!     .with_header("Authorization", &format!("Bearer {}", token.as_str()));
//! let response = now_or_never(handler.handle(request)).expect("this store never makes the core wait");
//! assert_eq!(response.status, 200);
//! # drop(handler);
//! # std::fs::remove_dir_all(&dir).unwrap();
//! # Ok::<(), sso_scim_core::StoreError>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod admin;
mod backfill;
mod codec;
mod db;
mod directory;
mod errors;
mod groups;
mod random;
mod schema;
mod table;
mod users;
mod values;

use std::fmt;
use std::path::Path;

use sso_scim_core::StoreError;
use time::OffsetDateTime;

pub use admin::TokenInfo;
pub use schema::SCHEMA_VERSION;

/// A [`Directory`](sso_scim_core::Directory) stored in one SQLite file.
///
/// `Send + Sync`: share it (in an `Arc`, or inside a `ScimHandler`) between threads freely.
pub struct SqliteDirectory {
    db: db::Db,
}

impl SqliteDirectory {
    /// Open the database at `path`, creating the file if it does not exist, and bring its
    /// schema up to [`SCHEMA_VERSION`].
    ///
    /// A new file is created with mode 0600 whatever the umask, and SQLite gives the `-wal`,
    /// `-shm` and `-journal` files beside it the same mode: the database holds SCIM data and
    /// server secrets. An existing file keeps its mode (the host checks it and reports a
    /// readable one). Paths SQLite reads as URIs (`file:…`) or `:memory:` are left to SQLite.
    ///
    /// Fails (kind [`Failed`](sso_scim_core::StoreErrorKind::Failed)) when the file cannot be
    /// opened, is not an SQLite database, is some other application's database, or was
    /// written by a newer build (the message names both schema versions). Expired SAML
    /// replay-cache entries are swept on open.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let db = db::Db::open(path.as_ref(), backfill::after_migrations)?;
        db.write(|tx, _| users::sweep_assertions(tx, OffsetDateTime::now_utc()))?;
        Ok(SqliteDirectory { db })
    }

    /// The database file this directory was opened from.
    pub fn path(&self) -> &Path {
        self.db.path()
    }
}

impl fmt::Debug for SqliteDirectory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteDirectory").field("path", &self.db.path()).finish_non_exhaustive()
    }
}
