//! SCIM Groups: the `groups` table, answering as the core's `MemoryDirectory` does.

use sso_scim_core::{GroupRecord, StoreError, StoreErrorKind};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use crate::PostgresDirectory;
use crate::codec::{Encoded, check_text, column, encode, resource_at, time_at, to_ms, version_at};
use crate::errors::{failed, write_error};
use crate::table::Table;
use crate::values::{GROUP_VALUES, Rows};

/// The columns of a [`GroupRecord`], in the order [`group_from_row`] reads them.
const GROUP_COLUMNS: &str =
    "workspace_id, id, display_name, external_id, version, created_ms, last_modified_ms, resource";

/// The `groups` table.
pub(crate) const GROUPS: Table<GroupRecord> = Table {
    name: "groups",
    noun: "group",
    columns: GROUP_COLUMNS,
    from_row: group_from_row,
    listed: "TRUE",
    values: GROUP_VALUES,
    count_column: "groups",
};

/// One row of [`GROUP_COLUMNS`] as a record.
fn group_from_row(row: &Row) -> Result<GroupRecord, StoreError> {
    Ok(GroupRecord {
        workspace_id: column(row, 0)?,
        id: column(row, 1)?,
        display_name: column(row, 2)?,
        external_id: column(row, 3)?,
        version: version_at(row, 4)?,
        created: time_at(row, 5)?,
        last_modified: time_at(row, 6)?,
        resource: resource_at(row, 7)?,
    })
}

fn taken(group: &GroupRecord) -> StoreError {
    StoreError::new(StoreErrorKind::Conflict, format!("displayName {} is taken", group.display_name))
}

/// A group's column values and values rows, computed and checked before any connection is
/// taken.
struct GroupRow {
    display_name_key: String,
    created_ms: i64,
    last_modified_ms: i64,
    enc: Encoded,
    values: Rows,
}

impl GroupRow {
    fn new(group: &GroupRecord) -> Result<GroupRow, StoreError> {
        let fields = [
            Some(group.workspace_id.as_str()),
            Some(&group.id),
            Some(&group.display_name),
            group.external_id.as_deref(),
        ];
        check_text("a group's field", fields)?;
        Ok(GroupRow {
            display_name_key: group.display_name_key(),
            created_ms: to_ms(group.created),
            last_modified_ms: to_ms(group.last_modified),
            enc: encode(group.version, &group.resource)?,
            values: GROUP_VALUES.rows_of(group)?,
        })
    }

    /// The parameters `$1`…`$9` of an INSERT or UPDATE, numbered alike for both.
    fn params<'a>(&'a self, group: &'a GroupRecord) -> [&'a (dyn ToSql + Sync); 9] {
        [
            &group.workspace_id,
            &group.id,
            &group.display_name,
            &self.display_name_key,
            &group.external_id,
            &self.enc.version,
            &self.created_ms,
            &self.last_modified_ms,
            &self.enc.resource,
        ]
    }
}

impl PostgresDirectory {
    /// `Directory::insert_group`: `Conflict` when the displayName key or the id is taken in
    /// the workspace (the UNIQUE indexes decide, so racing inserts cannot both win).
    pub(crate) async fn insert_group_row(&self, group: &GroupRecord) -> Result<GroupRecord, StoreError> {
        let row = GroupRow::new(group)?;
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(|e| failed("cannot start a transaction", e))?;
        let sql = "INSERT INTO groups (workspace_id, id, display_name, display_name_key, external_id, version, \
                   created_ms, last_modified_ms, resource) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING seq";
        let stmt = tx.prepare_cached(sql).await.map_err(|e| failed("cannot insert the group", e))?;
        // The id clashing is as much a conflict as the displayName: MemoryDirectory says so too.
        let inserted = tx
            .query_one(&stmt, &row.params(group))
            .await
            .map_err(|e| write_error(e, || taken(group), &group.workspace_id, "cannot insert the group"))?;
        GROUP_VALUES.replace(&tx, &group.workspace_id, column(&inserted, 0)?, &row.values, true).await?;
        tx.commit().await.map_err(|e| failed("cannot commit the new group", e))?;
        Ok(group.clone())
    }

    /// `Directory::update_group`: `NotFound`, then `VersionMismatch`, then `Conflict`, in the
    /// order `MemoryDirectory` checks them.
    pub(crate) async fn update_group_row(&self, group: &GroupRecord, expected: u64) -> Result<GroupRecord, StoreError> {
        let row = GroupRow::new(group)?;
        let expected_sql = i64::try_from(expected).unwrap_or(-1);
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(|e| failed("cannot start a transaction", e))?;
        let sql = "UPDATE groups SET display_name = $3, display_name_key = $4, external_id = $5, version = $6, \
                   created_ms = $7, last_modified_ms = $8, resource = $9 \
                   WHERE workspace_id = $1 AND id = $2 AND version = $10 RETURNING seq";
        let stmt = tx.prepare_cached(sql).await.map_err(|e| failed("cannot update the group", e))?;
        let mut params = row.params(group).to_vec();
        params.push(&expected_sql);
        let updated = tx
            .query_opt(&stmt, &params)
            .await
            .map_err(|e| write_error(e, || taken(group), &group.workspace_id, "cannot update the group"))?;
        let Some(updated) = updated else {
            return Err(GROUPS.refusal(&tx, &group.workspace_id, &group.id, expected).await);
        };
        GROUP_VALUES.replace(&tx, &group.workspace_id, column(&updated, 0)?, &row.values, false).await?;
        tx.commit().await.map_err(|e| failed("cannot commit the group's change", e))?;
        Ok(group.clone())
    }

    /// `Directory::delete_group`: `NotFound` or `VersionMismatch` as for an update; the group's
    /// searchable values go with it (ON DELETE CASCADE).
    pub(crate) async fn delete_group_row(&self, workspace_id: &str, id: &str, expected: u64) -> Result<(), StoreError> {
        let expected_sql = i64::try_from(expected).unwrap_or(-1);
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(|e| failed("cannot start a transaction", e))?;
        let sql = "DELETE FROM groups WHERE workspace_id = $1 AND id = $2 AND version = $3";
        let stmt = tx.prepare_cached(sql).await.map_err(|e| failed("cannot delete the group", e))?;
        let deleted = tx
            .execute(&stmt, &[&workspace_id, &id, &expected_sql])
            .await
            .map_err(|e| failed("cannot delete the group", e))?;
        if deleted == 0 {
            return Err(GROUPS.refusal(&tx, workspace_id, id, expected).await);
        }
        tx.commit().await.map_err(|e| failed("cannot commit the group's deletion", e))
    }
}
