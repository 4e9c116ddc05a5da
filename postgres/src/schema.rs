//! The schema and its migrations, versioned in the `schema_migrations` table.
//!
//! Migration `n` (1-based, `migrations/000n_*.sql`) brings a database from version `n - 1` to
//! `n`. A migration, once released, is never edited: a later change is a new file appended to
//! [`MIGRATIONS`].

use deadpool_postgres::{Client, GenericClient};
use sso_scim_core::{StoreError, StoreErrorKind};
use time::OffsetDateTime;

use crate::codec::{column, to_ms};
use crate::errors::failed;

/// Every migration in order; the schema version is the number applied.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_initial.sql"),
    include_str!("../migrations/0002_counts.sql"),
    include_str!("../migrations/0003_sort_indexes.sql"),
];

/// The schema version this build writes (and the newest it can open).
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// The advisory lock every process takes to migrate: the bytes of "sso-scim" as a number, a
/// key no other application is likely to pick. Held to the end of the migration transaction.
const MIGRATION_LOCK: i64 = i64::from_be_bytes(*b"sso-scim");

/// The table recording which migrations were applied, and when.
const VERSION_TABLE: &str = "CREATE TABLE schema_migrations (
    version    INTEGER PRIMARY KEY CHECK (version > 0),
    applied_ms BIGINT NOT NULL
)";

/// The schema version recorded in the database: 0 when it has no `schema_migrations` table.
///
/// Whether the table exists is read from the catalog with an ordinary query, which sees what
/// committed before the statement began. A name lookup (`to_regclass`) would go through the
/// session's catalog cache, which an advisory lock does not refresh: a process that waited for
/// another's migration could still believe the table missing.
async fn found_version(client: &impl GenericClient) -> Result<u32, StoreError> {
    let has_table = client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n \
             ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relname = 'schema_migrations')",
            &[],
        )
        .await
        .map_err(|e| failed("cannot read the database's schema version", e))?;
    if !column::<bool>(&has_table, 0)? {
        return Ok(0);
    }
    let row = client
        .query_one("SELECT coalesce(max(version), 0) FROM schema_migrations", &[])
        .await
        .map_err(|e| failed("cannot read the database's schema version", e))?;
    let version: i32 = column(&row, 0)?;
    u32::try_from(version)
        .map_err(|_| StoreError::new(StoreErrorKind::Failed, format!("schema version {version} is invalid")))
}

/// Refuse a database whose schema is newer than this build, naming both versions.
fn check_not_newer(found: u32) -> Result<(), StoreError> {
    if found > SCHEMA_VERSION {
        return Err(StoreError::new(
            StoreErrorKind::Failed,
            format!(
                "the database has schema version {found}, newer than version {SCHEMA_VERSION} that this build \
                 of sso-scim-postgres knows; open it with a newer sso-scim"
            ),
        ));
    }
    Ok(())
}

/// Apply every pending migration in one transaction: either the database reaches
/// [`SCHEMA_VERSION`] or it is left as it was.
///
/// Several processes starting at once on a fresh database migrate it once: each takes the
/// same transaction-scoped advisory lock first, so the others wait, then find the work done.
pub(crate) async fn migrate(client: &mut Client) -> Result<(), StoreError> {
    // Nothing is looked up before the lock: see `found_version`.
    let tx = client.transaction().await.map_err(|e| failed("cannot start the migration transaction", e))?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(|e| failed("cannot take the migration lock", e))?;
    let found = found_version(&tx).await?;
    check_not_newer(found)?;
    if found == SCHEMA_VERSION {
        return Ok(());
    }
    if found == 0 {
        // Adding our tables beside someone else's would be a silent mess: only a schema holding
        // no table at all is adopted.
        let row = tx
            .query_one("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()", &[])
            .await
            .map_err(|e| failed("cannot inspect the database", e))?;
        if row.get::<_, i64>(0) > 0 {
            return Err(StoreError::new(
                StoreErrorKind::Failed,
                "the database already holds tables but no sso-scim schema version; it is not an sso-scim database",
            ));
        }
        tx.batch_execute(VERSION_TABLE).await.map_err(|e| failed("cannot create schema_migrations", e))?;
    }
    let now = to_ms(OffsetDateTime::now_utc());
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let version = i32::try_from(i + 1).expect("fewer than 2^31 migrations");
        tx.batch_execute(sql).await.map_err(|e| failed(&format!("migration {version} failed"), e))?;
        tx.execute("INSERT INTO schema_migrations (version, applied_ms) VALUES ($1, $2)", &[&version, &now])
            .await
            .map_err(|e| failed("cannot record the schema version", e))?;
    }
    tx.commit().await.map_err(|e| failed("cannot commit the migration", e))
}
