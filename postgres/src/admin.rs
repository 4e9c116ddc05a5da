//! The administration API the reference host (`sso-scim`) uses — workspaces, SAML settings, a
//! user listing and server secrets — named as sso-scim-sqlite names it, so the host can use
//! either store. Tokens are in `tokens`.

use sso_scim_core::DEFAULT_ROLE;
use sso_scim_core::{StoreError, StoreErrorKind, UserRecord, Workspace};
use time::OffsetDateTime;
use tokio_postgres::Row;

use crate::PostgresDirectory;
use crate::codec::{check_text, column, to_ms};
use crate::errors::{Constraint, constraint, failed, no_workspace};
use crate::random;
use crate::users::{USER_COLUMNS, user_from_row};

fn workspace_from_row(row: &Row) -> Result<Workspace, StoreError> {
    Ok(Workspace { id: column(row, 0)?, name: column(row, 1)?, default_role: column(row, 2)? })
}

fn now_ms() -> i64 {
    to_ms(OffsetDateTime::now_utc())
}

impl PostgresDirectory {
    /// Create a workspace with a new random id (`ws_` and 16 lower-case hex digits) and the
    /// given default role for SCIM-created users ([`DEFAULT_ROLE`] when `None`).
    pub async fn create_workspace(&self, name: &str, default_role: Option<&str>) -> Result<Workspace, StoreError> {
        let role = default_role.unwrap_or(DEFAULT_ROLE);
        check_text("a workspace's name or role", [Some(name), Some(role)])?;
        let client = self.db.client().await?;
        let sql = "INSERT INTO workspaces (id, name, default_role, created_ms) VALUES ($1, $2, $3, $4)";
        // 64 random bits never collide in practice; a retry costs nothing if they do.
        for _ in 0..4 {
            let workspace = Workspace::new(random::workspace_id(), name).with_default_role(role);
            match client.execute(sql, &[&workspace.id, &workspace.name, &workspace.default_role, &now_ms()]).await {
                Ok(_) => return Ok(workspace),
                Err(e) if constraint(&e) == Some(Constraint::Unique) => continue,
                Err(e) => return Err(failed("cannot create the workspace", e)),
            }
        }
        Err(StoreError::new(StoreErrorKind::Failed, "no free workspace id after 4 random draws"))
    }

    /// Add a workspace with an id of the host's choosing, or replace the name and default
    /// role of an existing one (its users, tokens and settings are kept) — the same contract
    /// as `MemoryDirectory::add_workspace`.
    pub async fn add_workspace(&self, workspace: &Workspace) -> Result<(), StoreError> {
        check_text(
            "a workspace's field",
            [Some(&*workspace.id), Some(&workspace.name), Some(&workspace.default_role)],
        )?;
        let client = self.db.client().await?;
        client
            .execute(
                "INSERT INTO workspaces (id, name, default_role, created_ms) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, default_role = excluded.default_role",
                &[&workspace.id, &workspace.name, &workspace.default_role, &now_ms()],
            )
            .await
            .map_err(|e| failed("cannot add the workspace", e))?;
        Ok(())
    }

    /// Every workspace, oldest first.
    pub async fn workspaces(&self) -> Result<Vec<Workspace>, StoreError> {
        let client = self.db.client().await?;
        let rows = client
            .query("SELECT id, name, default_role FROM workspaces ORDER BY seq", &[])
            .await
            .map_err(|e| failed("cannot list workspaces", e))?;
        rows.iter().map(workspace_from_row).collect()
    }

    /// The workspace with this id, if there is one.
    pub async fn workspace(&self, id: &str) -> Result<Option<Workspace>, StoreError> {
        let client = self.db.client().await?;
        let row = client
            .query_opt("SELECT id, name, default_role FROM workspaces WHERE id = $1", &[&id])
            .await
            .map_err(|e| failed("cannot read the workspace", e))?;
        row.as_ref().map(workspace_from_row).transpose()
    }

    /// Whether the database holds no workspace yet (the server then creates a first one).
    pub async fn is_empty(&self) -> Result<bool, StoreError> {
        let client = self.db.client().await?;
        let row = client
            .query_one("SELECT NOT EXISTS (SELECT 1 FROM workspaces)", &[])
            .await
            .map_err(|e| failed("cannot count workspaces", e))?;
        column(&row, 0)
    }

    /// The workspace's SAML settings: the JSON text of
    /// [`SamlSettings`](sso_scim_core::saml::SamlSettings) exactly as last set, or `None` when
    /// never set or the workspace is unknown.
    pub async fn saml_settings(&self, workspace_id: &str) -> Result<Option<String>, StoreError> {
        let client = self.db.client().await?;
        let row = client
            .query_opt("SELECT saml_settings FROM workspaces WHERE id = $1", &[&workspace_id])
            .await
            .map_err(|e| failed("cannot read the SAML settings", e))?;
        Ok(row.as_ref().map(|r| column::<Option<String>>(r, 0)).transpose()?.flatten())
    }

    /// Store a workspace's SAML settings (JSON text, kept as is: the caller validates it).
    /// Fails with [`NotFound`](StoreErrorKind::NotFound) for an unknown workspace.
    pub async fn set_saml_settings(&self, workspace_id: &str, json: &str) -> Result<(), StoreError> {
        check_text("the SAML settings", [Some(json)])?;
        let client = self.db.client().await?;
        let changed = client
            .execute("UPDATE workspaces SET saml_settings = $2 WHERE id = $1", &[&workspace_id, &json])
            .await
            .map_err(|e| failed("cannot store the SAML settings", e))?;
        if changed == 0 {
            return Err(no_workspace(StoreErrorKind::NotFound, workspace_id));
        }
        Ok(())
    }

    /// Every user of a workspace in insertion order, archived and deprovisioned ones
    /// included (none for an unknown workspace).
    pub async fn users(&self, workspace_id: &str) -> Result<Vec<UserRecord>, StoreError> {
        let client = self.db.client().await?;
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE workspace_id = $1 ORDER BY seq");
        let rows = client.query(&sql, &[&workspace_id]).await.map_err(|e| failed("cannot list users", e))?;
        rows.iter().map(user_from_row).collect()
    }

    /// The server secret called `name` (a cookie-signing key, say): `len` random bytes from
    /// the operating system's CSPRNG, drawn and stored the first time it is asked for and
    /// returned unchanged ever after (`len` only matters the first time). Processes asking
    /// for a new secret at once all get the one that was stored first.
    pub async fn secret(&self, name: &str, len: usize) -> Result<Vec<u8>, StoreError> {
        check_text("a secret's name", [Some(name)])?;
        let client = self.db.client().await?;
        let drawn = random::random_bytes(len);
        // The insert of a racing process waits for the first one's commit, then does nothing;
        // the read after it is a new snapshot and sees the winner's value.
        client
            .execute(
                "INSERT INTO secrets (name, value, created_ms) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
                &[&name, &drawn, &now_ms()],
            )
            .await
            .map_err(|e| failed("cannot store the secret", e))?;
        let row = client
            .query_one("SELECT value FROM secrets WHERE name = $1", &[&name])
            .await
            .map_err(|e| failed("cannot read the secret", e))?;
        column(&row, 0)
    }
}
