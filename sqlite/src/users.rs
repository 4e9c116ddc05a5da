//! Users, the SCIM token lookup and the SAML replay cache.

use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use sso_scim_core::TokenGrant;
use sso_scim_core::query::sql::UserKeys;
use sso_scim_core::token::TokenHash;
use sso_scim_core::{StoreError, StoreErrorKind, UserRecord, UserState, Workspace};
use time::OffsetDateTime;

use crate::SqliteDirectory;
use crate::codec::{Encoded, conversion, encode, resource_at, time_at, to_ms, version_at};
use crate::db::ASSERTION_SWEEP_EVERY;
use crate::errors::{Constraint, constraint, failed, no_workspace, write_error};
use crate::table::Table;
use crate::values::USER_VALUES;

/// The columns of a [`UserRecord`], in the order [`user_from_row`] reads them.
pub(crate) const USER_COLUMNS: &str = "workspace_id, id, user_name, external_id, given_name, family_name, email, role, \
     state, version, created_ms, last_modified_ms, resource";

/// The `users` table.
pub(crate) const USERS: Table<UserRecord> = Table {
    name: "users",
    noun: "user",
    columns: USER_COLUMNS,
    from_row: user_from_row,
    plain_sql,
    values: USER_VALUES,
    visible: "r.state <> 'deprovisioned'",
};

/// Only users SCIM can see; the same text as the partial index's WHERE, so that SQLite can
/// prove the index applies.
const VISIBLE: &str = "state <> 'deprovisioned'";

/// The partial index over visible users in insertion order (see the schema).
const VISIBLE_INDEX: &str = "users_visible_in_order";

fn state_text(state: UserState) -> &'static str {
    match state {
        UserState::Active => "active",
        UserState::Archived => "archived",
        UserState::Deprovisioned => "deprovisioned",
    }
}

fn state_from_text(text: &str) -> Option<UserState> {
    match text {
        "active" => Some(UserState::Active),
        "archived" => Some(UserState::Archived),
        "deprovisioned" => Some(UserState::Deprovisioned),
        _ => None,
    }
}

/// One row of [`USER_COLUMNS`] as a record.
pub(crate) fn user_from_row(row: &Row<'_>) -> rusqlite::Result<UserRecord> {
    let state: String = row.get(8)?;
    let state = state_from_text(&state).ok_or_else(|| conversion(8, Type::Text, format!("unknown state {state:?}")))?;
    Ok(UserRecord {
        workspace_id: row.get(0)?,
        id: row.get(1)?,
        user_name: row.get(2)?,
        external_id: row.get(3)?,
        given_name: row.get(4)?,
        family_name: row.get(5)?,
        email: row.get(6)?,
        role: row.get(7)?,
        state,
        version: version_at(row, 9)?,
        created: time_at(row, 10)?,
        last_modified: time_at(row, 11)?,
        resource: resource_at(row, 12)?,
    })
}

fn taken(user: &UserRecord) -> StoreError {
    StoreError::new(StoreErrorKind::Conflict, format!("userName {} is taken", user.user_name))
}

/// Sweep expired replay-cache entries: everything at or past its NotOnOrAfter.
pub(crate) fn sweep_assertions(conn: &Connection, now: OffsetDateTime) -> Result<usize, StoreError> {
    conn.prepare_cached("DELETE FROM saml_assertions WHERE not_on_or_after_ms <= ?1")
        .and_then(|mut s| s.execute([to_ms(now)]))
        .map_err(|e| failed("cannot sweep expired SAML assertions", e))
}

/// Run an INSERT or UPDATE of `users` whose parameters ?1…?14 are the row's columns in table
/// order and ?15…?17 its shadow keys (one binding list for both, so they cannot drift
/// apart), then replace the user's values rows.
fn write_user(tx: &Transaction<'_>, sql: &str, user: &UserRecord, enc: &Encoded) -> rusqlite::Result<()> {
    let keys = UserKeys::of(user);
    tx.prepare_cached(sql)?.execute(params![
        user.workspace_id,
        user.id,
        user.user_name,
        user.user_name_key(),
        user.external_id,
        user.given_name,
        user.family_name,
        user.email,
        user.role,
        state_text(user.state),
        enc.version,
        to_ms(user.created),
        to_ms(user.last_modified),
        enc.resource,
        keys.display_name,
        keys.given_name,
        keys.family_name,
    ])?;
    USER_VALUES.replace(tx, &user.workspace_id, &user.id, user)
}

/// Insert `user` inside the write transaction `tx`.
fn insert_in(tx: &Transaction<'_>, user: &UserRecord, enc: &Encoded) -> Result<(), StoreError> {
    let sql = "INSERT INTO users (workspace_id, id, seq, user_name, user_name_key, external_id, given_name, \
             family_name, email, role, state, version, created_ms, last_modified_ms, resource, display_name_key, \
             given_name_key, family_name_key) \
             VALUES (?1, ?2, (SELECT coalesce(max(seq), 0) + 1 FROM users WHERE workspace_id = ?1), \
             ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)";
    write_user(tx, sql, user, enc)
        // The id clashing is as much a conflict as the userName: MemoryDirectory says so too.
        .map_err(|e| write_error(e, || taken(user), &user.workspace_id, "cannot insert the user"))
}

impl SqliteDirectory {
    pub(crate) fn token_grant(&self, token_hash: &TokenHash) -> Result<Option<TokenGrant>, StoreError> {
        self.db.read(|c| {
            let mut stmt = c
                .prepare_cached(
                    "SELECT w.id, w.name, w.default_role, t.hash FROM scim_tokens t \
                     JOIN workspaces w ON w.id = t.workspace_id WHERE t.hash = ?1",
                )
                .map_err(|e| failed("cannot look the token up", e))?;
            stmt.query_row([&token_hash.0[..]], |r| {
                let stored: Vec<u8> = r.get(3)?;
                let stored: [u8; 32] =
                    stored.try_into().map_err(|_| conversion(3, Type::Blob, "a token hash is 32 bytes".to_owned()))?;
                Ok(TokenGrant {
                    workspace: Workspace { id: r.get(0)?, name: r.get(1)?, default_role: r.get(2)? },
                    // The hash on record, not the one asked for: the core re-checks the two.
                    token_hash: TokenHash(stored),
                })
            })
            .optional()
            .map_err(|e| failed("cannot look the token up", e))
        })
    }

    pub(crate) fn insert_user_row(&self, user: &UserRecord) -> Result<UserRecord, StoreError> {
        let enc = encode(user.version, &user.resource)?;
        self.db.write(|tx, _| {
            insert_in(tx, user, &enc)?;
            Ok(user.clone())
        })
    }

    /// Insert many new users in one transaction, all or none: what an import of an existing
    /// directory (or a benchmark's load) needs, one fsync instead of one per user. Fails as
    /// `insert_user` does on the first user whose userName key or id is taken, and then
    /// stores none of them.
    pub fn import_users(&self, users: &[UserRecord]) -> Result<usize, StoreError> {
        let encoded = users.iter().map(|u| encode(u.version, &u.resource)).collect::<Result<Vec<_>, _>>()?;
        self.db.write(|tx, _| {
            for (user, enc) in users.iter().zip(&encoded) {
                insert_in(tx, user, enc)?;
            }
            Ok(users.len())
        })
    }

    pub(crate) fn update_user_row(&self, user: &UserRecord, expected_version: u64) -> Result<UserRecord, StoreError> {
        let enc = encode(user.version, &user.resource)?;
        self.db.write(|tx, _| {
            USERS.check_version(tx, &user.workspace_id, &user.id, expected_version)?;
            let sql = "UPDATE users SET user_name = ?3, user_name_key = ?4, external_id = ?5, given_name = ?6, \
                     family_name = ?7, email = ?8, role = ?9, state = ?10, version = ?11, created_ms = ?12, \
                     last_modified_ms = ?13, resource = ?14, display_name_key = ?15, given_name_key = ?16, \
                     family_name_key = ?17 WHERE workspace_id = ?1 AND id = ?2";
            write_user(tx, sql, user, &enc)
                .map_err(|e| write_error(e, || taken(user), &user.workspace_id, "cannot update the user"))?;
            Ok(user.clone())
        })
    }

    pub(crate) fn remember(
        &self,
        workspace_id: &str,
        assertion_id: &str,
        not_on_or_after: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        self.db.write(|tx, inserts| {
            // Swept before the insert (as MemoryDirectory does), so a sweep never deletes the
            // entry just added even if its expiry is already past.
            *inserts += 1;
            if *inserts >= ASSERTION_SWEEP_EVERY {
                sweep_assertions(tx, OffsetDateTime::now_utc())?;
                *inserts = 0;
            }
            let result = tx
                .prepare_cached(
                    "INSERT INTO saml_assertions (workspace_id, assertion_id, not_on_or_after_ms) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (workspace_id, assertion_id) DO NOTHING",
                )
                .and_then(|mut s| s.execute(params![workspace_id, assertion_id, to_ms(not_on_or_after)]));
            match result {
                Ok(changed) => Ok(changed == 1),
                Err(e) if constraint(&e) == Some(Constraint::ForeignKey) => {
                    Err(no_workspace(StoreErrorKind::Failed, workspace_id))
                }
                Err(e) => Err(failed("cannot record the SAML assertion", e)),
            }
        })
    }
}

/// The count of visible users, and an unfiltered page of them in insertion order.
///
/// INDEXED BY because, without statistics, SQLite rates `users_in_order` just as good, and
/// that one would read every deprovisioned row and the table for every skipped one.
fn plain_sql() -> (String, String) {
    (
        // Kept exact by triggers (schema migration 4): one row, not a scan.
        "SELECT coalesce((SELECT visible_users FROM workspace_counts WHERE workspace_id = ?1), 0)".to_owned(),
        format!(
            "SELECT {USER_COLUMNS} FROM users INDEXED BY {VISIBLE_INDEX} WHERE workspace_id = ?1 AND {VISIBLE} \
             ORDER BY seq LIMIT ?2 OFFSET ?3"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::plans::{Wanted, assert_table_plans};
    use sso_scim_core::internal::schema::USER;

    #[test]
    fn lookups_pages_and_translated_lists_go_through_indexes() {
        let wanted = Wanted {
            count: "SEARCH workspace_counts USING PRIMARY KEY (workspace_id=?)",
            page: "USING INDEX users_visible_in_order (workspace_id=?)",
            by_id: "(workspace_id=? AND id=?)",
            by_key: "USING INDEX users_by_user_name (workspace_id=? AND user_name_key=?)",
        };
        let sweep = "DELETE FROM saml_assertions WHERE not_on_or_after_ms <= ?1".to_owned();
        let lists: &[(&str, Option<&str>, &str)] = &[
            ("userName eq \"x\"", None, "users_by_user_name (workspace_id=? AND user_name_key=?)"),
            ("userName sw \"x\"", None, "users_by_user_name (workspace_id=? AND user_name_key>? AND user_name_key<?)"),
            ("externalId eq \"x\"", None, "users_by_external_id (workspace_id=? AND external_id=?)"),
            ("displayName eq \"x\"", None, "users_by_display_name (workspace_id=? AND display_name_key=?)"),
            ("name.familyName eq \"x\"", None, "users_by_family_name (workspace_id=? AND family_name_key=?)"),
            ("name.givenName eq \"x\"", None, "users_by_given_name (workspace_id=? AND given_name_key=?)"),
            ("active eq false", None, "users_by_state (workspace_id=? AND state=?)"),
            ("emails.value eq \"x\"", None, "user_values_by_key (workspace_id=? AND path=? AND key_text=?)"),
            (
                "emails[type eq \"work\"].value eq \"x\"",
                None,
                "user_values_by_key (workspace_id=? AND path=? AND key_text=?)",
            ),
            ("", Some("userName"), "users_by_user_name (workspace_id=?)"),
            ("", Some("displayName"), "users_sorted_by_display_name (workspace_id=?)"),
            ("", Some("-displayName"), "users_sorted_by_display_name_desc (workspace_id=?)"),
            ("", Some("name.familyName"), "users_sorted_by_family_name (workspace_id=?)"),
            ("", Some("-name.familyName"), "users_sorted_by_family_name_desc (workspace_id=?)"),
            ("", Some("-name.givenName"), "users_sorted_by_given_name_desc (workspace_id=?)"),
        ];
        assert_table_plans(&USERS, (&USER, "user_name_key"), wanted, lists, &[(sweep, "saml_assertions_by_expiry")]);
    }
}
