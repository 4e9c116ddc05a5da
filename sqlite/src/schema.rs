//! The schema and its migrations, versioned by `PRAGMA user_version`.
//!
//! Migration `n` (1-based) brings a database from version `n - 1` to `n`. A migration, once
//! released, is never edited: a later change is a new migration appended to [`MIGRATIONS`].

use rusqlite::{Connection, Transaction, TransactionBehavior};
use sso_scim_core::{StoreError, StoreErrorKind};

use crate::errors::failed;

/// Migration 1: workspaces, their SCIM tokens, users, SAML replay cache and server secrets.
///
/// Every table is STRICT so a buggy write cannot slip a value of the wrong type past us.
/// Times are INTEGER milliseconds since the Unix epoch: the precision the SCIM handler stamps,
/// and comparable in SQL (the replay-cache sweep relies on it).
const MIGRATION_1: &str = "
CREATE TABLE workspaces (
    -- Alias of the rowid: listing order is creation order, and VACUUM never renumbers it.
    seq           INTEGER PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    default_role  TEXT NOT NULL,
    -- The JSON text of sso_scim_core::saml::SamlSettings, kept verbatim.
    saml_settings TEXT,
    created_ms    INTEGER NOT NULL
) STRICT;

CREATE TABLE scim_tokens (
    -- SHA-256 of the bearer token; the token itself is never stored.
    hash         BLOB NOT NULL PRIMARY KEY CHECK (length(hash) = 32),
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    created_ms   INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX scim_tokens_by_workspace ON scim_tokens (workspace_id);

CREATE TABLE users (
    workspace_id     TEXT NOT NULL REFERENCES workspaces (id),
    id               TEXT NOT NULL,
    -- Insertion order within the workspace: the stable order of unsorted SCIM pages.
    seq              INTEGER NOT NULL,
    user_name        TEXT NOT NULL,
    -- sso_scim_core::user_name_key(user_name): uniqueness, lookups and the filter agree.
    user_name_key    TEXT NOT NULL,
    external_id      TEXT,
    given_name       TEXT,
    family_name      TEXT,
    email            TEXT,
    role             TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('active', 'archived', 'deprovisioned')),
    version          INTEGER NOT NULL CHECK (version >= 0),
    created_ms       INTEGER NOT NULL,
    last_modified_ms INTEGER NOT NULL,
    -- The SCIM document (a JSON object) without id, meta and active.
    resource         TEXT NOT NULL,
    PRIMARY KEY (workspace_id, id)
) STRICT;
-- Deprovisioned users keep their key: a new POST with the same userName re-links them.
CREATE UNIQUE INDEX users_by_user_name ON users (workspace_id, user_name_key);
CREATE UNIQUE INDEX users_in_order ON users (workspace_id, seq);
-- What SCIM lists and counts: unfiltered pages and totals never touch deprovisioned rows.
-- `state` is a column too although the predicate fixes it: only then does SQLite count, and
-- skip OFFSET rows, from the index alone without reading the table.
CREATE INDEX users_visible_in_order ON users (workspace_id, seq, state) WHERE state <> 'deprovisioned';
CREATE INDEX users_by_external_id ON users (workspace_id, external_id, seq) WHERE external_id IS NOT NULL;

CREATE TABLE saml_assertions (
    workspace_id       TEXT NOT NULL REFERENCES workspaces (id),
    assertion_id       TEXT NOT NULL,
    not_on_or_after_ms INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, assertion_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX saml_assertions_by_expiry ON saml_assertions (not_on_or_after_ms);

CREATE TABLE secrets (
    name       TEXT NOT NULL PRIMARY KEY,
    value      BLOB NOT NULL,
    created_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
";

/// Migration 2: SCIM Groups.
///
/// Like users: keyed by (workspace, id), insertion order in `seq`, and `displayName` unique
/// per workspace through its key, so that the index arbitrates racing creates. Deleting a
/// group deletes its row (groups keep no history), which may hand the highest `seq` out
/// again: that only matters for order, and a new group still sorts after every existing one.
const MIGRATION_2: &str = "
CREATE TABLE groups (
    workspace_id     TEXT NOT NULL REFERENCES workspaces (id),
    id               TEXT NOT NULL,
    -- Insertion order within the workspace: the stable order of unsorted SCIM pages.
    seq              INTEGER NOT NULL,
    display_name     TEXT NOT NULL,
    -- sso_scim_core::display_name_key(display_name): uniqueness, lookups and the filter agree.
    display_name_key TEXT NOT NULL,
    external_id      TEXT,
    version          INTEGER NOT NULL CHECK (version >= 0),
    created_ms       INTEGER NOT NULL,
    last_modified_ms INTEGER NOT NULL,
    -- The SCIM document (a JSON object, members included) without id and meta.
    resource         TEXT NOT NULL,
    PRIMARY KEY (workspace_id, id)
) STRICT;
CREATE UNIQUE INDEX groups_by_display_name ON groups (workspace_id, display_name_key);
CREATE UNIQUE INDEX groups_in_order ON groups (workspace_id, seq);
CREATE INDEX groups_by_external_id ON groups (workspace_id, external_id, seq) WHERE external_id IS NOT NULL;
";

/// Migration 3: what the SQL translation of SCIM filters and sorts reads
/// (`sso_scim_core::query::sql`, docs/ARCHITECTURE.md "SQL pushdown").
///
/// Shadow key columns hold the core's keys of the attributes IdPs and admin tools filter and
/// sort on most (folded by the core, never by SQL's ASCII-only `lower()`); the values tables
/// hold one row per value of every other attribute, keyed by the owner's `seq`. The rows of
/// existing records are written by [`Backfill`] in the same transaction.
const MIGRATION_3: &str = "
ALTER TABLE users ADD COLUMN display_name_key TEXT;
ALTER TABLE users ADD COLUMN given_name_key TEXT;
ALTER TABLE users ADD COLUMN family_name_key TEXT;
CREATE INDEX users_by_display_name ON users (workspace_id, display_name_key, seq) WHERE state <> 'deprovisioned';
CREATE INDEX users_by_given_name ON users (workspace_id, given_name_key, seq) WHERE state <> 'deprovisioned';
CREATE INDEX users_by_family_name ON users (workspace_id, family_name_key, seq) WHERE state <> 'deprovisioned';
CREATE INDEX users_by_state ON users (workspace_id, state, seq) WHERE state <> 'deprovisioned';

CREATE TABLE user_values (
    workspace_id TEXT NOT NULL,
    -- users.seq of the owning user (unique within the workspace, never reused).
    owner        INTEGER NOT NULL,
    -- The attribute's canonical path: emails.value, name, an enterprise attribute by URN.
    path         TEXT NOT NULL,
    -- The value's position among the attribute's non-null values; a sub-attribute's row
    -- carries its element's, so rows of one element join on it.
    elem         INTEGER NOT NULL,
    present      INTEGER NOT NULL CHECK (present IN (0, 1)),
    key_text     TEXT,
    key_num      REAL,
    key_int      INTEGER,
    PRIMARY KEY (workspace_id, owner, path, elem)
) STRICT, WITHOUT ROWID;
CREATE INDEX user_values_by_key ON user_values (workspace_id, path, key_text, owner);

CREATE TABLE group_values (
    workspace_id TEXT NOT NULL,
    owner        INTEGER NOT NULL,
    path         TEXT NOT NULL,
    elem         INTEGER NOT NULL,
    present      INTEGER NOT NULL CHECK (present IN (0, 1)),
    key_text     TEXT,
    key_num      REAL,
    key_int      INTEGER,
    PRIMARY KEY (workspace_id, owner, path, elem)
) STRICT, WITHOUT ROWID;
CREATE INDEX group_values_by_key ON group_values (workspace_id, path, key_text, owner);
";

/// Migration 4: how many users SCIM can see and how many groups each workspace has, kept
/// exact by triggers in the transaction of every write, so that the `totalResults` of an
/// unfiltered list is one row read instead of a scan of every user (55 ms at 1M users).
const MIGRATION_4: &str = "
CREATE TABLE workspace_counts (
    workspace_id  TEXT NOT NULL PRIMARY KEY REFERENCES workspaces (id),
    visible_users INTEGER NOT NULL CHECK (visible_users >= 0),
    groups        INTEGER NOT NULL CHECK (groups >= 0)
) STRICT, WITHOUT ROWID;
INSERT INTO workspace_counts (workspace_id, visible_users, groups)
    SELECT w.id,
           (SELECT count(*) FROM users u WHERE u.workspace_id = w.id AND u.state <> 'deprovisioned'),
           (SELECT count(*) FROM groups g WHERE g.workspace_id = w.id)
    FROM workspaces w;
CREATE TRIGGER workspace_counts_new AFTER INSERT ON workspaces BEGIN
    INSERT OR IGNORE INTO workspace_counts (workspace_id, visible_users, groups) VALUES (NEW.id, 0, 0);
END;
CREATE TRIGGER workspace_counts_user_in AFTER INSERT ON users WHEN NEW.state <> 'deprovisioned' BEGIN
    UPDATE workspace_counts SET visible_users = visible_users + 1 WHERE workspace_id = NEW.workspace_id;
END;
CREATE TRIGGER workspace_counts_user_state AFTER UPDATE OF state ON users
    WHEN (OLD.state <> 'deprovisioned') <> (NEW.state <> 'deprovisioned') BEGIN
    UPDATE workspace_counts
        SET visible_users = visible_users + (CASE WHEN NEW.state <> 'deprovisioned' THEN 1 ELSE -1 END)
        WHERE workspace_id = NEW.workspace_id;
END;
CREATE TRIGGER workspace_counts_user_out AFTER DELETE ON users WHEN OLD.state <> 'deprovisioned' BEGIN
    UPDATE workspace_counts SET visible_users = visible_users - 1 WHERE workspace_id = OLD.workspace_id;
END;
CREATE TRIGGER workspace_counts_group_in AFTER INSERT ON groups BEGIN
    UPDATE workspace_counts SET groups = groups + 1 WHERE workspace_id = NEW.workspace_id;
END;
CREATE TRIGGER workspace_counts_group_out AFTER DELETE ON groups BEGIN
    UPDATE workspace_counts SET groups = groups - 1 WHERE workspace_id = OLD.workspace_id;
END;
";

/// Migration 5: sorts on the names IdPs and admin tools show answered from an index. The core
/// sorts users without the attribute last (first when descending), which SQL writes as
/// `(key IS NULL), key`; these indexes hold exactly that order, one per direction, so that ties
/// keep insertion order either way.
const MIGRATION_5: &str = "
CREATE INDEX users_sorted_by_display_name ON users
    (workspace_id, (display_name_key IS NULL), display_name_key, seq) WHERE state <> 'deprovisioned';
CREATE INDEX users_sorted_by_display_name_desc ON users
    (workspace_id, (display_name_key IS NULL), display_name_key, seq DESC) WHERE state <> 'deprovisioned';
CREATE INDEX users_sorted_by_family_name ON users
    (workspace_id, (family_name_key IS NULL), family_name_key, seq) WHERE state <> 'deprovisioned';
CREATE INDEX users_sorted_by_family_name_desc ON users
    (workspace_id, (family_name_key IS NULL), family_name_key, seq DESC) WHERE state <> 'deprovisioned';
CREATE INDEX users_sorted_by_given_name ON users
    (workspace_id, (given_name_key IS NULL), given_name_key, seq) WHERE state <> 'deprovisioned';
CREATE INDEX users_sorted_by_given_name_desc ON users
    (workspace_id, (given_name_key IS NULL), given_name_key, seq DESC) WHERE state <> 'deprovisioned';
";

/// Every migration in order; the schema version is the number applied.
const MIGRATIONS: &[&str] = &[MIGRATION_1, MIGRATION_2, MIGRATION_3, MIGRATION_4, MIGRATION_5];

/// Work a migration needs beyond SQL, run in the migration's transaction after the SQL of
/// every pending migration, with the version the database had before: computing what only
/// the core can compute (the pushdown keys of records written before migration 3).
pub(crate) type Backfill = fn(&Transaction<'_>, u32) -> Result<(), StoreError>;

/// The schema version this build writes (and the newest it can open).
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

fn user_version(conn: &Connection) -> Result<u32, StoreError> {
    let v: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| failed("cannot read the database's schema version", e))?;
    // user_version is a signed 32-bit header field; a negative one was not written by us.
    u32::try_from(v).map_err(|_| StoreError::new(StoreErrorKind::Failed, format!("schema version {v} is invalid")))
}

/// Refuse a database whose schema is newer than this build, naming both versions.
fn check_not_newer(found: u32) -> Result<(), StoreError> {
    if found > SCHEMA_VERSION {
        return Err(StoreError::new(
            StoreErrorKind::Failed,
            format!(
                "the database has schema version {found}, newer than version {SCHEMA_VERSION} that this build \
                 of sso-scim-sqlite knows; open it with a newer sso-scim"
            ),
        ));
    }
    Ok(())
}

/// Refuse early, before anything (even the journal mode) is changed in a database we
/// cannot understand.
pub(crate) fn check_version(conn: &Connection) -> Result<(), StoreError> {
    check_not_newer(user_version(conn)?)
}

/// Apply every pending migration in one transaction: either the database reaches
/// [`SCHEMA_VERSION`] or it is left as it was.
pub(crate) fn migrate(conn: &mut Connection, backfill: Backfill) -> Result<(), StoreError> {
    // IMMEDIATE takes the write lock first, so two processes opening a fresh file at once
    // cannot both migrate: the second waits (busy_timeout), then finds the work done.
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| failed("cannot start the migration transaction", e))?;
    let found = user_version(&tx)?;
    check_not_newer(found)?;
    if found == SCHEMA_VERSION {
        return Ok(());
    }
    if found == 0 {
        // Version 0 is also every SQLite file that is not ours; adding our tables to someone
        // else's database would be a silent mess, so only an empty file is adopted.
        let objects: i64 = tx
            .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
            .map_err(|e| failed("cannot inspect the database", e))?;
        if objects > 0 {
            return Err(StoreError::new(
                StoreErrorKind::Failed,
                "the database already holds tables but no sso-scim schema version; it is not an sso-scim database",
            ));
        }
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        tx.execute_batch(sql).map_err(|e| failed(&format!("migration {} failed", i + 1), e))?;
    }
    backfill(&tx, found)?;
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)
        .map_err(|e| failed("cannot record the schema version", e))?;
    tx.commit().map_err(|e| failed("cannot commit the migration", e))
}
