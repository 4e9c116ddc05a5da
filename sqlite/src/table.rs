//! What the tables of SCIM resources (`users`, `groups`) share: keyed lookups, the
//! optimistic-concurrency check of a write, and pages for `query_users` / `query_groups`.
//! Every statement is keyed by `workspace_id`, so one workspace never reads another's rows.

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use sso_scim_core::query::{IndexHint, ValueSource};
use sso_scim_core::{ListQuery, StoreError, StoreErrorKind};

use crate::codec::to_sql_count;
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
    pub(crate) from_row: fn(&Row<'_>) -> rusqlite::Result<R>,
    /// The SQL of an unfiltered, unsorted list: the count (binding the workspace as `?1`) and
    /// the page in insertion order (also binding LIMIT as `?2` and OFFSET as `?3`).
    pub(crate) plain_sql: fn() -> (String, String),
    /// The SQL selecting a filtered query's candidates in insertion order (binding the
    /// workspace as `?1`), and the value to bind as `?2` when the index hint narrows them.
    pub(crate) candidates: fn(Option<IndexHint<'_>>) -> (String, Option<String>),
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
    pub(crate) fn page(&self, db: &Db, workspace_id: &str, query: &ListQuery) -> Result<Page<R>, StoreError>
    where
        R: ValueSource,
    {
        db.read_snapshot(|tx| {
            if query.filter.is_none() && query.sort.is_none() {
                let (count, page) = (self.plain_sql)();
                self.plain_page(tx, (&count, &page), workspace_id, query)
            } else {
                let (sql, hinted) = (self.candidates)(query.filter.as_ref().and_then(|f| f.index_hint()));
                self.filtered_page(tx, (&sql, hinted.as_deref()), workspace_id, query)
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

    /// A filtered or sorted page. `sql` selects the candidates (see `candidates`) and
    /// `hinted` is bound as `?2` when present; the core's own [`Filter::matches`](sso_scim_core::query::Filter::matches) decides
    /// and [`SortSpec::sort`](sso_scim_core::query::SortSpec::sort) orders, so the
    /// answers are exactly those of every other store.
    fn filtered_page(
        &self,
        conn: &Connection,
        (sql, hinted): (&str, Option<&str>),
        workspace_id: &str,
        query: &ListQuery,
    ) -> Result<Page<R>, StoreError>
    where
        R: ValueSource,
    {
        let skip = query.start_index.saturating_sub(1);
        let mut stmt = conn.prepare_cached(sql).map_err(|e| self.read_failed(e))?;
        let rows = match hinted {
            Some(v) => stmt.query_map(params![workspace_id, v], self.from_row),
            None => stmt.query_map(params![workspace_id], self.from_row),
        }
        .map_err(|e| self.read_failed(e))?;
        let mut page = Page { total_results: 0, items: Vec::new() };
        let mut sorted = Vec::new();
        for record in rows {
            let record = record.map_err(|e| self.read_failed(e))?;
            if !query.filter.as_ref().is_none_or(|f| f.matches(&record)) {
                continue;
            }
            if query.sort.is_some() {
                sorted.push(record);
            } else {
                // Only the page is kept; the rest is counted.
                if page.total_results >= skip && page.items.len() < query.count {
                    page.items.push(record);
                }
                page.total_results += 1;
            }
        }
        if let Some(sort) = &query.sort {
            sort.sort(&mut sorted);
            page.total_results = sorted.len();
            page.items = sorted.into_iter().skip(skip).take(query.count).collect();
        }
        Ok(page)
    }
}

/// Checks on what SQLite plans for this crate's statements.
#[cfg(test)]
pub(crate) mod plans {
    use super::{IndexHint, Table};
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
        /// Candidates narrowed by the name hint, and the lookup by the name key.
        pub(crate) by_key: &'static str,
        pub(crate) by_external_id: &'static str,
        pub(crate) scan: &'static str,
    }

    /// Assert the plans of every statement `table` runs to read: its pages, its candidates
    /// under each index hint (`key_hint` the one for its name, looked up in `key_column`),
    /// and its lookups; then those of `more` statements.
    pub(crate) fn assert_table_plans<R>(
        table: &Table<R>,
        (key_hint, key_column): (IndexHint<'_>, &str),
        wanted: Wanted,
        more: &[(String, &str)],
    ) {
        let (count, page) = (table.plain_sql)();
        let candidates = |hint| (table.candidates)(hint).0;
        let mut cases = vec![
            (count, wanted.count),
            (page, wanted.page),
            (candidates(Some(IndexHint::Id("x"))), wanted.by_id),
            (candidates(Some(key_hint)), wanted.by_key),
            (candidates(Some(IndexHint::ExternalId("x"))), wanted.by_external_id),
            (candidates(None), wanted.scan),
            (table.lookup_sql("id"), wanted.by_id),
            (table.lookup_sql(key_column), wanted.by_key),
        ];
        cases.extend(more.iter().cloned());
        assert_plans(table.name, &cases);
    }

    /// Assert, on a fresh database of the current schema, that each statement's plan contains
    /// the wanted text and never sorts in a temporary b-tree. `label` keeps the databases of
    /// tests running side by side apart.
    fn assert_plans(label: &str, cases: &[(String, &str)]) {
        let dir = std::env::temp_dir().join(format!("sso-scim-sqlite-plans-{label}-{}", std::process::id()));
        let dir = Cleanup(dir);
        std::fs::create_dir_all(&dir.0).unwrap();
        let db = Db::open(&dir.0.join("plans.db")).unwrap();
        for (sql, want) in cases {
            let got = plan(&db, sql);
            assert!(got.contains(want), "{sql}\n  plan: {got}\n  wanted: {want}");
            assert!(!got.contains("TEMP B-TREE"), "{sql} sorts in a temporary b-tree: {got}");
        }
    }
}
