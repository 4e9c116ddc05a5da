//! SCIM Groups: the `groups` table, answering as the core's `MemoryDirectory` does.

use rusqlite::{Row, Transaction, params};
use sso_scim_core::{GroupRecord, StoreError, StoreErrorKind};

use crate::SqliteDirectory;
use crate::codec::{Encoded, encode, resource_at, time_at, to_ms, version_at};
use crate::errors::{failed, write_error};
use crate::table::Table;
use crate::values::GROUP_VALUES;

/// The columns of a [`GroupRecord`], in the order [`group_from_row`] reads them.
pub(crate) const GROUP_COLUMNS: &str =
    "workspace_id, id, display_name, external_id, version, created_ms, last_modified_ms, resource";

/// The `groups` table.
pub(crate) const GROUPS: Table<GroupRecord> = Table {
    name: "groups",
    noun: "group",
    columns: GROUP_COLUMNS,
    from_row: group_from_row,
    plain_sql,
    values: GROUP_VALUES,
    visible: "1 = 1",
};

/// One row of [`GROUP_COLUMNS`] as a record.
pub(crate) fn group_from_row(row: &Row<'_>) -> rusqlite::Result<GroupRecord> {
    Ok(GroupRecord {
        workspace_id: row.get(0)?,
        id: row.get(1)?,
        display_name: row.get(2)?,
        external_id: row.get(3)?,
        version: version_at(row, 4)?,
        created: time_at(row, 5)?,
        last_modified: time_at(row, 6)?,
        resource: resource_at(row, 7)?,
    })
}

fn taken(group: &GroupRecord) -> StoreError {
    StoreError::new(StoreErrorKind::Conflict, format!("displayName {} is taken", group.display_name))
}

/// Run an INSERT or UPDATE of `groups` whose parameters are numbered as here (both bind a
/// group's columns the same way, so neither can drift from the other), then replace the
/// group's values rows.
fn write_group(tx: &Transaction<'_>, sql: &str, group: &GroupRecord, enc: &Encoded) -> rusqlite::Result<()> {
    tx.prepare_cached(sql)?.execute(params![
        group.workspace_id,
        group.id,
        group.display_name,
        group.display_name_key(),
        group.external_id,
        enc.version,
        to_ms(group.created),
        to_ms(group.last_modified),
        enc.resource,
    ])?;
    GROUP_VALUES.replace(tx, &group.workspace_id, &group.id, group)
}

impl SqliteDirectory {
    /// `Directory::insert_group`: `Conflict` when the displayName key or the id is taken in
    /// the workspace (the UNIQUE indexes decide, so racing inserts cannot both win).
    pub(crate) fn insert_group_row(&self, group: &GroupRecord) -> Result<GroupRecord, StoreError> {
        let enc = encode(group.version, &group.resource)?;
        self.db.write(|tx, _| {
            let sql = "INSERT INTO groups (workspace_id, id, seq, display_name, display_name_key, external_id, \
                       version, created_ms, last_modified_ms, resource) \
                       VALUES (?1, ?2, (SELECT coalesce(max(seq), 0) + 1 FROM groups WHERE workspace_id = ?1), \
                       ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
            // The id clashing is as much a conflict as the displayName: MemoryDirectory says so too.
            write_group(tx, sql, group, &enc)
                .map_err(|e| write_error(e, || taken(group), &group.workspace_id, "cannot insert the group"))?;
            Ok(group.clone())
        })
    }

    /// `Directory::update_group`: `NotFound`, then `VersionMismatch`, then `Conflict`, in the
    /// order `MemoryDirectory` checks them.
    pub(crate) fn update_group_row(
        &self,
        group: &GroupRecord,
        expected_version: u64,
    ) -> Result<GroupRecord, StoreError> {
        let enc = encode(group.version, &group.resource)?;
        self.db.write(|tx, _| {
            GROUPS.check_version(tx, &group.workspace_id, &group.id, expected_version)?;
            let sql = "UPDATE groups SET display_name = ?3, display_name_key = ?4, external_id = ?5, version = ?6, \
                       created_ms = ?7, last_modified_ms = ?8, resource = ?9 WHERE workspace_id = ?1 AND id = ?2";
            write_group(tx, sql, group, &enc)
                .map_err(|e| write_error(e, || taken(group), &group.workspace_id, "cannot update the group"))?;
            Ok(group.clone())
        })
    }

    /// `Directory::delete_group`: `NotFound` or `VersionMismatch` as for an update.
    pub(crate) fn delete_group_row(
        &self,
        workspace_id: &str,
        id: &str,
        expected_version: u64,
    ) -> Result<(), StoreError> {
        self.db.write(|tx, _| {
            GROUPS.check_version(tx, workspace_id, id, expected_version)?;
            tx.prepare_cached(
                "DELETE FROM group_values WHERE workspace_id = ?1 \
                 AND owner = (SELECT seq FROM groups WHERE workspace_id = ?1 AND id = ?2)",
            )
            .and_then(|mut s| s.execute([workspace_id, id]))
            .and_then(|_| tx.prepare_cached("DELETE FROM groups WHERE workspace_id = ?1 AND id = ?2"))
            .and_then(|mut s| s.execute([workspace_id, id]))
            .map_err(|e| failed("cannot delete the group", e))?;
            Ok(())
        })
    }
}

/// The count of a workspace's groups, and an unfiltered page of them in insertion order.
fn plain_sql() -> (String, String) {
    (
        "SELECT count(*) FROM groups WHERE workspace_id = ?1".to_owned(),
        format!("SELECT {GROUP_COLUMNS} FROM groups WHERE workspace_id = ?1 ORDER BY seq LIMIT ?2 OFFSET ?3"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::plans::{Wanted, assert_table_plans};
    use sso_scim_core::internal::schema::GROUP;

    #[test]
    fn lookups_pages_and_translated_lists_go_through_indexes() {
        let wanted = Wanted {
            count: "COVERING INDEX groups_in_order (workspace_id=?)",
            page: "USING INDEX groups_in_order (workspace_id=?)",
            by_id: "(workspace_id=? AND id=?)",
            by_key: "USING INDEX groups_by_display_name (workspace_id=? AND display_name_key=?)",
        };
        let delete = "DELETE FROM groups WHERE workspace_id = ?1 AND id = ?2".to_owned();
        let lists: &[(&str, Option<&str>, &str)] = &[
            ("displayName eq \"x\"", None, "groups_by_display_name (workspace_id=? AND display_name_key=?)"),
            ("externalId eq \"x\"", None, "groups_by_external_id (workspace_id=? AND external_id=?)"),
            ("members.value eq \"x\"", None, "group_values_by_key (workspace_id=? AND path=? AND key_text=?)"),
            ("", Some("displayName"), "groups_by_display_name (workspace_id=?)"),
        ];
        assert_table_plans(
            &GROUPS,
            (&GROUP, "display_name_key"),
            wanted,
            lists,
            &[(delete, "(workspace_id=? AND id=?)")],
        );
    }
}
