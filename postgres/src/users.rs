//! Users: the `users` table, answering as the core's `MemoryDirectory` does.

use sso_scim_core::query::sql::UserKeys;
use sso_scim_core::{StoreError, StoreErrorKind, UserRecord, UserState};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use crate::PostgresDirectory;
use crate::codec::{Encoded, check_text, column, encode, resource_at, time_at, to_ms, version_at};
use crate::errors::{corrupt, failed, write_error};
use crate::table::Table;
use crate::values::{Rows, USER_VALUES};

/// The columns of a [`UserRecord`], in the order [`user_from_row`] reads them.
pub(crate) const USER_COLUMNS: &str = "workspace_id, id, user_name, external_id, given_name, family_name, email, role, \
     state, version, created_ms, last_modified_ms, resource";

/// Only users SCIM can see (the row aliased `r`); the same condition as the partial indexes'
/// WHERE, so that PostgreSQL can prove they apply.
pub(crate) const VISIBLE: &str = "r.state <> 'deprovisioned'";

/// The `users` table.
pub(crate) const USERS: Table<UserRecord> = Table {
    name: "users",
    noun: "user",
    columns: USER_COLUMNS,
    from_row: user_from_row,
    listed: VISIBLE,
    values: USER_VALUES,
    count_column: "visible_users",
};

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
pub(crate) fn user_from_row(row: &Row) -> Result<UserRecord, StoreError> {
    let state: &str = column(row, 8)?;
    let state = state_from_text(state).ok_or_else(|| corrupt(format!("unknown user state {state:?}")))?;
    Ok(UserRecord {
        workspace_id: column(row, 0)?,
        id: column(row, 1)?,
        user_name: column(row, 2)?,
        external_id: column(row, 3)?,
        given_name: column(row, 4)?,
        family_name: column(row, 5)?,
        email: column(row, 6)?,
        role: column(row, 7)?,
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

/// A user's column values, shadow keys and values rows, computed and checked before any
/// connection is taken.
struct UserRow {
    user_name_key: String,
    state: &'static str,
    created_ms: i64,
    last_modified_ms: i64,
    enc: Encoded,
    keys: UserKeys,
    values: Rows,
}

impl UserRow {
    fn new(user: &UserRecord) -> Result<UserRow, StoreError> {
        let fields = [
            Some(user.workspace_id.as_str()),
            Some(&user.id),
            Some(&user.user_name),
            user.external_id.as_deref(),
            user.given_name.as_deref(),
            user.family_name.as_deref(),
            user.email.as_deref(),
            Some(&user.role),
        ];
        check_text("a user's field", fields)?;
        let keys = UserKeys::of(user);
        check_text("a user's name", [&keys.display_name, &keys.given_name, &keys.family_name].map(Option::as_deref))?;
        Ok(UserRow {
            user_name_key: user.user_name_key(),
            state: state_text(user.state),
            created_ms: to_ms(user.created),
            last_modified_ms: to_ms(user.last_modified),
            enc: encode(user.version, &user.resource)?,
            values: USER_VALUES.rows_of(user)?,
            keys,
        })
    }

    /// The parameters `$1`…`$17` of an INSERT or UPDATE: the row's columns in table order,
    /// then the shadow keys (one binding list for both, so they cannot drift apart).
    fn params<'a>(&'a self, user: &'a UserRecord) -> [&'a (dyn ToSql + Sync); 17] {
        [
            &user.workspace_id,
            &user.id,
            &user.user_name,
            &self.user_name_key,
            &user.external_id,
            &user.given_name,
            &user.family_name,
            &user.email,
            &user.role,
            &self.state,
            &self.enc.version,
            &self.created_ms,
            &self.last_modified_ms,
            &self.enc.resource,
            &self.keys.display_name,
            &self.keys.given_name,
            &self.keys.family_name,
        ]
    }
}

impl PostgresDirectory {
    /// `Directory::insert_user`: `Conflict` when the userName key or the id is taken in the
    /// workspace (the UNIQUE indexes decide, so racing inserts cannot both win).
    pub(crate) async fn insert_user_row(&self, user: &UserRecord) -> Result<UserRecord, StoreError> {
        let row = UserRow::new(user)?;
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(|e| failed("cannot start a transaction", e))?;
        let sql = "INSERT INTO users (workspace_id, id, user_name, user_name_key, external_id, given_name, \
                   family_name, email, role, state, version, created_ms, last_modified_ms, resource, \
                   display_name_key, given_name_key, family_name_key) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING seq";
        let stmt = tx.prepare_cached(sql).await.map_err(|e| failed("cannot insert the user", e))?;
        // The id clashing is as much a conflict as the userName: MemoryDirectory says so too.
        let inserted = tx
            .query_one(&stmt, &row.params(user))
            .await
            .map_err(|e| write_error(e, || taken(user), &user.workspace_id, "cannot insert the user"))?;
        USER_VALUES.replace(&tx, &user.workspace_id, column(&inserted, 0)?, &row.values, true).await?;
        tx.commit().await.map_err(|e| failed("cannot commit the new user", e))?;
        Ok(user.clone())
    }

    /// `Directory::update_user`: `NotFound`, then `VersionMismatch`, then `Conflict`, in the
    /// order `MemoryDirectory` checks them.
    pub(crate) async fn update_user_row(&self, user: &UserRecord, expected: u64) -> Result<UserRecord, StoreError> {
        let row = UserRow::new(user)?;
        let expected_sql = i64::try_from(expected).unwrap_or(-1);
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(|e| failed("cannot start a transaction", e))?;
        // One statement checks and writes: a concurrent update of the same row waits for the
        // other's commit, then finds the version moved and matches nothing.
        let sql = "UPDATE users SET user_name = $3, user_name_key = $4, external_id = $5, given_name = $6, \
                   family_name = $7, email = $8, role = $9, state = $10, version = $11, created_ms = $12, \
                   last_modified_ms = $13, resource = $14, display_name_key = $15, given_name_key = $16, \
                   family_name_key = $17 WHERE workspace_id = $1 AND id = $2 AND version = $18 RETURNING seq";
        let stmt = tx.prepare_cached(sql).await.map_err(|e| failed("cannot update the user", e))?;
        let mut params = row.params(user).to_vec();
        params.push(&expected_sql);
        let updated = tx
            .query_opt(&stmt, &params)
            .await
            .map_err(|e| write_error(e, || taken(user), &user.workspace_id, "cannot update the user"))?;
        let Some(updated) = updated else {
            return Err(USERS.refusal(&tx, &user.workspace_id, &user.id, expected).await);
        };
        USER_VALUES.replace(&tx, &user.workspace_id, column(&updated, 0)?, &row.values, false).await?;
        tx.commit().await.map_err(|e| failed("cannot commit the user's change", e))?;
        Ok(user.clone())
    }
}
