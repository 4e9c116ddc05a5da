-- A database as schema version 1 of sso-scim-sqlite (commit 546d791, before groups) wrote it:
-- SqliteDirectory::open, add_workspace("ws-old"), add_token(hash_token("schema-v1-token")),
-- insert_user("u-ann") and remember_assertion("_old-assertion", year 2984), then dumped with
-- Python's sqlite3 iterdump. Frozen on purpose: it must keep showing what that release wrote
-- even if migration 1's text were ever edited, so never regenerate it from a newer build.
-- Tables come in name order, ahead of the workspaces they reference: keys are checked once all
-- is loaded.
PRAGMA foreign_keys = OFF;
BEGIN TRANSACTION;
CREATE TABLE saml_assertions (
    workspace_id       TEXT NOT NULL REFERENCES workspaces (id),
    assertion_id       TEXT NOT NULL,
    not_on_or_after_ms INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, assertion_id)
) STRICT, WITHOUT ROWID;
INSERT INTO "saml_assertions" VALUES('ws-old','_old-assertion',32000000000000);
CREATE TABLE scim_tokens (
    -- SHA-256 of the bearer token; the token itself is never stored.
    hash         BLOB NOT NULL PRIMARY KEY CHECK (length(hash) = 32),
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    created_ms   INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO "scim_tokens" VALUES(X'9009439E3B6C5D46F61C61A53CEC5068E98FBC2D83E20198C8A59CB9D662A2C8','ws-old',1795883978498);
CREATE TABLE secrets (
    name       TEXT NOT NULL PRIMARY KEY,
    value      BLOB NOT NULL,
    created_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
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
INSERT INTO "users" VALUES('ws-old','u-ann',1,'ann@old.example','ann@old.example','ext-ann','Ann',NULL,NULL,'Project Manager','active',1,1700000000000,1700000000000,'{"externalId":"ext-ann","name":{"givenName":"Ann"},"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ann@old.example"}');
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
INSERT INTO "workspaces" VALUES(1,'ws-old','Old','Project Manager',NULL,1795883978498);
CREATE INDEX scim_tokens_by_workspace ON scim_tokens (workspace_id);
CREATE UNIQUE INDEX users_by_user_name ON users (workspace_id, user_name_key);
CREATE UNIQUE INDEX users_in_order ON users (workspace_id, seq);
CREATE INDEX users_visible_in_order ON users (workspace_id, seq, state) WHERE state <> 'deprovisioned';
CREATE INDEX users_by_external_id ON users (workspace_id, external_id, seq) WHERE external_id IS NOT NULL;
CREATE INDEX saml_assertions_by_expiry ON saml_assertions (not_on_or_after_ms);
PRAGMA user_version = 1;
COMMIT;
