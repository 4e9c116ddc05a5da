//! Every SCIM vector in `tests/vectors/scim/` against `ScimHandler` over `SqliteDirectory`,
//! each vector file on a fresh database file. The shared runner polls every request once, so
//! this also proves that core futures over this store complete on their first poll.

#[path = "../../core/tests/vector_runner/mod.rs"]
mod vector_runner;

mod common;

use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use sso_scim_core::Workspace;
use sso_scim_core::token::TokenHash;
use sso_scim_sqlite::SqliteDirectory;
use vector_runner::VectorStore;

/// Where the test keeps its databases: the runner drops each store before the next file, and
/// the test removes the directory when it ends (passing or not).
static ROOT: OnceLock<PathBuf> = OnceLock::new();

impl VectorStore for SqliteDirectory {
    fn with_workspaces(workspaces: &[(Workspace, Vec<TokenHash>)]) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let root = ROOT.get().expect("the test sets the root first");
        let dir = root.join(format!("vector-{}", NEXT.fetch_add(1, Ordering::Relaxed)));
        std::fs::create_dir(&dir).unwrap();
        let store = SqliteDirectory::open(dir.join("scim.db")).unwrap();
        for (workspace, hashes) in workspaces {
            store.add_workspace(workspace).unwrap();
            for hash in hashes {
                store.add_token(&workspace.id, hash).unwrap();
            }
        }
        store
    }
}

#[test]
fn every_scim_vector_passes() {
    let tmp = common::TempDir::new("vectors");
    ROOT.set(tmp.path().to_owned()).unwrap();
    vector_runner::assert_all::<SqliteDirectory>();
}
