//! What the SQL pushdown reads beside each record: the rows of `user_values` / `group_values`,
//! computed by the core (`sso_scim_core::query::sql::value_rows`) and written in the
//! transaction of every write of their owner, and the layouts the translator reads through.

use std::sync::LazyLock;

use deadpool_postgres::Transaction;
use sso_scim_core::StoreError;
use sso_scim_core::query::ValueSource;
use sso_scim_core::query::sql::{Dialect, Layout, ValueRow, store_groups, store_users, value_rows};

use crate::codec::check_text;
use crate::errors::{corrupt, failed};

/// Where users live for the translator (`users` aliased `r`, `user_values`).
pub(crate) static USER_LAYOUT: LazyLock<Layout> = LazyLock::new(|| store_users(Dialect::Postgres));

/// Where groups live for the translator (`groups` aliased `r`, `group_values`).
pub(crate) static GROUP_LAYOUT: LazyLock<Layout> = LazyLock::new(|| store_groups(Dialect::Postgres));

/// A record type's values table and layout.
#[derive(Clone, Copy)]
pub(crate) struct ValuesOf {
    /// The values table (`user_values`).
    pub(crate) table: &'static str,
    pub(crate) layout: &'static LazyLock<Layout>,
}

pub(crate) const USER_VALUES: ValuesOf = ValuesOf { table: "user_values", layout: &USER_LAYOUT };
pub(crate) const GROUP_VALUES: ValuesOf = ValuesOf { table: "group_values", layout: &GROUP_LAYOUT };

/// A record's values rows as the columns of one multi-row INSERT (arrays bound once, so a
/// record costs one statement however many values it has).
pub(crate) struct Rows {
    path: Vec<String>,
    elem: Vec<i32>,
    present: Vec<bool>,
    key_text: Vec<Option<String>>,
    key_num: Vec<Option<f64>>,
    key_int: Vec<Option<i64>>,
}

impl ValuesOf {
    /// The values rows of `record`, computed and checked before any connection is taken.
    pub(crate) fn rows_of<R: ValueSource>(self, record: &R) -> Result<Rows, StoreError> {
        let rows: Vec<ValueRow> = value_rows(self.layout, record);
        check_text("a searchable value", rows.iter().map(|r| r.keys.text.as_deref()))?;
        let mut out = Rows {
            path: Vec::with_capacity(rows.len()),
            elem: Vec::with_capacity(rows.len()),
            present: Vec::with_capacity(rows.len()),
            key_text: Vec::with_capacity(rows.len()),
            key_num: Vec::with_capacity(rows.len()),
            key_int: Vec::with_capacity(rows.len()),
        };
        for row in rows {
            // A record's size is capped far below 2^31 values of one attribute.
            let elem =
                i32::try_from(row.elem).map_err(|_| corrupt(format!("value position {} is too large", row.elem)))?;
            out.path.push(row.path);
            out.elem.push(elem);
            out.present.push(row.present);
            out.key_text.push(row.keys.text);
            out.key_num.push(row.keys.num);
            out.key_int.push(row.keys.int);
        }
        Ok(out)
    }

    /// Write the values rows of the record at `owner` (its `seq`), replacing any it had.
    pub(crate) async fn replace(
        self,
        tx: &Transaction<'_>,
        workspace_id: &str,
        owner: i64,
        rows: &Rows,
        fresh: bool,
    ) -> Result<(), StoreError> {
        let context = "cannot write the searchable values";
        if !fresh {
            let sql = format!("DELETE FROM {} WHERE workspace_id = $1 AND owner = $2", self.table);
            let stmt = tx.prepare_cached(&sql).await.map_err(|e| failed(context, e))?;
            tx.execute(&stmt, &[&workspace_id, &owner]).await.map_err(|e| failed(context, e))?;
        }
        if rows.path.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "INSERT INTO {} (workspace_id, owner, path, elem, present, key_text, key_num, key_int) \
             SELECT $1, $2, * FROM unnest($3::text[], $4::int4[], $5::bool[], $6::text[], $7::float8[], $8::int8[])",
            self.table
        );
        let stmt = tx.prepare_cached(&sql).await.map_err(|e| failed(context, e))?;
        let params: [&(dyn tokio_postgres::types::ToSql + Sync); 8] = [
            &workspace_id,
            &owner,
            &rows.path,
            &rows.elem,
            &rows.present,
            &rows.key_text,
            &rows.key_num,
            &rows.key_int,
        ];
        tx.execute(&stmt, &params).await.map_err(|e| failed(context, e))?;
        Ok(())
    }
}
