//! Every SCIM vector in `tests/vectors/scim/` against `ScimHandler` over `MemoryDirectory`.

use crate::vector_runner::VectorStore;
use sso_scim_core::token::TokenHash;
use sso_scim_core::{MemoryDirectory, Workspace};

impl VectorStore for MemoryDirectory {
    fn with_workspaces(workspaces: &[(Workspace, Vec<TokenHash>)]) -> Self {
        let dir = MemoryDirectory::new();
        for (workspace, hashes) in workspaces {
            dir.add_workspace(workspace.clone());
            for hash in hashes {
                assert!(dir.add_token(&workspace.id, *hash));
            }
        }
        dir
    }
}

#[test]
fn every_scim_vector_passes() {
    crate::vector_runner::assert_all::<MemoryDirectory>();
}
