//! Helpers shared by this crate's integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

use serde_json::Value;
use sso_scim_core::executor::now_or_never;
use sso_scim_core::scim::{ScimConfig, ScimHandler, ScimRequest, ScimResponse};
use sso_scim_core::token::ScimToken;
use sso_scim_core::{Directory, MemoryDirectory, StoreErrorKind, Workspace};
use sso_scim_sqlite::SqliteDirectory;
use time::OffsetDateTime;

#[path = "../../../core/tests/store_records/mod.rs"]
mod records;
pub use records::*;

/// A directory removed with everything in it when dropped (a panicking test leaves it
/// behind only if the process aborts).
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos();
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("sso-scim-sqlite-{label}-{}-{nanos}-{n}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn db(&self) -> PathBuf {
        self.0.join("sso-scim.db")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh database with workspaces `a` and `b`; keep the TempDir alive as long as the store.
pub fn two_workspaces(label: &str) -> (TempDir, SqliteDirectory) {
    let tmp = TempDir::new(label);
    let dir = SqliteDirectory::open(tmp.db()).unwrap();
    dir.add_workspace(&Workspace::new("a", "A")).unwrap();
    dir.add_workspace(&Workspace::new("b", "B")).unwrap();
    (tmp, dir)
}

/// A store call that must complete on its first poll.
pub fn run<T>(f: impl std::future::Future<Output = T>) -> T {
    now_or_never(f).expect("SqliteDirectory never makes a future wait")
}

/// (totalResults, ids of the page)
pub fn query<D: Directory>(
    dir: &D,
    ws: &str,
    filter: Option<&str>,
    start: usize,
    count: usize,
) -> (usize, Vec<String>) {
    let page = run(dir.query_users(ws, &filter_query(filter, None, start, count))).unwrap();
    (page.total_results, page.users.into_iter().map(|u| u.id).collect())
}

/// (totalResults, ids of the page) of a group query.
pub fn query_groups(
    dir: &impl Directory,
    ws: &str,
    filter: Option<&str>,
    start: usize,
    n: usize,
) -> (usize, Vec<String>) {
    let page = run(dir.query_groups(ws, &group_filter_query(filter, None, start, n))).unwrap();
    (page.total_results, page.groups.into_iter().map(|g| g.id).collect())
}

/// A fresh database and a MemoryDirectory, both with workspaces `a` and `b`, for tests that
/// hold this store to the core's reference semantics.
pub fn sql_and_memory(label: &str) -> (TempDir, SqliteDirectory, MemoryDirectory) {
    let (tmp, sql) = two_workspaces(label);
    let mem = MemoryDirectory::new();
    for ws in ["a", "b"] {
        mem.add_workspace(Workspace::new(ws, ws.to_uppercase()));
    }
    (tmp, sql, mem)
}

/// Run `attempt(t)` for `t` in `0..threads`, each on its own thread, all released at once;
/// the outcomes in thread order.
pub fn race<T: Send + 'static>(threads: usize, attempt: impl Fn(usize) -> T + Send + Sync + 'static) -> Vec<T> {
    let barrier = Arc::new(Barrier::new(threads));
    let attempt = Arc::new(attempt);
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let (barrier, attempt) = (barrier.clone(), attempt.clone());
            thread::spawn(move || {
                barrier.wait();
                attempt(t)
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

/// The one thread whose insert won a race for one name: every other one lost with a conflict.
pub fn sole_winner(results: &[Result<(), StoreErrorKind>]) -> usize {
    let winners: Vec<usize> = (0..results.len()).filter(|t| results[*t].is_ok()).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    assert!(results.iter().filter(|r| r.is_err()).all(|r| *r == Err(StoreErrorKind::Conflict)), "{results:?}");
    winners[0]
}

/// A SCIM client of a handler over a fresh database holding workspace `ws` and one token.
pub struct Scim {
    pub handler: ScimHandler<SqliteDirectory>,
    auth: String,
}

impl Scim {
    pub fn new(tmp: &TempDir) -> Scim {
        let store = SqliteDirectory::open(tmp.db()).unwrap();
        store.add_workspace(&Workspace::new("ws", "Acme")).unwrap();
        let token = ScimToken::generate();
        store.add_token("ws", &token.hash()).unwrap();
        let config = ScimConfig { base_url: "https://example.test/scim/v2".into(), ..Default::default() };
        Scim { handler: ScimHandler::new(store, config).unwrap(), auth: format!("Bearer {}", token.as_str()) }
    }

    /// Send one request (`path` may carry a `?query`), with a JSON body when given.
    pub fn send(&self, method: &str, path: &str, body: Option<Value>) -> ScimResponse {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let mut req = ScimRequest::new(method, path).with_query(query).with_header("Authorization", &self.auth);
        if let Some(body) = body {
            req = req.with_header("Content-Type", "application/scim+json").with_body(body.to_string().into_bytes());
        }
        run(self.handler.handle(req))
    }
}
