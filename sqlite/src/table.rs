//! What the tables of SCIM resources (`users`, `groups`) share: keyed lookups, the
//! optimistic-concurrency check of a write, and pages for `query_users` / `query_groups`.
//! Every statement is keyed by `workspace_id`, so one workspace never reads another's rows.

use rusqlite::types::Value as SqlParam;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params, params_from_iter};
use sso_scim_core::query::sql::{Layout, SqlValue, filter_to_sql, order_by};
use sso_scim_core::{ListQuery, StoreError, StoreErrorKind};

use crate::codec::to_sql_count;
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
    pub(crate) from_row: fn(&Row<'_>) -> rusqlite::Result<R>,
    /// The SQL of an unfiltered, unsorted list: the count (binding the workspace as `?1`) and
    /// the page in insertion order (also binding LIMIT as `?2` and OFFSET as `?3`).
    pub(crate) plain_sql: fn() -> (String, String),
    /// Where the translator finds the table's attributes, and its values table.
    pub(crate) values: ValuesOf,
    /// The condition on the row (aliased `r`) that SCIM can see it.
    pub(crate) visible: &'static str,
}

/// How many records match in all, and those of the page in order.
pub(crate) struct Page<R> {
    pub(crate) total_results: usize,
    pub(crate) items: Vec<R>,
}

impl<R> Table<R> {
    fn read_failed(&self, e: rusqlite::Error) -> StoreError {
        failed(&format!("cannot read {}", self.name), e)
    }

    fn lookup_sql(&self, column: &str) -> String {
        format!("SELECT {} FROM {} WHERE workspace_id = ?1 AND {column} = ?2", self.columns, self.name)
    }

    /// The record of the workspace whose `column` equals `value` (a unique column).
    pub(crate) fn lookup(
        &self,
        db: &Db,
        workspace_id: &str,
        column: &str,
        value: &str,
    ) -> Result<Option<R>, StoreError> {
        db.read(|c| {
            let sql = self.lookup_sql(column);
            let mut stmt = c.prepare_cached(&sql).map_err(|e| self.read_failed(e))?;
            stmt.query_row([workspace_id, value], self.from_row).optional().map_err(|e| self.read_failed(e))
        })
    }

    /// A page of the workspace's records matching `query`, counted on the same snapshot.
    pub(crate) fn page(&self, db: &Db, workspace_id: &str, query: &ListQuery) -> Result<Page<R>, StoreError> {
        db.read_snapshot(|tx| {
            if query.filter.is_none() && query.sort.is_none() {
                let (count, page) = (self.plain_sql)();
                self.plain_page(tx, (&count, &page), workspace_id, query)
            } else {
                self.translated_page(tx, workspace_id, query)
            }
        })
    }

    /// The check an update or delete makes inside its write transaction before it writes:
    /// [`NotFound`](StoreErrorKind::NotFound) when the record does not exist (in this
    /// workspace), [`VersionMismatch`](StoreErrorKind::VersionMismatch) when another write
    /// moved it past `expected`. The writer holds the write lock from here to the commit, so
    /// nothing can change the row in between.
    pub(crate) fn check_version(
        &self,
        tx: &Transaction<'_>,
        workspace_id: &str,
        id: &str,
        expected: u64,
    ) -> Result<(), StoreError> {
        let sql = format!("SELECT version FROM {} WHERE workspace_id = ?1 AND id = ?2", self.name);
        let stored: Option<i64> = tx
            .prepare_cached(&sql)
            .and_then(|mut s| s.query_row([workspace_id, id], |r| r.get(0)).optional())
            .map_err(|e| failed(&format!("cannot read the {} to change", self.noun), e))?;
        let Some(stored) = stored else {
            return Err(StoreError::new(StoreErrorKind::NotFound, format!("no {} {id}", self.noun)));
        };
        if u64::try_from(stored).ok() != Some(expected) {
            return Err(StoreError::new(
                StoreErrorKind::VersionMismatch,
                format!("{} {id} is at version {stored}, not {expected}", self.noun),
            ));
        }
        Ok(())
    }

    /// An unfiltered, unsorted page, counted and paged by SQL (see `plain_sql`).
    fn plain_page(
        &self,
        conn: &Connection,
        (count_sql, page_sql): (&str, &str),
        workspace_id: &str,
        query: &ListQuery,
    ) -> Result<Page<R>, StoreError> {
        let skip = query.start_index.saturating_sub(1);
        let total: i64 = conn
            .prepare_cached(count_sql)
            .and_then(|mut s| s.query_row([workspace_id], |r| r.get(0)))
            .map_err(|e| self.read_failed(e))?;
        let total_results = usize::try_from(total).map_err(|_| corrupt(format!("negative count {total}")))?;
        let mut items = Vec::new();
        if query.count > 0 && skip < total_results {
            let mut stmt = conn.prepare_cached(page_sql).map_err(|e| self.read_failed(e))?;
            let rows = stmt
                .query_map(params![workspace_id, to_sql_count(query.count), to_sql_count(skip)], self.from_row)
                .map_err(|e| self.read_failed(e))?;
            for row in rows {
                items.push(row.map_err(|e| self.read_failed(e))?);
            }
        }
        Ok(Page { total_results, items })
    }

    /// The SQL of a filtered or sorted list: the filter and sort translated by the core
    /// (`sso_scim_core::query::sql`) over this table's layout, the workspace bound as `?1`.
    pub(crate) fn list_sql(&self, query: &ListQuery) -> Result<ListSql, StoreError> {
        let layout: &Layout = self.values.layout;
        let (condition, params) = match &query.filter {
            Some(filter) => {
                let t = filter_to_sql(filter, layout, 2);
                if !t.exact {
                    // The store layouts place every attribute, so this is a bug, not an input.
                    return Err(corrupt(format!("the filter {filter} has no exact SQL over {}", self.name)));
                }
                (t.sql, t.params.into_iter().map(to_sql).collect())
            }
            None => ("1 = 1".to_owned(), Vec::new()),
        };
        let order = match &query.sort {
            Some(sort) => order_by(sort, layout)
                .ok_or_else(|| corrupt(format!("sortBy {} has no SQL order over {}", sort.attr, self.name)))?,
            None => "r.seq ASC".to_owned(),
        };
        let from = format!("FROM {} r WHERE r.workspace_id = ?1 AND {} AND ({condition})", self.name, self.visible);
        let n = 1 + params.len();
        // Without a filter the total is every visible record: the kept count, not a scan.
        let count = if query.filter.is_some() { format!("SELECT count(*) {from}") } else { (self.plain_sql)().0 };
        Ok(ListSql {
            count,
            page: format!("SELECT {} {from} ORDER BY {order} LIMIT ?{} OFFSET ?{}", self.columns, n + 1, n + 2),
            params,
        })
    }

    /// A filtered or sorted page, answered by SQL: `COUNT` for the total, `LIMIT`/`OFFSET`
    /// for the page, so memory holds one page whatever the directory's size.
    fn translated_page(&self, conn: &Connection, workspace_id: &str, query: &ListQuery) -> Result<Page<R>, StoreError> {
        let ListSql { count, page, mut params } = self.list_sql(query)?;
        params.insert(0, SqlParam::Text(workspace_id.to_owned()));
        let total: i64 = conn
            .prepare_cached(&count)
            .and_then(|mut s| s.query_row(params_from_iter(&params), |r| r.get(0)))
            .map_err(|e| self.read_failed(e))?;
        let total_results = usize::try_from(total).map_err(|_| corrupt(format!("negative count {total}")))?;
        let skip = query.start_index.saturating_sub(1);
        let mut items = Vec::new();
        if query.count > 0 && skip < total_results {
            params.push(SqlParam::Integer(to_sql_count(query.count)));
            params.push(SqlParam::Integer(to_sql_count(skip)));
            let mut stmt = conn.prepare_cached(&page).map_err(|e| self.read_failed(e))?;
            let rows = stmt.query_map(params_from_iter(&params), self.from_row).map_err(|e| self.read_failed(e))?;
            for row in rows {
                items.push(row.map_err(|e| self.read_failed(e))?);
            }
        }
        Ok(Page { total_results, items })
    }
}

/// The statements of a translated list: the count and the page (its last two parameters
/// LIMIT and OFFSET), and the parameters after the workspace (`?1`).
pub(crate) struct ListSql {
    pub(crate) count: String,
    pub(crate) page: String,
    pub(crate) params: Vec<SqlParam>,
}

/// A translated parameter as SQLite binds it.
fn to_sql(value: SqlValue) -> SqlParam {
    match value {
        SqlValue::Text(t) => SqlParam::Text(t),
        SqlValue::Int(i) => SqlParam::Integer(i),
        SqlValue::Real(f) => SqlParam::Real(f),
    }
}

/// Checks on what SQLite plans for this crate's statements.
#[cfg(test)]
pub(crate) mod plans {
    use sso_scim_core::ListQuery;
    use sso_scim_core::internal::filter::{FilterLimits, FilterOptions, parse_filter_in};
    use sso_scim_core::internal::schema::ResourceType;
    use sso_scim_core::query::SortSpec;

    use super::Table;
    use crate::db::Db;

    /// Removes the directory even when an assertion fails.
    struct Cleanup(std::path::PathBuf);

    impl Drop for Cleanup {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// What SQLite plans for `sql`: the `detail` column of EXPLAIN QUERY PLAN, joined.
    fn plan(db: &Db, sql: &str) -> String {
        db.read(|c| {
            let mut stmt = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let values = vec!["x"; stmt.parameter_count()];
            let rows = stmt.query_map(rusqlite::params_from_iter(values), |r| r.get::<_, String>(3)).unwrap();
            Ok(rows.map(Result::unwrap).collect::<Vec<_>>().join("; "))
        })
        .unwrap()
    }

    /// What a table's statements must plan through: text each plan contains (an index).
    pub(crate) struct Wanted {
        pub(crate) count: &'static str,
        pub(crate) page: &'static str,
        pub(crate) by_id: &'static str,
        /// The lookup by the name key.
        pub(crate) by_key: &'static str,
    }

    /// Assert the plans of every statement `table` runs to read: its plain pages, its lookups
    /// (`key_column` the unique name key), the count and page of each list of `lists`
    /// (`(filter, sortBy, wanted in both plans)`, resolved against `resource`), then those of
    /// `more` statements.
    pub(crate) fn assert_table_plans<R>(
        table: &Table<R>,
        (resource, key_column): (&'static ResourceType, &str),
        wanted: Wanted,
        lists: &[(&str, Option<&str>, &'static str)],
        more: &[(String, &str)],
    ) {
        let (count, page) = (table.plain_sql)();
        let mut cases = vec![
            (count, wanted.count),
            (page, wanted.page),
            (table.lookup_sql("id"), wanted.by_id),
            (table.lookup_sql(key_column), wanted.by_key),
        ];
        let mut sorted_matches = Vec::new();
        for (filter, sort_by, want) in lists {
            let filtered = !filter.is_empty();
            let filter = filtered
                .then(|| parse_filter_in(resource, filter, FilterLimits::default(), FilterOptions::default()).unwrap());
            // A leading '-' asks for descending order.
            let sort = sort_by.map(|by| match by.strip_prefix('-') {
                Some(by) => SortSpec::parse_in(resource, by, Some("descending")).unwrap(),
                None => SortSpec::parse_in(resource, by, None).unwrap(),
            });
            let query = ListQuery { filter, sort, start_index: 1, count: 10 };
            let sql = table.list_sql(&query).unwrap();
            if filtered {
                // The matches of an indexed filter are few; sorting those is expected.
                sorted_matches.push((sql.count, *want));
                sorted_matches.push((sql.page, *want));
            } else {
                cases.push((sql.page, want));
            }
        }
        assert_plans(&format!("{}-filtered", table.name), &sorted_matches, true);
        cases.extend(more.iter().cloned());
        assert_plans(table.name, &cases, false);
    }

    /// Assert, on a fresh database of the current schema, that each statement's plan contains
    /// the wanted text and, unless `may_sort`, never sorts in a temporary b-tree. `label` keeps
    /// the databases of tests running side by side apart.
    fn assert_plans(label: &str, cases: &[(String, &str)], may_sort: bool) {
        let dir = std::env::temp_dir().join(format!("sso-scim-sqlite-plans-{label}-{}", std::process::id()));
        let dir = Cleanup(dir);
        std::fs::create_dir_all(&dir.0).unwrap();
        // A fresh database has no rows to backfill.
        let db = Db::open(&dir.0.join("plans.db"), |_, _| Ok(())).unwrap();
        for (sql, want) in cases {
            let got = plan(&db, sql);
            assert!(got.contains(want), "{sql}\n  plan: {got}\n  wanted: {want}");
            assert!(may_sort || !got.contains("TEMP B-TREE"), "{sql} sorts in a temporary b-tree: {got}");
        }
    }
}
