-- Migration 1: workspaces, their SCIM tokens, users, groups, the values the filters search,
-- the SAML replay cache and server secrets.
--
-- Tables mirror sso-scim-sqlite's (sqlite/src/schema.rs), with these differences:
-- * `seq` is an identity column, one sequence per table: insertion order across every process
--   writing the database (a per-workspace max + 1 would race between processes).
-- * Every text column that filters or sorts compare is COLLATE "C": byte order, which for UTF-8
--   is code point order, the order the core sorts in, whatever the database's default collation.
--   The `*_key` columns hold the core's own folded forms (written by the store from core's
--   functions), so that SQL never folds case itself: PostgreSQL's lower() depends on the locale.
-- * `user_values` / `group_values` hold one row per searchable value of a record, so that
--   filters on multi-valued attributes (emails.value, members.value) use an index.
-- Times are BIGINT milliseconds since the Unix epoch, as in SQLite: the precision the SCIM
-- handler stamps, the full range of the time crate, and comparable in SQL.

CREATE TABLE workspaces (
    -- Listing order is creation order.
    seq           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id            TEXT COLLATE "C" NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    default_role  TEXT NOT NULL,
    -- The JSON text of sso_scim_core::saml::SamlSettings, kept verbatim.
    saml_settings TEXT,
    created_ms    BIGINT NOT NULL
);

CREATE TABLE scim_tokens (
    -- SHA-256 of the bearer token; the token itself is never stored.
    hash         BYTEA PRIMARY KEY CHECK (length(hash) = 32),
    workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces (id),
    created_ms   BIGINT NOT NULL
);
CREATE INDEX scim_tokens_by_workspace ON scim_tokens (workspace_id);

CREATE TABLE users (
    workspace_id     TEXT COLLATE "C" NOT NULL REFERENCES workspaces (id),
    id               TEXT COLLATE "C" NOT NULL,
    -- Insertion order: the stable order of unsorted SCIM pages, and the owner key of user_values.
    seq              BIGINT GENERATED ALWAYS AS IDENTITY,
    user_name        TEXT COLLATE "C" NOT NULL,
    -- sso_scim_core::user_name_key(user_name): uniqueness, lookups and the filter agree.
    user_name_key    TEXT COLLATE "C" NOT NULL,
    external_id      TEXT COLLATE "C",
    -- The core's folded forms of displayName, name.givenName and name.familyName.
    display_name_key TEXT COLLATE "C",
    given_name_key   TEXT COLLATE "C",
    family_name_key  TEXT COLLATE "C",
    given_name       TEXT COLLATE "C",
    family_name      TEXT COLLATE "C",
    email            TEXT COLLATE "C",
    role             TEXT NOT NULL,
    state            TEXT COLLATE "C" NOT NULL CHECK (state IN ('active', 'archived', 'deprovisioned')),
    version          BIGINT NOT NULL CHECK (version >= 0),
    created_ms       BIGINT NOT NULL,
    last_modified_ms BIGINT NOT NULL,
    -- The SCIM document (a JSON object) without id, meta and active, as JSON text: kept exactly
    -- (jsonb would reorder members and rewrite numbers).
    resource         TEXT NOT NULL,
    PRIMARY KEY (workspace_id, id),
    UNIQUE (workspace_id, seq)
);
-- Deprovisioned users keep their key: a new POST with the same userName re-links them.
CREATE UNIQUE INDEX users_by_user_name ON users (workspace_id, user_name_key);
-- What SCIM lists and counts: visible users in insertion order, by index alone.
CREATE INDEX users_visible_in_order ON users (workspace_id, seq) WHERE state <> 'deprovisioned';
-- `active eq true/false`: one state's users in insertion order.
CREATE INDEX users_by_state ON users (workspace_id, state, seq) WHERE state <> 'deprovisioned';
CREATE INDEX users_by_external_id ON users (workspace_id, external_id, seq);
CREATE INDEX users_by_display_name ON users (workspace_id, display_name_key, seq);
CREATE INDEX users_by_given_name ON users (workspace_id, given_name_key, seq);
CREATE INDEX users_by_family_name ON users (workspace_id, family_name_key, seq);

CREATE TABLE groups (
    workspace_id     TEXT COLLATE "C" NOT NULL REFERENCES workspaces (id),
    id               TEXT COLLATE "C" NOT NULL,
    -- Insertion order; a deleted group's number is never handed out again.
    seq              BIGINT GENERATED ALWAYS AS IDENTITY,
    display_name     TEXT COLLATE "C" NOT NULL,
    -- sso_scim_core::display_name_key(display_name): uniqueness, lookups and the filter agree.
    display_name_key TEXT COLLATE "C" NOT NULL,
    external_id      TEXT COLLATE "C",
    version          BIGINT NOT NULL CHECK (version >= 0),
    created_ms       BIGINT NOT NULL,
    last_modified_ms BIGINT NOT NULL,
    -- The SCIM document (a JSON object, members included) without id and meta.
    resource         TEXT NOT NULL,
    PRIMARY KEY (workspace_id, id),
    UNIQUE (workspace_id, seq)
);
CREATE UNIQUE INDEX groups_by_display_name ON groups (workspace_id, display_name_key);
CREATE INDEX groups_by_external_id ON groups (workspace_id, external_id, seq);

-- One row per value of a record's searchable attributes (`path`, e.g. `emails.value`), `elem`
-- numbering the values of a multi-valued attribute; `present` whether the value counts for `pr`,
-- and the value in the one typed column its comparison uses. Rewritten (DELETE + INSERT) in the
-- transaction of every write of the owner.
CREATE TABLE user_values (
    workspace_id TEXT COLLATE "C" NOT NULL,
    owner        BIGINT NOT NULL,
    path         TEXT COLLATE "C" NOT NULL,
    elem         INTEGER NOT NULL,
    present      BOOLEAN NOT NULL,
    key_text     TEXT COLLATE "C",
    key_num      DOUBLE PRECISION,
    key_int      BIGINT,
    PRIMARY KEY (workspace_id, owner, path, elem),
    FOREIGN KEY (workspace_id, owner) REFERENCES users (workspace_id, seq) ON DELETE CASCADE
);
CREATE INDEX user_values_by_key ON user_values (workspace_id, path, key_text, owner);

CREATE TABLE group_values (
    workspace_id TEXT COLLATE "C" NOT NULL,
    owner        BIGINT NOT NULL,
    path         TEXT COLLATE "C" NOT NULL,
    elem         INTEGER NOT NULL,
    present      BOOLEAN NOT NULL,
    key_text     TEXT COLLATE "C",
    key_num      DOUBLE PRECISION,
    key_int      BIGINT,
    PRIMARY KEY (workspace_id, owner, path, elem),
    -- A deleted group takes its values with it.
    FOREIGN KEY (workspace_id, owner) REFERENCES groups (workspace_id, seq) ON DELETE CASCADE
);
CREATE INDEX group_values_by_key ON group_values (workspace_id, path, key_text, owner);

CREATE TABLE saml_assertions (
    workspace_id       TEXT COLLATE "C" NOT NULL REFERENCES workspaces (id),
    assertion_id       TEXT COLLATE "C" NOT NULL,
    not_on_or_after_ms BIGINT NOT NULL,
    -- The key that lets exactly one of two processes remember an assertion first.
    PRIMARY KEY (workspace_id, assertion_id)
);
CREATE INDEX saml_assertions_by_expiry ON saml_assertions (not_on_or_after_ms);

CREATE TABLE secrets (
    name       TEXT PRIMARY KEY,
    value      BYTEA NOT NULL,
    created_ms BIGINT NOT NULL
);
