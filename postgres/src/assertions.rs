//! The SAML replay cache: one row per (workspace, assertion id) until its NotOnOrAfter.

use sso_scim_core::{StoreError, StoreErrorKind};
use time::OffsetDateTime;

use crate::PostgresDirectory;
use crate::codec::to_ms;
use crate::db::Db;
use crate::errors::{Constraint, constraint, failed, no_workspace};

/// Delete expired entries: everything at or past its NotOnOrAfter. Rows another process is
/// sweeping right now are skipped rather than waited for, so sweeps never queue behind each
/// other; an expired entry left over goes at the next sweep.
pub(crate) async fn sweep_assertions(db: &Db, now: OffsetDateTime) -> Result<u64, StoreError> {
    let client = db.client().await?;
    let sql = "DELETE FROM saml_assertions WHERE (workspace_id, assertion_id) IN (SELECT workspace_id, assertion_id \
               FROM saml_assertions WHERE not_on_or_after_ms <= $1 FOR UPDATE SKIP LOCKED)";
    let stmt = client.prepare_cached(sql).await.map_err(|e| failed("cannot sweep expired SAML assertions", e))?;
    client.execute(&stmt, &[&to_ms(now)]).await.map_err(|e| failed("cannot sweep expired SAML assertions", e))
}

impl PostgresDirectory {
    /// `Directory::remember_assertion`: the primary key decides, so of two processes recording
    /// the same assertion at once exactly one inserts (the other's insert waits for the first
    /// to commit, then does nothing).
    pub(crate) async fn remember(
        &self,
        workspace_id: &str,
        assertion_id: &str,
        not_on_or_after: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        // Swept before the insert (as MemoryDirectory does), so a sweep of this process never
        // deletes the entry just added even if its expiry is already past.
        if self.db.assertion_sweep_due() {
            sweep_assertions(&self.db, OffsetDateTime::now_utc()).await?;
        }
        let client = self.db.client().await?;
        let sql = "INSERT INTO saml_assertions (workspace_id, assertion_id, not_on_or_after_ms) VALUES ($1, $2, $3) \
                   ON CONFLICT (workspace_id, assertion_id) DO NOTHING";
        let stmt = client.prepare_cached(sql).await.map_err(|e| failed("cannot record the SAML assertion", e))?;
        match client.execute(&stmt, &[&workspace_id, &assertion_id, &to_ms(not_on_or_after)]).await {
            Ok(inserted) => Ok(inserted == 1),
            Err(e) if constraint(&e) == Some(Constraint::ForeignKey) => {
                Err(no_workspace(StoreErrorKind::Failed, workspace_id))
            }
            Err(e) => Err(failed("cannot record the SAML assertion", e)),
        }
    }
}
