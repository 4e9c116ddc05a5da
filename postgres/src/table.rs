//! What the tables of SCIM resources (`users`, `groups`) share: keyed lookups, telling a
//! refused conditional write's reason, and pages for `query_users` / `query_groups`. Every
//! statement is keyed by `workspace_id`, so one workspace never reads another's rows.

use deadpool_postgres::GenericClient;
use sso_scim_core::query::sql::{Layout, SqlValue, filter_to_sql, order_by};
use sso_scim_core::{ListQuery, StoreError, StoreErrorKind};
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{IsolationLevel, Row};

use crate::codec::{column, to_sql_count};
use crate::db::Db;
use crate::errors::{corrupt, failed};
use crate::values::ValuesOf;

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
    /// The condition on top of the workspace that a row (aliased `r`) must meet to be
    /// listed: users hide the deprovisioned; `TRUE` for none.
    pub(crate) listed: &'static str,
    /// Where the translator finds the table's attributes, and its values table.
    pub(crate) values: ValuesOf,
    /// The column of `workspace_counts` that counts this table's listed records.
    pub(crate) count_column: &'static str,
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

    /// The SQL of a list: the filter and sort translated by the core
    /// (`sso_scim_core::query::sql`) over this table's layout, the workspace bound as `$1`;
    /// without them, every listed record in insertion order.
    pub(crate) fn list_sql(&self, query: &ListQuery) -> Result<ListSql, StoreError> {
        let layout: &Layout = self.values.layout;
        let (condition, params) = match &query.filter {
            Some(filter) => {
                let t = filter_to_sql(filter, layout, 2);
                if !t.exact {
                    // The store layouts place every attribute, so this is a bug, not an input.
                    return Err(corrupt(format!("the filter {filter} has no exact SQL over {}", self.name)));
                }
                (t.sql, t.params)
            }
            None => ("TRUE".to_owned(), Vec::new()),
        };
        let order = match &query.sort {
            Some(sort) => order_by(sort, layout)
                .ok_or_else(|| corrupt(format!("sortBy {} has no SQL order over {}", sort.attr, self.name)))?,
            None => "r.seq ASC".to_owned(),
        };
        let from = format!("FROM {} r WHERE r.workspace_id = $1 AND {} AND ({condition})", self.name, self.listed);
        let n = 1 + params.len();
        // Without a filter the total is every listed record: the kept count, not a scan.
        let count = match query.filter {
            Some(_) => format!("SELECT count(*) {from}"),
            None => format!(
                "SELECT coalesce((SELECT {} FROM workspace_counts WHERE workspace_id = $1), 0)",
                self.count_column
            ),
        };
        Ok(ListSql {
            count,
            page: format!("SELECT {} {from} ORDER BY {order} LIMIT ${} OFFSET ${}", self.columns, n + 1, n + 2),
            params,
        })
    }

    /// A page of the workspace's listed records matching `query`, answered by SQL: `COUNT`
    /// for the total and `LIMIT`/`OFFSET` for the page, both read from one snapshot, so memory
    /// holds one page whatever the directory's size. The two statements are prepared together
    /// and run together: their round trips overlap.
    pub(crate) async fn page(&self, db: &Db, workspace_id: &str, query: &ListQuery) -> Result<Page<R>, StoreError> {
        let ListSql { count, page, mut params } = self.list_sql(query)?;
        params.insert(0, SqlValue::Text(workspace_id.to_owned()));
        let skip = query.start_index.saturating_sub(1);
        let mut client = db.client().await?;
        // Translated lists differ with each filter's shape: a long-lived connection must not
        // keep every one it ever prepared.
        if client.statement_cache.size() > MAX_CACHED_STATEMENTS {
            client.statement_cache.clear();
        }
        let read = |e| self.read_failed(e);
        let (count_stmt, page_stmt) = if query.count > 0 {
            let (c, p) = tokio::try_join!(client.prepare_cached(&count), client.prepare_cached(&page)).map_err(read)?;
            (c, Some(p))
        } else {
            (client.prepare_cached(&count).await.map_err(read)?, None)
        };
        let count_binds = bind_all(&params, count_stmt.params())?;
        params.extend([SqlValue::Int(to_sql_count(query.count)), SqlValue::Int(to_sql_count(skip))]);
        let page_binds = page_stmt.as_ref().map(|s| bind_all(&params, s.params())).transpose()?;
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .map_err(read)?;
        let (count_params, page_params) = (as_params(&count_binds), page_binds.as_deref().map(as_params));
        let counted = tx.query_one(&count_stmt, &count_params);
        let (row, rows) = match (&page_stmt, &page_params) {
            (Some(stmt), Some(p)) => tokio::try_join!(counted, tx.query(stmt, p)).map_err(read)?,
            _ => (counted.await.map_err(read)?, Vec::new()),
        };
        tx.commit().await.map_err(read)?;
        let total: i64 = column(&row, 0)?;
        let total_results = usize::try_from(total).map_err(|_| corrupt(format!("negative count {total}")))?;
        Ok(Page { total_results, items: self.rows(&rows)? })
    }
}

/// Statements a connection keeps prepared before its cache is emptied.
const MAX_CACHED_STATEMENTS: usize = 200;

/// The statements of a list: the count and the page (its last two parameters LIMIT and
/// OFFSET), and the translated parameters after the workspace (`$1`).
pub(crate) struct ListSql {
    pub(crate) count: String,
    pub(crate) page: String,
    pub(crate) params: Vec<SqlValue>,
}

/// A boxed parameter, ready to bind.
type Bound = Box<dyn ToSql + Sync + Send>;

/// Each parameter as the type PostgreSQL inferred for its placeholder: the translator's
/// integers compare with BIGINT columns, but an exact conversion to another numeric type is
/// as good, and a mismatch is reported rather than guessed at.
fn bind_all(params: &[SqlValue], types: &[Type]) -> Result<Vec<Bound>, StoreError> {
    if params.len() != types.len() {
        return Err(corrupt(format!("{} parameters for {} placeholders", params.len(), types.len())));
    }
    params.iter().zip(types).map(|(value, ty)| bind(value, ty)).collect()
}

fn bind(value: &SqlValue, ty: &Type) -> Result<Bound, StoreError> {
    let bound: Option<Bound> = match (value, ty) {
        (SqlValue::Text(s), ty) if <String as ToSql>::accepts(ty) => Some(Box::new(s.clone())),
        (SqlValue::Int(i), &Type::INT8) => Some(Box::new(*i)),
        (SqlValue::Int(i), &Type::INT4) => i32::try_from(*i).ok().map(|i| Box::new(i) as Bound),
        (SqlValue::Int(i), &Type::INT2) => i16::try_from(*i).ok().map(|i| Box::new(i) as Bound),
        // Exactly representable integers only: a rounded bound would change what matches.
        (SqlValue::Int(i), &Type::FLOAT8) => {
            let f = *i as f64;
            (f as i64 == *i && f.abs() < 9.0e15).then(|| Box::new(f) as Bound)
        }
        (SqlValue::Real(f), &Type::FLOAT8) => Some(Box::new(*f)),
        _ => None,
    };
    bound.ok_or_else(|| corrupt(format!("the translated parameter {value:?} cannot be bound as {ty}")))
}

fn as_params(binds: &[Bound]) -> Vec<&(dyn ToSql + Sync)> {
    binds.iter().map(|b| &**b as &(dyn ToSql + Sync)).collect()
}
