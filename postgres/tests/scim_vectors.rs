//! Every SCIM vector in `tests/vectors/scim/` against `ScimHandler` over `PostgresDirectory`,
//! each vector file on a fresh database. The store is truly async: the runner blocks on a tokio
//! runtime for each request instead of polling it once.

#[path = "../../core/tests/vector_runner/mod.rs"]
mod vector_runner;

mod common;

use sso_scim_core::Workspace;
use sso_scim_core::token::TokenHash;
use sso_scim_postgres::PostgresDirectory;
use vector_runner::VectorStore;

impl VectorStore for PostgresDirectory {
    fn with_workspaces(workspaces: &[(Workspace, Vec<TokenHash>)]) -> Self {
        let store = common::connect(&common::fresh_database());
        for (workspace, hashes) in workspaces {
            common::run(store.add_workspace(workspace)).unwrap();
            for hash in hashes {
                common::run(store.add_token(&workspace.id, hash)).unwrap();
            }
        }
        store
    }

    fn complete<F: Future + Send>(&self, request: F) -> Option<F::Output> {
        Some(common::run(request))
    }
}

#[test]
fn every_scim_vector_passes() {
    vector_runner::assert_all::<PostgresDirectory>();
}
