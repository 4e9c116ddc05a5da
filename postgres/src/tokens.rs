//! SCIM bearer tokens, stored as SHA-256 hashes: the lookup every SCIM request makes, and
//! granting, revoking and listing them.

use sso_scim_core::token::TokenHash;
use sso_scim_core::{StoreError, StoreErrorKind, TokenGrant, Workspace};
use time::OffsetDateTime;

use crate::PostgresDirectory;
use crate::codec::{column, time_at, to_ms};
use crate::errors::{Constraint, constraint, corrupt, failed, no_workspace};
use crate::random;

/// A SCIM token as listed to an administrator: enough to tell tokens apart, never enough to
/// use one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// The first 8 hex digits of the token's SHA-256 hash.
    pub hash_prefix: String,
    /// When the token was added.
    pub created: OffsetDateTime,
}

impl PostgresDirectory {
    /// `Directory::workspace_for_token`. Read on every request, never cached: a token revoked
    /// by any process is refused by every other at once.
    pub(crate) async fn token_grant(&self, token_hash: &TokenHash) -> Result<Option<TokenGrant>, StoreError> {
        let client = self.db.client().await?;
        let sql = "SELECT w.id, w.name, w.default_role, t.hash FROM scim_tokens t \
                   JOIN workspaces w ON w.id = t.workspace_id WHERE t.hash = $1";
        let stmt = client.prepare_cached(sql).await.map_err(|e| failed("cannot look the token up", e))?;
        let row =
            client.query_opt(&stmt, &[&&token_hash.0[..]]).await.map_err(|e| failed("cannot look the token up", e))?;
        let Some(row) = row else { return Ok(None) };
        let stored: &[u8] = column(&row, 3)?;
        let stored: [u8; 32] = stored.try_into().map_err(|_| corrupt("a stored token hash is not 32 bytes"))?;
        Ok(Some(TokenGrant {
            workspace: Workspace { id: column(&row, 0)?, name: column(&row, 1)?, default_role: column(&row, 2)? },
            // The hash on record, not the one asked for: the core re-checks the two.
            token_hash: TokenHash(stored),
        }))
    }

    /// Grant the SCIM token with this hash access to a workspace. Fails with
    /// [`NotFound`](StoreErrorKind::NotFound) for an unknown workspace and with
    /// [`Conflict`](StoreErrorKind::Conflict) if the hash is already granted.
    pub async fn add_token(&self, workspace_id: &str, token_hash: &TokenHash) -> Result<(), StoreError> {
        let client = self.db.client().await?;
        let now = to_ms(OffsetDateTime::now_utc());
        let result = client
            .execute(
                "INSERT INTO scim_tokens (hash, workspace_id, created_ms) VALUES ($1, $2, $3)",
                &[&&token_hash.0[..], &workspace_id, &now],
            )
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if constraint(&e) == Some(Constraint::ForeignKey) => {
                Err(no_workspace(StoreErrorKind::NotFound, workspace_id))
            }
            Err(e) if constraint(&e) == Some(Constraint::Unique) => {
                Err(StoreError::new(StoreErrorKind::Conflict, "this token is already granted"))
            }
            Err(e) => Err(failed("cannot add the token", e)),
        }
    }

    /// Revoke a token; `false` if it was not granted. Every process refuses it from the
    /// moment this returns.
    pub async fn revoke_token(&self, token_hash: &TokenHash) -> Result<bool, StoreError> {
        let client = self.db.client().await?;
        let deleted = client
            .execute("DELETE FROM scim_tokens WHERE hash = $1", &[&&token_hash.0[..]])
            .await
            .map_err(|e| failed("cannot revoke the token", e))?;
        Ok(deleted > 0)
    }

    /// The tokens granted to a workspace, oldest first (none for an unknown workspace).
    pub async fn tokens(&self, workspace_id: &str) -> Result<Vec<TokenInfo>, StoreError> {
        let client = self.db.client().await?;
        let rows = client
            .query(
                "SELECT hash, created_ms FROM scim_tokens WHERE workspace_id = $1 ORDER BY created_ms, hash",
                &[&workspace_id],
            )
            .await
            .map_err(|e| failed("cannot list tokens", e))?;
        rows.iter()
            .map(|r| {
                let hash: &[u8] = column(r, 0)?;
                Ok(TokenInfo { hash_prefix: random::hex(&hash[..hash.len().min(4)]), created: time_at(r, 1)? })
            })
            .collect()
    }
}
