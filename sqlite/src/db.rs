//! Connections: one writer behind a mutex and a small pool of readers.
//!
//! SQLite allows one writer at a time anyway; serialising writers in-process on a mutex
//! means they queue fairly here instead of spinning in `busy_timeout`. In WAL mode readers
//! never block the writer nor each other, so reads use their own connections and run in
//! parallel with a write in progress.

use std::fs::OpenOptions;
use std::io::ErrorKind;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use sso_scim_core::{StoreError, StoreErrorKind};

use crate::errors::{corrupt, failed};
use crate::schema;

/// How long a statement waits for a lock held by another connection (another process,
/// say `sso-scim workspace create` while `serve` runs) before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Idle reader connections kept open; more are opened on demand under load and closed
/// when they come back to a full pool.
const MAX_IDLE_READERS: usize = 8;

/// Prepared statements each connection keeps compiled.
const STATEMENT_CACHE: usize = 32;

/// Replay-cache inserts between sweeps of expired entries.
pub(crate) const ASSERTION_SWEEP_EVERY: u32 = 256;

/// The writer connection and what only the writer touches.
pub(crate) struct Writer {
    pub(crate) conn: Connection,
    /// Replay-cache inserts since the last sweep.
    pub(crate) assertion_inserts: u32,
}

/// The database: where it lives and how it is reached.
pub(crate) struct Db {
    path: PathBuf,
    writer: Mutex<Writer>,
    readers: Mutex<Vec<Connection>>,
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| failed("cannot set busy_timeout", e))?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(())
}

/// Names SQLite treats as something other than a file on disk: an in-memory database, a
/// temporary one, or a URI (only when the build enables URIs). None of them is created here.
fn is_special(path: &Path) -> bool {
    let text = path.as_os_str().as_encoded_bytes();
    text.is_empty() || text == b":memory:" || text.starts_with(b"file:")
}

/// Create the database file, empty and mode 0600, when it does not exist yet.
///
/// SQLite would create it with 0644 less the umask, i.e. readable by every local user under the
/// usual umask 022 — and the file holds SCIM data and server secrets. SQLite's unix VFS gives
/// the `-wal`, `-shm` and `-journal` files it creates later the main file's permission bits, so
/// creating this one 0600 keeps them all private. An empty file is a valid empty database.
/// An existing file is left as it is: `sso-scim serve` checks its mode and tells the operator
/// how to fix it, rather than changing permissions behind their back.
fn create_private(path: &Path) -> Result<(), StoreError> {
    if is_special(path) {
        return Ok(());
    }
    // create_new: never truncate nor re-mode a file another process created in between.
    match OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(()),
        Err(e) => {
            Err(StoreError::new(StoreErrorKind::Failed, format!("cannot create the database {}: {e}", path.display()))
                .with_source(e))
        }
    }
}

impl Db {
    /// Open (creating if needed) and migrate the database at `path`.
    pub(crate) fn open(path: &Path, backfill: schema::Backfill) -> Result<Db, StoreError> {
        create_private(path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(path, flags)
            .map_err(|e| failed(&format!("cannot open the database {}", path.display()), e))?;
        configure(&conn)?;
        schema::check_version(&conn)?;
        // WAL: readers run alongside the writer, and a commit is one append (+ fsync).
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(|e| failed("cannot switch the database to WAL mode", e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(corrupt(format!(
                "the database {} stays in journal mode {mode:?}; WAL is required (is it on a network file system?)",
                path.display()
            )));
        }
        // FULL: the WAL is synced on every commit, so a 2xx answer means the change survives
        // a power cut (NORMAL could lose the last commits).
        conn.pragma_update(None, "synchronous", "FULL").map_err(|e| failed("cannot set synchronous=FULL", e))?;
        conn.pragma_update(None, "foreign_keys", true).map_err(|e| failed("cannot enable foreign keys", e))?;
        schema::migrate(&mut conn, backfill)?;
        Ok(Db {
            path: path.to_owned(),
            writer: Mutex::new(Writer { conn, assertion_inserts: 0 }),
            readers: Mutex::new(Vec::new()),
        })
    }

    /// The database file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    fn lock_writer(&self) -> MutexGuard<'_, Writer> {
        // A panic while writing dropped its transaction, which rolled back; the connection
        // is sound, so a poisoned lock is safe to take over.
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Run `f` in one IMMEDIATE transaction on the writer: committed (and synced) when `f`
    /// returns `Ok`, rolled back otherwise.
    pub(crate) fn write<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>, &mut u32) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut guard = self.lock_writer();
        let Writer { conn, assertion_inserts } = &mut *guard;
        // IMMEDIATE takes the write lock up front: a deferred transaction that read first
        // could fail to upgrade with SQLITE_BUSY when another process writes in between.
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| failed("cannot start a write transaction", e))?;
        let out = f(&tx, assertion_inserts)?;
        tx.commit().map_err(|e| failed("cannot commit", e))?;
        Ok(out)
    }

    /// Run `f` on a reader connection. Several statements that must agree with each other
    /// (a count and a page) belong in one transaction, which `f` opens itself.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let conn = self.take_reader()?;
        let out = f(&conn);
        self.give_back(conn);
        out
    }

    /// Run `f` on a reader inside one read transaction, so that statements that must agree
    /// (a count and its page) see one snapshot however writers interleave.
    pub(crate) fn read_snapshot<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.read(|c| {
            let tx = c.unchecked_transaction().map_err(|e| failed("cannot start a read transaction", e))?;
            let out = f(&tx)?;
            tx.finish().map_err(|e| failed("cannot end a read transaction", e))?;
            Ok(out)
        })
    }

    fn take_reader(&self) -> Result<Connection, StoreError> {
        if let Some(conn) = self.readers.lock().unwrap_or_else(|e| e.into_inner()).pop() {
            return Ok(conn);
        }
        // READ_WRITE rather than READ_ONLY: a read-only connection cannot rebuild the WAL index
        // after a crash; `query_only` still guarantees readers never write.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&self.path, flags)
            .map_err(|e| failed(&format!("cannot open the database {}", self.path.display()), e))?;
        configure(&conn)?;
        conn.pragma_update(None, "query_only", true).map_err(|e| failed("cannot make a reader read-only", e))?;
        Ok(conn)
    }

    fn give_back(&self, conn: Connection) {
        if conn.is_autocommit() {
            let mut idle = self.readers.lock().unwrap_or_else(|e| e.into_inner());
            if idle.len() < MAX_IDLE_READERS {
                idle.push(conn);
            }
        }
        // A connection still inside a transaction (a reader that failed half-way) is
        // dropped rather than pooled, so no later read inherits a stale snapshot.
    }
}
