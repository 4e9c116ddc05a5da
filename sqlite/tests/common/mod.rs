//! Helpers shared by this crate's integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::{Value, json};
use sso_scim_core::executor::now_or_never;
use sso_scim_core::scim::filter::{FilterLimits, FilterOptions, SortSpec, parse_filter};
use sso_scim_core::{Directory, ListQuery, UserRecord, UserState, Workspace};
use sso_scim_sqlite::SqliteDirectory;
use time::OffsetDateTime;

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

/// An active user at version 1 (what the core's `for_test` builds).
pub fn user(ws: &str, id: &str, name: &str, external: Option<&str>) -> UserRecord {
    let mut doc = json!({"userName": name});
    if let Some(e) = external {
        doc["externalId"] = json!(e);
    }
    record(ws, id, doc)
}

pub fn record(ws: &str, id: &str, doc: Value) -> UserRecord {
    let doc = doc.as_object().cloned().unwrap();
    UserRecord::new(ws, id, "Project Manager", UserState::Active, OffsetDateTime::UNIX_EPOCH, doc)
}

pub fn filter_query(filter: Option<&str>, sort: Option<SortSpec>, start_index: usize, count: usize) -> ListQuery {
    let filter = filter.map(|f| parse_filter(f, FilterLimits::default(), FilterOptions::default()).unwrap());
    ListQuery { filter, sort, start_index, count }
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
