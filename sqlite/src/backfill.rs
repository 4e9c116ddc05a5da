//! Keys and values rows for records written before the schema had them (migration 3),
//! computed by the core as every later write computes them.

use rusqlite::{Row, Transaction, params};
use sso_scim_core::StoreError;
use sso_scim_core::query::ValueSource;
use sso_scim_core::query::sql::UserKeys;

use crate::errors::failed;
use crate::groups::{GROUP_COLUMNS, group_from_row};
use crate::users::{USER_COLUMNS, user_from_row};
use crate::values::{GROUP_VALUES, USER_VALUES, ValuesOf};

/// Records read per batch, so memory stays flat however large the directory.
const BATCH: i64 = 512;

/// The [`Backfill`](crate::schema::Backfill) of this build: fills in what migration 3 added
/// when the database was older than it.
pub(crate) fn after_migrations(tx: &Transaction<'_>, found: u32) -> Result<(), StoreError> {
    if found == 0 || found >= 3 {
        return Ok(());
    }
    each_record(tx, USER_VALUES, USER_COLUMNS, user_from_row, |user| {
        let keys = UserKeys::of(user);
        tx.prepare_cached(
            "UPDATE users SET display_name_key = ?3, given_name_key = ?4, family_name_key = ?5 \
             WHERE workspace_id = ?1 AND id = ?2",
        )?
        .execute(params![user.workspace_id, user.id, keys.display_name, keys.given_name, keys.family_name])?;
        USER_VALUES.replace(tx, &user.workspace_id, &user.id, user)
    })?;
    each_record(tx, GROUP_VALUES, GROUP_COLUMNS, group_from_row, |group| {
        GROUP_VALUES.replace(tx, &group.workspace_id, &group.id, group)
    })
}

/// Call `f` with every record of `of`'s table, read in batches in rowid order.
fn each_record<R: ValueSource>(
    tx: &Transaction<'_>,
    of: ValuesOf,
    columns: &str,
    from_row: fn(&Row<'_>) -> rusqlite::Result<R>,
    mut f: impl FnMut(&R) -> rusqlite::Result<()>,
) -> Result<(), StoreError> {
    let fail = |e| failed(&format!("cannot compute the query keys of {}", of.table), e);
    // The row mapper reads the record's columns from 0, so the rowid comes after them.
    let rowid_at = columns.split(',').count();
    let sql = format!("SELECT {columns}, rowid FROM {} WHERE rowid > ?1 ORDER BY rowid LIMIT ?2", of.table);
    let mut after = i64::MIN;
    loop {
        let batch: Vec<(i64, R)> = {
            let mut stmt = tx.prepare_cached(&sql).map_err(fail)?;
            let rows = stmt.query_map(params![after, BATCH], |r| Ok((r.get(rowid_at)?, from_row(r)?))).map_err(fail)?;
            rows.collect::<Result<_, _>>().map_err(fail)?
        };
        let Some((last, _)) = batch.last() else { return Ok(()) };
        after = *last;
        for (_, record) in &batch {
            f(record).map_err(fail)?;
        }
    }
}
