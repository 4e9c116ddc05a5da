//! The rows the SQL pushdown reads beside each record (`user_values`, `group_values`, and the
//! users' shadow key columns), written in the transaction of every write of the record, and
//! the layouts the translator reads them through.

use std::sync::LazyLock;

use rusqlite::{Connection, params};
use sso_scim_core::query::ValueSource;
use sso_scim_core::query::sql::{Dialect, Layout, ValueRow, store_groups, store_users, value_rows};

/// Where users live for the translator (`users` aliased `r`, `user_values`).
pub(crate) static USER_LAYOUT: LazyLock<Layout> = LazyLock::new(|| store_users(Dialect::Sqlite));

/// Where groups live for the translator (`groups` aliased `r`, `group_values`).
pub(crate) static GROUP_LAYOUT: LazyLock<Layout> = LazyLock::new(|| store_groups(Dialect::Sqlite));

/// A record's table and its values table.
#[derive(Clone, Copy)]
pub(crate) struct ValuesOf {
    /// The records' table (`users`).
    pub(crate) table: &'static str,
    /// Its values table (`user_values`).
    pub(crate) values: &'static str,
    pub(crate) layout: &'static LazyLock<Layout>,
}

pub(crate) const USER_VALUES: ValuesOf = ValuesOf { table: "users", values: "user_values", layout: &USER_LAYOUT };
pub(crate) const GROUP_VALUES: ValuesOf = ValuesOf { table: "groups", values: "group_values", layout: &GROUP_LAYOUT };

impl ValuesOf {
    /// Replace the values rows of the record `(workspace_id, id)` by those of `record`.
    pub(crate) fn replace<R: ValueSource>(
        self,
        conn: &Connection,
        workspace_id: &str,
        id: &str,
        record: &R,
    ) -> rusqlite::Result<()> {
        let seq: i64 = conn
            .prepare_cached(&format!("SELECT seq FROM {} WHERE workspace_id = ?1 AND id = ?2", self.table))?
            .query_row([workspace_id, id], |r| r.get(0))?;
        self.clear(conn, workspace_id, seq)?;
        self.insert(conn, workspace_id, seq, &value_rows(self.layout, record))
    }

    /// Delete the values rows of the record at `seq`.
    pub(crate) fn clear(self, conn: &Connection, workspace_id: &str, seq: i64) -> rusqlite::Result<()> {
        conn.prepare_cached(&format!("DELETE FROM {} WHERE workspace_id = ?1 AND owner = ?2", self.values))?
            .execute(params![workspace_id, seq])?;
        Ok(())
    }

    fn insert(self, conn: &Connection, workspace_id: &str, seq: i64, rows: &[ValueRow]) -> rusqlite::Result<()> {
        let mut stmt = conn.prepare_cached(&format!(
            "INSERT INTO {} (workspace_id, owner, path, elem, present, key_text, key_num, key_int) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            self.values
        ))?;
        for row in rows {
            stmt.execute(params![
                workspace_id,
                seq,
                row.path,
                row.elem,
                row.present,
                row.keys.text,
                row.keys.num,
                row.keys.int
            ])?;
        }
        Ok(())
    }
}
