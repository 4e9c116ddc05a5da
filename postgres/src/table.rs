//! What the tables of SCIM resources (`users`, `groups`) share: keyed lookups, telling a
//! refused conditional write's reason, and pages for `query_users` / `query_groups`. Every
//! statement is keyed by `workspace_id`, so one workspace never reads another's rows.

use deadpool_postgres::GenericClient;
use sso_scim_core::{ListQuery, StoreError, StoreErrorKind};
use tokio_postgres::{IsolationLevel, Row};

use crate::codec::{column, to_sql_count};
use crate::db::Db;
use crate::errors::{corrupt, failed};

/// One table of records of type `R`, each row keyed by `(workspace_id, id)` and carrying a
/// `version` column.
pub(crate) struct Table<R> {
    /// The table's SQL name.
    pub(crate) name: &'static str,
    /// What one row is, for messages ("no group g1").
    pub(crate) noun: &'static str,
    /// The columns `from_row` reads, in its order.
    pub(crate) columns: &'static str,
    /// One row of `columns` as a record.
    pub(crate) from_row: fn(&Row) -> Result<R, StoreError>,
    /// The condition on top of the workspace that a row must meet to be listed (users hide
    /// the deprovisioned); `TRUE` for none.
    pub(crate) listed: &'static str,
}

/// How many records match in all, and those of the page in order.
pub(crate) struct Page<R> {
    pub(crate) total_results: usize,
    pub(crate) items: Vec<R>,
}

impl<R> Table<R> {
    fn read_failed(&self, e: tokio_postgres::Error) -> StoreError {
        failed(&format!("cannot read {}", self.name), e)
    }

    fn rows(&self, rows: &[Row]) -> Result<Vec<R>, StoreError> {
        rows.iter().map(self.from_row).collect()
    }

    /// The record of the workspace whose `column` equals `value` (a unique column).
    pub(crate) async fn lookup(
        &self,
        db: &Db,
        workspace_id: &str,
        column: &str,
        value: &str,
    ) -> Result<Option<R>, StoreError> {
        let client = db.client().await?;
        let sql = format!("SELECT {} FROM {} WHERE workspace_id = $1 AND {column} = $2", self.columns, self.name);
        let stmt = client.prepare_cached(&sql).await.map_err(|e| self.read_failed(e))?;
        let row = client.query_opt(&stmt, &[&workspace_id, &value]).await.map_err(|e| self.read_failed(e))?;
        row.as_ref().map(self.from_row).transpose()
    }

    /// Why a conditional write (`… WHERE workspace_id = $1 AND id = $2 AND version = $n`)
    /// matched no row: the record does not exist in this workspace
    /// ([`NotFound`](StoreErrorKind::NotFound)), or another write moved it past `expected`
    /// ([`VersionMismatch`](StoreErrorKind::VersionMismatch)). Read in the writer's
    /// transaction, after its statement: a row another transaction changed under it has
    /// committed by then, so the version read is that newer one.
    pub(crate) async fn refusal(
        &self,
        client: &impl GenericClient,
        workspace_id: &str,
        id: &str,
        expected: u64,
    ) -> StoreError {
        let sql = format!("SELECT version FROM {} WHERE workspace_id = $1 AND id = $2", self.name);
        let stored = match client.query_opt(&sql, &[&workspace_id, &id]).await {
            Ok(row) => row,
            Err(e) => return failed(&format!("cannot read the {} to change", self.noun), e),
        };
        match stored.map(|r| column::<i64>(&r, 0)) {
            None => StoreError::new(StoreErrorKind::NotFound, format!("no {} {id}", self.noun)),
            Some(Ok(stored)) => StoreError::new(
                StoreErrorKind::VersionMismatch,
                format!("{} {id} is at version {stored}, not {expected}", self.noun),
            ),
            Some(Err(e)) => e,
        }
    }

    /// An unfiltered, unsorted page of the workspace's listed records in insertion order, the
    /// count and the page read from one snapshot.
    pub(crate) async fn plain_page(
        &self,
        db: &Db,
        workspace_id: &str,
        query: &ListQuery,
    ) -> Result<Page<R>, StoreError> {
        let mut client = db.client().await?;
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .map_err(|e| self.read_failed(e))?;
        let count_sql = format!("SELECT count(*) FROM {} WHERE workspace_id = $1 AND {}", self.name, self.listed);
        let stmt = tx.prepare_cached(&count_sql).await.map_err(|e| self.read_failed(e))?;
        let total: i64 = column(&tx.query_one(&stmt, &[&workspace_id]).await.map_err(|e| self.read_failed(e))?, 0)?;
        let total_results = usize::try_from(total).map_err(|_| corrupt(format!("negative count {total}")))?;
        let skip = query.start_index.saturating_sub(1);
        let mut items = Vec::new();
        if query.count > 0 && skip < total_results {
            let page_sql = format!(
                "SELECT {} FROM {} WHERE workspace_id = $1 AND {} ORDER BY seq LIMIT $2 OFFSET $3",
                self.columns, self.name, self.listed
            );
            let stmt = tx.prepare_cached(&page_sql).await.map_err(|e| self.read_failed(e))?;
            let (limit, offset) = (to_sql_count(query.count), to_sql_count(skip));
            let rows = tx.query(&stmt, &[&workspace_id, &limit, &offset]).await.map_err(|e| self.read_failed(e))?;
            items = self.rows(&rows)?;
        }
        tx.commit().await.map_err(|e| self.read_failed(e))?;
        Ok(Page { total_results, items })
    }
}
