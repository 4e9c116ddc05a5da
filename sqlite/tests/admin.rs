//! The administration API, persistence across reopening, and schema migrations.

mod common;

use common::*;
use serde_json::json;
use sso_scim_core::DEFAULT_ROLE;
use sso_scim_core::token::ScimToken;
use sso_scim_core::{Directory, StoreErrorKind, UserState, Workspace};
use sso_scim_sqlite::{SCHEMA_VERSION, SqliteDirectory};
use time::{Duration, OffsetDateTime};

#[test]
fn workspaces_get_random_readable_ids_and_list_oldest_first() {
    let tmp = TempDir::new("workspaces");
    let dir = SqliteDirectory::open(tmp.db()).unwrap();
    assert!(dir.is_empty().unwrap());
    assert_eq!(dir.workspaces().unwrap(), []);
    let a = dir.create_workspace("Acme", None).unwrap();
    let b = dir.create_workspace("Bravo", Some("Member")).unwrap();
    assert!(!dir.is_empty().unwrap());
    for ws in [&a, &b] {
        assert_eq!(ws.id.len(), 19, "{}", ws.id);
        assert!(ws.id.starts_with("ws_"));
        assert!(ws.id[3..].bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)), "{}", ws.id);
    }
    assert_ne!(a.id, b.id);
    assert_eq!((a.name.as_str(), a.default_role.as_str()), ("Acme", DEFAULT_ROLE));
    assert_eq!((b.name.as_str(), b.default_role.as_str()), ("Bravo", "Member"));
    dir.add_workspace(&Workspace::new("custom", "Charlie")).unwrap();
    assert_eq!(dir.workspaces().unwrap(), [a.clone(), b.clone(), Workspace::new("custom", "Charlie")]);
    assert_eq!(dir.workspace(&b.id).unwrap(), Some(b.clone()));
    assert_eq!(dir.workspace("nope").unwrap(), None);
    // Re-adding replaces name and role, keeps the place, the users and the tokens.
    let t = ScimToken::generate();
    dir.add_token(&a.id, &t.hash()).unwrap();
    run(dir.insert_user(&user(&a.id, "1", "one", None))).unwrap();
    let renamed = Workspace::new(a.id.clone(), "Acme Corp").with_default_role("Admin");
    dir.add_workspace(&renamed).unwrap();
    assert_eq!(dir.workspaces().unwrap()[0], renamed);
    assert_eq!(dir.users(&a.id).unwrap().len(), 1);
    assert_eq!(run(dir.workspace_for_token(&t.hash())).unwrap().unwrap().workspace, renamed);
}

#[test]
fn tokens_are_listed_by_hash_prefix_and_revocable() {
    let tmp = TempDir::new("token-admin");
    let dir = SqliteDirectory::open(tmp.db()).unwrap();
    let ws = dir.create_workspace("Acme", None).unwrap();
    let other = dir.create_workspace("Other", None).unwrap();
    let before = OffsetDateTime::now_utc() - Duration::seconds(1);
    let (t1, t2) = (ScimToken::generate(), ScimToken::generate());
    dir.add_token(&ws.id, &t1.hash()).unwrap();
    dir.add_token(&ws.id, &t2.hash()).unwrap();
    assert_eq!(dir.add_token(&other.id, &t1.hash()).unwrap_err().kind(), StoreErrorKind::Conflict);
    let err = dir.add_token("ws_missing", &ScimToken::generate().hash()).unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::NotFound);
    assert!(err.message().contains("ws_missing"), "{}", err.message());
    let listed = dir.tokens(&ws.id).unwrap();
    assert_eq!(listed.len(), 2);
    let mut prefixes: Vec<String> = listed.iter().map(|t| t.hash_prefix.clone()).collect();
    prefixes.sort();
    let mut want = vec![t1.hash().to_hex()[..8].to_owned(), t2.hash().to_hex()[..8].to_owned()];
    want.sort();
    assert_eq!(prefixes, want);
    assert!(listed.iter().all(|t| t.created >= before && t.created <= OffsetDateTime::now_utc()));
    assert_eq!(dir.tokens(&other.id).unwrap(), []);
    assert_eq!(dir.tokens("nope").unwrap(), []);
    assert!(dir.revoke_token(&t1.hash()).unwrap());
    assert!(!dir.revoke_token(&t1.hash()).unwrap());
    assert_eq!(dir.tokens(&ws.id).unwrap().len(), 1);
    assert!(run(dir.workspace_for_token(&t1.hash())).unwrap().is_none());
    assert_eq!(run(dir.workspace_for_token(&t2.hash())).unwrap().unwrap().workspace.id, ws.id);
}

#[test]
fn saml_settings_are_stored_verbatim_per_workspace() {
    let tmp = TempDir::new("saml");
    let dir = SqliteDirectory::open(tmp.db()).unwrap();
    let ws = dir.create_workspace("Acme", None).unwrap();
    let other = dir.create_workspace("Other", None).unwrap();
    assert_eq!(dir.saml_settings(&ws.id).unwrap(), None);
    let text = "{ \"sp_entity_id\": \"https://sp\",\n  \"idp_certificates\": [\"MIIB…\"] }";
    dir.set_saml_settings(&ws.id, text).unwrap();
    assert_eq!(dir.saml_settings(&ws.id).unwrap().as_deref(), Some(text));
    assert_eq!(dir.saml_settings(&other.id).unwrap(), None);
    dir.set_saml_settings(&ws.id, "{}").unwrap();
    assert_eq!(dir.saml_settings(&ws.id).unwrap().as_deref(), Some("{}"));
    assert_eq!(dir.set_saml_settings("nope", "{}").unwrap_err().kind(), StoreErrorKind::NotFound);
    assert_eq!(dir.saml_settings("nope").unwrap(), None);
}

#[test]
fn users_lists_every_state_in_insertion_order() {
    let (_tmp, dir) = two_workspaces("users");
    for (i, state) in [UserState::Active, UserState::Deprovisioned, UserState::Archived].into_iter().enumerate() {
        let mut u = user("a", &format!("z{i}"), &format!("n{i}"), None);
        u.state = state;
        run(dir.insert_user(&u)).unwrap();
    }
    run(dir.insert_user(&user("b", "other", "n0", None))).unwrap();
    let ids: Vec<String> = dir.users("a").unwrap().into_iter().map(|u| u.id).collect();
    assert_eq!(ids, ["z0", "z1", "z2"]);
    assert_eq!(dir.users("nope").unwrap(), []);
}

#[test]
fn secrets_are_drawn_once_and_kept() {
    let tmp = TempDir::new("secrets");
    let dir = SqliteDirectory::open(tmp.db()).unwrap();
    let key = dir.secret("cookie-signing-key", 32).unwrap();
    assert_eq!(key.len(), 32);
    assert_ne!(key, [0u8; 32]);
    assert_eq!(dir.secret("cookie-signing-key", 32).unwrap(), key);
    assert_eq!(dir.secret("cookie-signing-key", 64).unwrap(), key, "the length only matters the first time");
    let other = dir.secret("other", 100).unwrap();
    assert_eq!(other.len(), 100);
    assert_ne!(&other[..32], &key[..]);
    assert_eq!(dir.secret("empty", 0).unwrap(), Vec::<u8>::new());
}

#[test]
fn everything_survives_closing_and_reopening() {
    let tmp = TempDir::new("persist");
    let dir = SqliteDirectory::open(tmp.db()).unwrap();
    assert_eq!(dir.path(), tmp.db());
    let ws = dir.create_workspace("Acme", Some("Viewer")).unwrap();
    let other = dir.create_workspace("Other", None).unwrap();
    let token = ScimToken::generate();
    dir.add_token(&ws.id, &token.hash()).unwrap();
    dir.set_saml_settings(&ws.id, r#"{"sp_entity_id":"https://sp.example"}"#).unwrap();
    let key = dir.secret("cookie-signing-key", 32).unwrap();
    let created = OffsetDateTime::from_unix_timestamp(1_750_000_000).unwrap() + Duration::milliseconds(321);
    let mut users = Vec::new();
    for (i, state) in [UserState::Active, UserState::Archived, UserState::Deprovisioned].into_iter().enumerate() {
        let doc = json!({
            "userName": format!("User{i}@Example.com"),
            "externalId": format!("ext-{i}"),
            "name": {"givenName": "Given", "familyName": format!("Family {i}")},
            "emails": [{"value": format!("u{i}@example.com"), "type": "work", "primary": true}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": format!("{i}")}
        });
        let mut u = sso_scim_core::UserRecord::new(
            &ws.id,
            &format!("id-{i}"),
            &ws.default_role,
            state,
            created,
            doc.as_object().cloned().unwrap(),
        );
        u.version = 3 + i as u64;
        u.last_modified = created + Duration::minutes(i as i64);
        run(dir.insert_user(&u)).unwrap();
        users.push(u);
    }
    let expiry = OffsetDateTime::now_utc() + Duration::hours(1);
    assert!(run(dir.remember_assertion(&ws.id, "_assertion", expiry)).unwrap());
    let tokens = dir.tokens(&ws.id).unwrap();
    drop(dir);

    let dir = SqliteDirectory::open(tmp.db()).unwrap();
    assert_eq!(dir.workspaces().unwrap(), [ws.clone(), other]);
    assert_eq!(dir.users(&ws.id).unwrap(), users);
    assert_eq!(run(dir.get_user(&ws.id, "id-2")).unwrap().unwrap(), users[2]);
    assert_eq!(query(&dir, &ws.id, None, 1, 10), (2, vec!["id-0".into(), "id-1".into()]));
    assert_eq!(dir.tokens(&ws.id).unwrap(), tokens);
    assert_eq!(run(dir.workspace_for_token(&token.hash())).unwrap().unwrap().workspace, ws);
    assert_eq!(dir.saml_settings(&ws.id).unwrap().as_deref(), Some(r#"{"sp_entity_id":"https://sp.example"}"#));
    assert_eq!(dir.secret("cookie-signing-key", 32).unwrap(), key);
    assert!(!run(dir.remember_assertion(&ws.id, "_assertion", expiry)).unwrap(), "replays stay refused");
    // New users keep coming after the old ones.
    run(dir.insert_user(&user(&ws.id, "id-3", "late", None))).unwrap();
    assert_eq!(dir.users(&ws.id).unwrap().last().unwrap().id, "id-3");
}

#[test]
fn the_database_is_in_wal_mode_with_foreign_keys_and_the_current_schema_version() {
    let tmp = TempDir::new("pragmas");
    let dir = SqliteDirectory::open(tmp.db()).unwrap();
    let raw = rusqlite::Connection::open(tmp.db()).unwrap();
    let mode: String = raw.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    let version: u32 = raw.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    assert_eq!(SCHEMA_VERSION, 5);
    // Nothing can point at a workspace that does not exist.
    let err = run(dir.insert_user(&user("ghost", "1", "x", None))).unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::Failed);
    let orphans: i64 = raw.query_row("SELECT count(*) FROM users", [], |r| r.get(0)).unwrap();
    assert_eq!(orphans, 0);
    drop(dir);
    // Reopening an up-to-date database changes nothing.
    SqliteDirectory::open(tmp.db()).unwrap();
    let version: u32 = raw.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, SCHEMA_VERSION);
}

#[test]
fn a_database_from_a_newer_build_is_refused_naming_both_versions() {
    let tmp = TempDir::new("too-new");
    drop(SqliteDirectory::open(tmp.db()).unwrap());
    let raw = rusqlite::Connection::open(tmp.db()).unwrap();
    raw.pragma_update(None, "user_version", 7).unwrap();
    let err = SqliteDirectory::open(tmp.db()).unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::Failed);
    assert!(err.message().contains("schema version 7"), "{}", err.message());
    assert!(err.message().contains(&format!("version {SCHEMA_VERSION}")), "{}", err.message());
    let version: u32 = raw.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, 7, "left untouched");
}

#[test]
fn a_foreign_database_or_a_non_database_is_refused() {
    let tmp = TempDir::new("foreign");
    let foreign = tmp.path().join("foreign.db");
    let raw = rusqlite::Connection::open(&foreign).unwrap();
    raw.execute_batch("CREATE TABLE invoices (id INTEGER PRIMARY KEY)").unwrap();
    let err = SqliteDirectory::open(&foreign).unwrap_err();
    assert!(err.message().contains("not an sso-scim database"), "{}", err.message());
    let tables: i64 = raw.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0)).unwrap();
    assert_eq!(tables, 1, "nothing was added");

    let junk = tmp.path().join("junk.db");
    std::fs::write(&junk, vec![b'x'; 4096]).unwrap();
    let err = SqliteDirectory::open(&junk).unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::Failed);
    assert!(std::error::Error::source(&err).is_some(), "SQLite's own error is kept as the source");

    let missing_dir = tmp.path().join("no/such/dir/x.db");
    assert_eq!(SqliteDirectory::open(&missing_dir).unwrap_err().kind(), StoreErrorKind::Failed);
}

#[test]
fn two_stores_on_one_file_see_each_others_writes() {
    // `sso-scim workspace create` runs while `serve` holds the database open.
    let tmp = TempDir::new("two-handles");
    let server = SqliteDirectory::open(tmp.db()).unwrap();
    let cli = SqliteDirectory::open(tmp.db()).unwrap();
    let ws = cli.create_workspace("Late", None).unwrap();
    let token = ScimToken::generate();
    cli.add_token(&ws.id, &token.hash()).unwrap();
    assert_eq!(run(server.workspace_for_token(&token.hash())).unwrap().unwrap().workspace, ws);
    run(server.insert_user(&user(&ws.id, "1", "one", None))).unwrap();
    assert_eq!(cli.users(&ws.id).unwrap().len(), 1);
    assert_eq!(cli.secret("k", 16).unwrap(), server.secret("k", 16).unwrap());
}

#[test]
fn an_import_stores_every_user_or_none() {
    let (_tmp, dir) = common::two_workspaces("import");
    let batch: Vec<_> = (0..50).map(|i| user("a", &format!("i{i}"), &format!("Imported{i}"), None)).collect();
    assert_eq!(dir.import_users(&batch).unwrap(), 50);
    assert_eq!(common::query(&dir, "a", Some("userName sw \"imported4\""), 1, 100).0, 11);
    // One taken userName (in another case) refuses the whole batch.
    let mut clash: Vec<_> = (50..60).map(|i| user("a", &format!("i{i}"), &format!("Imported{i}"), None)).collect();
    clash.push(user("a", "dup", "IMPORTED7", None));
    assert_eq!(dir.import_users(&clash).unwrap_err().kind(), StoreErrorKind::Conflict);
    assert_eq!(common::query(&dir, "a", None, 1, 0).0, 50, "nothing of the refused batch was stored");
}
