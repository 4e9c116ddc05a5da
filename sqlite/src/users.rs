//! The [`Directory`] implementation: users, token lookup and the SAML replay cache.

use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use serde_json::{Map, Value};
use sso_scim_core::scim::filter::IndexHint;
use sso_scim_core::token::{TokenGrant, TokenHash};
use sso_scim_core::{
    Directory, ListQuery, StoreError, StoreErrorKind, UserPage, UserRecord, UserState, Workspace, user_name_key,
};
use time::OffsetDateTime;

use crate::SqliteDirectory;
use crate::db::ASSERTION_SWEEP_EVERY;
use crate::errors::{Constraint, constraint, corrupt, failed, no_workspace};

/// The columns of a [`UserRecord`], in the order [`user_from_row`] reads them.
pub(crate) const USER_COLUMNS: &str = "workspace_id, id, user_name, external_id, given_name, family_name, email, role, \
     state, version, created_ms, last_modified_ms, resource";

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

/// Milliseconds since the Unix epoch (floored: sub-millisecond digits are dropped; the SCIM
/// handler never stamps any).
pub(crate) fn to_ms(t: OffsetDateTime) -> i64 {
    // The time crate's range (±9999 years) is far inside i64 milliseconds.
    i64::try_from(t.unix_timestamp_nanos().div_euclid(1_000_000)).unwrap_or(i64::MAX)
}

pub(crate) fn from_ms(ms: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
}

fn conversion(column: usize, ty: Type, message: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, ty, message.into())
}

pub(crate) fn time_at(row: &Row<'_>, column: usize) -> rusqlite::Result<OffsetDateTime> {
    let ms: i64 = row.get(column)?;
    from_ms(ms).ok_or_else(|| conversion(column, Type::Integer, format!("{ms} ms is not a representable time")))
}

/// One row of [`USER_COLUMNS`] as a record.
pub(crate) fn user_from_row(row: &Row<'_>) -> rusqlite::Result<UserRecord> {
    let state: String = row.get(8)?;
    let state = state_from_text(&state).ok_or_else(|| conversion(8, Type::Text, format!("unknown state {state:?}")))?;
    let version: i64 = row.get(9)?;
    let version =
        u64::try_from(version).map_err(|_| conversion(9, Type::Integer, format!("negative version {version}")))?;
    let resource: String = row.get(12)?;
    let resource: Map<String, Value> =
        serde_json::from_str(&resource).map_err(|e| conversion(12, Type::Text, format!("resource: {e}")))?;
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
        version,
        created: time_at(row, 10)?,
        last_modified: time_at(row, 11)?,
        resource,
    })
}

/// The column values of a record that are not plain strings, converted for SQL.
struct Encoded {
    version: i64,
    resource: String,
}

fn encode(user: &UserRecord) -> Result<Encoded, StoreError> {
    let version = i64::try_from(user.version).map_err(|_| {
        StoreError::new(StoreErrorKind::Failed, format!("version {} does not fit in SQLite's INTEGER", user.version))
    })?;
    let resource = serde_json::to_string(&user.resource)
        .map_err(|e| StoreError::new(StoreErrorKind::Failed, format!("cannot serialise the SCIM document: {e}")))?;
    Ok(Encoded { version, resource })
}

fn taken(user: &UserRecord) -> StoreError {
    StoreError::new(StoreErrorKind::Conflict, format!("userName {} is taken", user.user_name))
}

fn read_failed(e: rusqlite::Error) -> StoreError {
    failed("cannot read users", e)
}

/// Sweep expired replay-cache entries: everything at or past its NotOnOrAfter.
pub(crate) fn sweep_assertions(conn: &Connection, now: OffsetDateTime) -> Result<usize, StoreError> {
    conn.prepare_cached("DELETE FROM saml_assertions WHERE not_on_or_after_ms <= ?1")
        .and_then(|mut s| s.execute([to_ms(now)]))
        .map_err(|e| failed("cannot sweep expired SAML assertions", e))
}

impl SqliteDirectory {
    fn token_grant(&self, token_hash: &TokenHash) -> Result<Option<TokenGrant>, StoreError> {
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

    fn user_where(&self, workspace_id: &str, column: &str, value: &str) -> Result<Option<UserRecord>, StoreError> {
        self.db.read(|c| {
            let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE workspace_id = ?1 AND {column} = ?2");
            let mut stmt = c.prepare_cached(&sql).map_err(read_failed)?;
            stmt.query_row([workspace_id, value], user_from_row).optional().map_err(read_failed)
        })
    }

    fn query(&self, workspace_id: &str, query: &ListQuery) -> Result<UserPage, StoreError> {
        let skip = query.start_index.saturating_sub(1);
        self.db.read(|c| {
            // One snapshot for the count and the page, so a concurrent write cannot make
            // them disagree.
            let tx = c.unchecked_transaction().map_err(read_failed)?;
            let page = if query.filter.is_none() && query.sort.is_none() {
                plain_page(&tx, workspace_id, skip, query.count)?
            } else {
                filtered_page(&tx, workspace_id, query, skip)?
            };
            tx.finish().map_err(read_failed)?;
            Ok(page)
        })
    }

    fn insert(&self, user: &UserRecord) -> Result<UserRecord, StoreError> {
        let enc = encode(user)?;
        self.db.write(|tx, _| {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO users (workspace_id, id, seq, user_name, user_name_key, external_id, given_name, \
                     family_name, email, role, state, version, created_ms, last_modified_ms, resource) \
                     VALUES (?1, ?2, (SELECT coalesce(max(seq), 0) + 1 FROM users WHERE workspace_id = ?1), \
                     ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                )
                .map_err(|e| failed("cannot insert the user", e))?;
            let result = stmt.execute(params![
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
            ]);
            match result {
                Ok(_) => Ok(user.clone()),
                // The id clashing is as much a conflict as the userName: MemoryDirectory says so too.
                Err(e) if constraint(&e) == Some(Constraint::Unique) => Err(taken(user)),
                Err(e) if constraint(&e) == Some(Constraint::ForeignKey) => {
                    Err(no_workspace(StoreErrorKind::Failed, &user.workspace_id))
                }
                Err(e) => Err(failed("cannot insert the user", e)),
            }
        })
    }

    fn update(&self, user: &UserRecord, expected_version: u64) -> Result<UserRecord, StoreError> {
        let enc = encode(user)?;
        self.db.write(|tx, _| {
            let stored: Option<i64> = tx
                .prepare_cached("SELECT version FROM users WHERE workspace_id = ?1 AND id = ?2")
                .and_then(|mut s| s.query_row([&user.workspace_id, &user.id], |r| r.get(0)).optional())
                .map_err(|e| failed("cannot read the user to update", e))?;
            let Some(stored) = stored else {
                return Err(StoreError::new(StoreErrorKind::NotFound, format!("no user {}", user.id)));
            };
            if u64::try_from(stored).ok() != Some(expected_version) {
                return Err(StoreError::new(
                    StoreErrorKind::VersionMismatch,
                    format!("user {} is at version {stored}, not {expected_version}", user.id),
                ));
            }
            let mut stmt = tx
                .prepare_cached(
                    "UPDATE users SET user_name = ?3, user_name_key = ?4, external_id = ?5, given_name = ?6, \
                     family_name = ?7, email = ?8, role = ?9, state = ?10, version = ?11, created_ms = ?12, \
                     last_modified_ms = ?13, resource = ?14 WHERE workspace_id = ?1 AND id = ?2",
                )
                .map_err(|e| failed("cannot update the user", e))?;
            let result = stmt.execute(params![
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
            ]);
            match result {
                Ok(_) => Ok(user.clone()),
                Err(e) if constraint(&e) == Some(Constraint::Unique) => Err(taken(user)),
                Err(e) => Err(failed("cannot update the user", e)),
            }
        })
    }

    fn remember(
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

fn to_sql_count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The count of visible users, and an unfiltered page of them in insertion order.
///
/// INDEXED BY because, without statistics, SQLite rates `users_in_order` just as good, and
/// that one would read every deprovisioned row and the table for every skipped one.
fn plain_sql() -> (String, String) {
    (
        format!("SELECT count(*) FROM users INDEXED BY {VISIBLE_INDEX} WHERE workspace_id = ?1 AND {VISIBLE}"),
        format!(
            "SELECT {USER_COLUMNS} FROM users INDEXED BY {VISIBLE_INDEX} WHERE workspace_id = ?1 AND {VISIBLE} \
             ORDER BY seq LIMIT ?2 OFFSET ?3"
        ),
    )
}

/// The SQL selecting a filtered query's candidates in insertion order, and the value to bind
/// to `?2` when an index hint narrows them (the userName one through its key).
fn candidates(hint: Option<IndexHint<'_>>) -> (String, Option<String>) {
    let base = format!("SELECT {USER_COLUMNS} FROM users WHERE workspace_id = ?1 AND {VISIBLE}");
    match hint {
        Some(IndexHint::Id(id)) => (format!("{base} AND id = ?2"), Some(id.to_owned())),
        Some(IndexHint::UserName(name)) => (format!("{base} AND user_name_key = ?2"), Some(user_name_key(name))),
        Some(IndexHint::ExternalId(ext)) => (format!("{base} AND external_id = ?2 ORDER BY seq"), Some(ext.to_owned())),
        // Hints for other resource types (a Group's displayName) do not narrow users: scan.
        _ => (
            format!(
                "SELECT {USER_COLUMNS} FROM users INDEXED BY {VISIBLE_INDEX} WHERE workspace_id = ?1 AND {VISIBLE} \
                 ORDER BY seq"
            ),
            None,
        ),
    }
}

/// An unfiltered, unsorted page: SQL does the paging over the visible-users index.
fn plain_page(tx: &Transaction<'_>, workspace_id: &str, skip: usize, count: usize) -> Result<UserPage, StoreError> {
    let (count_sql, page_sql) = plain_sql();
    let total: i64 = tx
        .prepare_cached(&count_sql)
        .and_then(|mut s| s.query_row([workspace_id], |r| r.get(0)))
        .map_err(read_failed)?;
    let total_results = usize::try_from(total).map_err(|_| corrupt(format!("negative count {total}")))?;
    let mut users = Vec::new();
    if count > 0 && skip < total_results {
        let mut stmt = tx.prepare_cached(&page_sql).map_err(read_failed)?;
        let rows = stmt
            .query_map(params![workspace_id, to_sql_count(count), to_sql_count(skip)], user_from_row)
            .map_err(read_failed)?;
        for user in rows {
            users.push(user.map_err(read_failed)?);
        }
    }
    Ok(UserPage { total_results, users })
}

/// A filtered or sorted page: the index hint (if any) narrows the candidates in SQL, the
/// core's own [`Filter::matches`](sso_scim_core::scim::filter::Filter::matches) decides, and
/// [`SortSpec::sort`](sso_scim_core::scim::filter::SortSpec::sort) orders, so the answers are
/// exactly those of every other store.
fn filtered_page(
    tx: &Transaction<'_>,
    workspace_id: &str,
    query: &ListQuery,
    skip: usize,
) -> Result<UserPage, StoreError> {
    let hint = query.filter.as_ref().and_then(|f| f.index_hint());
    let (sql, value) = candidates(hint);
    let mut stmt = tx.prepare_cached(&sql).map_err(read_failed)?;
    let rows = match &value {
        Some(v) => stmt.query_map(params![workspace_id, v], user_from_row),
        None => stmt.query_map(params![workspace_id], user_from_row),
    }
    .map_err(read_failed)?;
    let mut page = UserPage::default();
    let mut sorted = Vec::new();
    for user in rows {
        let user = user.map_err(read_failed)?;
        if !query.filter.as_ref().is_none_or(|f| f.matches(&user)) {
            continue;
        }
        if query.sort.is_some() {
            sorted.push(user);
        } else {
            // Only the page is kept; the rest is counted.
            if page.total_results >= skip && page.users.len() < query.count {
                page.users.push(user);
            }
            page.total_results += 1;
        }
    }
    if let Some(sort) = &query.sort {
        sort.sort(&mut sorted);
        page.total_results = sorted.len();
        page.users = sorted.into_iter().skip(skip).take(query.count).collect();
    }
    Ok(page)
}

impl Directory for SqliteDirectory {
    async fn workspace_for_token(&self, token_hash: &TokenHash) -> Result<Option<TokenGrant>, StoreError> {
        self.token_grant(token_hash)
    }

    async fn get_user(&self, workspace_id: &str, id: &str) -> Result<Option<UserRecord>, StoreError> {
        self.user_where(workspace_id, "id", id)
    }

    async fn find_by_user_name(
        &self,
        workspace_id: &str,
        user_name_key: &str,
    ) -> Result<Option<UserRecord>, StoreError> {
        self.user_where(workspace_id, "user_name_key", user_name_key)
    }

    async fn query_users(&self, workspace_id: &str, query: &ListQuery) -> Result<UserPage, StoreError> {
        self.query(workspace_id, query)
    }

    async fn insert_user(&self, user: &UserRecord) -> Result<UserRecord, StoreError> {
        self.insert(user)
    }

    async fn update_user(&self, user: &UserRecord, expected_version: u64) -> Result<UserRecord, StoreError> {
        self.update(user, expected_version)
    }

    async fn remember_assertion(
        &self,
        workspace_id: &str,
        assertion_id: &str,
        not_on_or_after: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        self.remember(workspace_id, assertion_id, not_on_or_after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

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

    #[test]
    fn lookups_and_pages_go_through_indexes() {
        /// Removes the directory even when an assertion fails.
        struct Cleanup(std::path::PathBuf);
        impl Drop for Cleanup {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
        let dir = Cleanup(std::env::temp_dir().join(format!("sso-scim-sqlite-plans-{}", std::process::id())));
        std::fs::create_dir_all(&dir.0).unwrap();
        let db = Db::open(&dir.0.join("plans.db")).unwrap();
        let (count, page) = plain_sql();
        let cases = [
            (count, "COVERING INDEX users_visible_in_order (workspace_id=?)"),
            (page, "USING INDEX users_visible_in_order (workspace_id=?)"),
            (candidates(Some(IndexHint::Id("x"))).0, "(workspace_id=? AND id=?)"),
            (
                candidates(Some(IndexHint::UserName("X"))).0,
                "USING INDEX users_by_user_name (workspace_id=? AND user_name_key=?)",
            ),
            (
                candidates(Some(IndexHint::ExternalId("x"))).0,
                "USING INDEX users_by_external_id (workspace_id=? AND external_id=?)",
            ),
            (candidates(None).0, "USING INDEX users_visible_in_order (workspace_id=?)"),
            (
                format!("SELECT {USER_COLUMNS} FROM users WHERE workspace_id = ?1 AND id = ?2"),
                "(workspace_id=? AND id=?)",
            ),
            (
                format!("SELECT {USER_COLUMNS} FROM users WHERE workspace_id = ?1 AND user_name_key = ?2"),
                "users_by_user_name",
            ),
            ("DELETE FROM saml_assertions WHERE not_on_or_after_ms <= ?1".to_owned(), "saml_assertions_by_expiry"),
        ];
        for (sql, want) in cases {
            let got = plan(&db, &sql);
            assert!(got.contains(want), "{sql}\n  plan: {got}\n  wanted: {want}");
            assert!(!got.contains("TEMP B-TREE"), "{sql} sorts in a temporary b-tree: {got}");
        }
    }

    #[test]
    fn candidates_compare_user_names_through_their_key() {
        assert_eq!(candidates(Some(IndexHint::UserName("ÄnN@X"))).1.as_deref(), Some("änn@x"));
        assert_eq!(candidates(Some(IndexHint::ExternalId("AbC"))).1.as_deref(), Some("AbC"));
        assert_eq!(candidates(None).1, None);
    }
}
