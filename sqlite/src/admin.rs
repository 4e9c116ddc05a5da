//! The administration API the reference host (`sso-scim`) uses: workspaces, SCIM tokens,
//! SAML settings, a user listing and server secrets. Synchronous: these run from the
//! command line or at server start, outside any request.

use rusqlite::{OptionalExtension, params};
use sso_scim_core::DEFAULT_ROLE;
use sso_scim_core::token::TokenHash;
use sso_scim_core::{StoreError, StoreErrorKind, UserRecord, Workspace};
use time::OffsetDateTime;

use crate::SqliteDirectory;
use crate::codec::{time_at, to_ms};
use crate::errors::{Constraint, constraint, failed, no_workspace};
use crate::random;
use crate::users::{USER_COLUMNS, user_from_row};

/// A SCIM token as listed to an administrator: enough to tell tokens apart, never enough to
/// use one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// The first 8 hex digits of the token's SHA-256 hash.
    pub hash_prefix: String,
    /// When the token was added.
    pub created: OffsetDateTime,
}

fn workspace_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Workspace> {
    Ok(Workspace { id: row.get(0)?, name: row.get(1)?, default_role: row.get(2)? })
}

impl SqliteDirectory {
    /// Create a workspace with a new random id (`ws_` and 16 lower-case hex digits) and the
    /// given default role for SCIM-created users ([`DEFAULT_ROLE`] when `None`).
    pub fn create_workspace(&self, name: &str, default_role: Option<&str>) -> Result<Workspace, StoreError> {
        let role = default_role.unwrap_or(DEFAULT_ROLE);
        self.db.write(|tx, _| {
            let mut stmt = tx
                .prepare_cached("INSERT INTO workspaces (id, name, default_role, created_ms) VALUES (?1, ?2, ?3, ?4)")
                .map_err(|e| failed("cannot create the workspace", e))?;
            // 64 random bits never collide in practice; a retry costs nothing if they do.
            for _ in 0..4 {
                let workspace = Workspace::new(random::workspace_id(), name).with_default_role(role);
                match stmt.execute(params![workspace.id, workspace.name, workspace.default_role, now_ms()]) {
                    Ok(_) => return Ok(workspace),
                    Err(e) if constraint(&e) == Some(Constraint::Unique) => continue,
                    Err(e) => return Err(failed("cannot create the workspace", e)),
                }
            }
            Err(StoreError::new(StoreErrorKind::Failed, "no free workspace id after 4 random draws"))
        })
    }

    /// Add a workspace with an id of the host's choosing, or replace the name and default
    /// role of an existing one (its users, tokens and settings are kept) — the same contract
    /// as `MemoryDirectory::add_workspace`.
    pub fn add_workspace(&self, workspace: &Workspace) -> Result<(), StoreError> {
        self.db.write(|tx, _| {
            tx.prepare_cached(
                "INSERT INTO workspaces (id, name, default_role, created_ms) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, default_role = excluded.default_role",
            )
            .and_then(|mut s| s.execute(params![workspace.id, workspace.name, workspace.default_role, now_ms()]))
            .map_err(|e| failed("cannot add the workspace", e))?;
            Ok(())
        })
    }

    /// Every workspace, oldest first.
    pub fn workspaces(&self) -> Result<Vec<Workspace>, StoreError> {
        self.db.read(|c| {
            let mut stmt = c
                .prepare_cached("SELECT id, name, default_role FROM workspaces ORDER BY seq")
                .map_err(|e| failed("cannot list workspaces", e))?;
            let rows = stmt.query_map([], workspace_from_row).map_err(|e| failed("cannot list workspaces", e))?;
            rows.collect::<Result<_, _>>().map_err(|e| failed("cannot list workspaces", e))
        })
    }

    /// The workspace with this id, if there is one.
    pub fn workspace(&self, id: &str) -> Result<Option<Workspace>, StoreError> {
        self.db.read(|c| {
            c.prepare_cached("SELECT id, name, default_role FROM workspaces WHERE id = ?1")
                .and_then(|mut s| s.query_row([id], workspace_from_row).optional())
                .map_err(|e| failed("cannot read the workspace", e))
        })
    }

    /// Whether the database holds no workspace yet (the server then creates a first one).
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        self.db.read(|c| {
            c.query_row("SELECT NOT EXISTS (SELECT 1 FROM workspaces)", [], |r| r.get(0))
                .map_err(|e| failed("cannot count workspaces", e))
        })
    }

    /// Grant the SCIM token with this hash access to a workspace. Fails with
    /// [`NotFound`](StoreErrorKind::NotFound) for an unknown workspace and with
    /// [`Conflict`](StoreErrorKind::Conflict) if the hash is already granted.
    pub fn add_token(&self, workspace_id: &str, token_hash: &TokenHash) -> Result<(), StoreError> {
        self.db.write(|tx, _| {
            let result = tx
                .prepare_cached("INSERT INTO scim_tokens (hash, workspace_id, created_ms) VALUES (?1, ?2, ?3)")
                .and_then(|mut s| s.execute(params![&token_hash.0[..], workspace_id, now_ms()]));
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
        })
    }

    /// Revoke a token; `false` if it was not granted.
    pub fn revoke_token(&self, token_hash: &TokenHash) -> Result<bool, StoreError> {
        self.db.write(|tx, _| {
            tx.prepare_cached("DELETE FROM scim_tokens WHERE hash = ?1")
                .and_then(|mut s| s.execute([&token_hash.0[..]]))
                .map(|n| n > 0)
                .map_err(|e| failed("cannot revoke the token", e))
        })
    }

    /// The tokens granted to a workspace, oldest first (none for an unknown workspace).
    pub fn tokens(&self, workspace_id: &str) -> Result<Vec<TokenInfo>, StoreError> {
        self.db.read(|c| {
            let mut stmt = c
                .prepare_cached(
                    "SELECT hash, created_ms FROM scim_tokens WHERE workspace_id = ?1 ORDER BY created_ms, hash",
                )
                .map_err(|e| failed("cannot list tokens", e))?;
            let rows = stmt
                .query_map([workspace_id], |r| {
                    let hash: Vec<u8> = r.get(0)?;
                    Ok(TokenInfo { hash_prefix: random::hex(&hash[..hash.len().min(4)]), created: time_at(r, 1)? })
                })
                .map_err(|e| failed("cannot list tokens", e))?;
            rows.collect::<Result<_, _>>().map_err(|e| failed("cannot list tokens", e))
        })
    }

    /// The workspace's SAML settings: the JSON text of
    /// [`SamlSettings`](sso_scim_core::saml::SamlSettings) exactly as last set, or `None` when
    /// never set or the workspace is unknown.
    pub fn saml_settings(&self, workspace_id: &str) -> Result<Option<String>, StoreError> {
        self.db.read(|c| {
            c.prepare_cached("SELECT saml_settings FROM workspaces WHERE id = ?1")
                .and_then(|mut s| s.query_row([workspace_id], |r| r.get::<_, Option<String>>(0)).optional())
                .map(Option::flatten)
                .map_err(|e| failed("cannot read the SAML settings", e))
        })
    }

    /// Store a workspace's SAML settings (JSON text, kept as is: the caller validates it).
    /// Fails with [`NotFound`](StoreErrorKind::NotFound) for an unknown workspace.
    pub fn set_saml_settings(&self, workspace_id: &str, json: &str) -> Result<(), StoreError> {
        self.db.write(|tx, _| {
            let changed = tx
                .prepare_cached("UPDATE workspaces SET saml_settings = ?2 WHERE id = ?1")
                .and_then(|mut s| s.execute([workspace_id, json]))
                .map_err(|e| failed("cannot store the SAML settings", e))?;
            if changed == 0 {
                return Err(no_workspace(StoreErrorKind::NotFound, workspace_id));
            }
            Ok(())
        })
    }

    /// Every user of a workspace in insertion order, archived and deprovisioned ones
    /// included (none for an unknown workspace).
    pub fn users(&self, workspace_id: &str) -> Result<Vec<UserRecord>, StoreError> {
        self.db.read(|c| {
            let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE workspace_id = ?1 ORDER BY seq");
            let mut stmt = c.prepare_cached(&sql).map_err(|e| failed("cannot list users", e))?;
            let rows = stmt.query_map([workspace_id], user_from_row).map_err(|e| failed("cannot list users", e))?;
            rows.collect::<Result<_, _>>().map_err(|e| failed("cannot list users", e))
        })
    }

    /// The server secret called `name` (a cookie-signing key, say): `len` random bytes from
    /// the operating system's CSPRNG, drawn and stored the first time it is asked for and
    /// returned unchanged ever after (`len` only matters the first time).
    pub fn secret(&self, name: &str, len: usize) -> Result<Vec<u8>, StoreError> {
        // In the write transaction even when it only reads: two processes asking for a new
        // secret at once must end up with the same one.
        self.db.write(|tx, _| {
            let existing: Option<Vec<u8>> = tx
                .prepare_cached("SELECT value FROM secrets WHERE name = ?1")
                .and_then(|mut s| s.query_row([name], |r| r.get(0)).optional())
                .map_err(|e| failed("cannot read the secret", e))?;
            if let Some(value) = existing {
                return Ok(value);
            }
            let value = random::random_bytes(len);
            tx.prepare_cached("INSERT INTO secrets (name, value, created_ms) VALUES (?1, ?2, ?3)")
                .and_then(|mut s| s.execute(params![name, value, now_ms()]))
                .map_err(|e| failed("cannot store the secret", e))?;
            Ok(value)
        })
    }
}

fn now_ms() -> i64 {
    to_ms(OffsetDateTime::now_utc())
}
