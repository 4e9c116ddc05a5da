//! Helpers shared by this crate's integration tests: one throwaway PostgreSQL server per test
//! binary, a database per test, and one tokio runtime that every test blocks on.
#![allow(dead_code)]

use std::future::Future;
use std::sync::{Arc, Barrier, LazyLock};
use std::thread;

use serde_json::Value;
use sso_scim_core::scim::{ScimConfig, ScimHandler, ScimRequest, ScimResponse};
use sso_scim_core::token::ScimToken;
use sso_scim_core::{Directory, MemoryDirectory, StoreErrorKind, Workspace};
use sso_scim_pg_testkit::TestPostgres;
use sso_scim_postgres::PostgresDirectory;

#[path = "../../../core/tests/store_records/mod.rs"]
mod records;
pub use records::*;

/// The runtime every test blocks on: the pools' connections run on its workers, so a store
/// lives as long as the test binary may use it.
static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a tokio runtime")
});

/// Drive a store call (or a SCIM request over this store) to completion.
pub fn run<T>(f: impl Future<Output = T>) -> T {
    RUNTIME.block_on(f)
}

/// The server of this test binary.
pub fn server() -> &'static TestPostgres {
    TestPostgres::shared()
}

/// A new empty database on the server: its URL.
pub fn fresh_database() -> String {
    server().create_database()
}

/// The database name in one of the server's URLs.
pub fn database_name(url: &str) -> &str {
    url.rsplit('/').next().unwrap()
}

/// A store on `url`.
pub fn connect(url: &str) -> PostgresDirectory {
    run(PostgresDirectory::connect(url)).unwrap()
}

/// A fresh database with workspaces `a` and `b`: its URL and a store on it.
pub fn two_workspaces() -> (String, PostgresDirectory) {
    let url = fresh_database();
    let dir = connect(&url);
    run(dir.add_workspace(&Workspace::new("a", "A"))).unwrap();
    run(dir.add_workspace(&Workspace::new("b", "B"))).unwrap();
    (url, dir)
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
pub fn sql_and_memory() -> (PostgresDirectory, MemoryDirectory) {
    let (_, sql) = two_workspaces();
    let mem = MemoryDirectory::new();
    for ws in ["a", "b"] {
        mem.add_workspace(Workspace::new(ws, ws.to_uppercase()));
    }
    (sql, mem)
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
    pub handler: ScimHandler<PostgresDirectory>,
    auth: String,
}

impl Scim {
    pub fn new() -> Scim {
        let store = connect(&fresh_database());
        run(store.add_workspace(&Workspace::new("ws", "Acme"))).unwrap();
        let token = ScimToken::generate();
        run(store.add_token("ws", &token.hash())).unwrap();
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
