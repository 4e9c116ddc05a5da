//! The administration API, persistence across reconnecting, and schema migrations.

mod common;

use std::sync::Arc;

use common::*;
use serde_json::json;
use sso_scim_core::DEFAULT_ROLE;
use sso_scim_core::token::ScimToken;
use sso_scim_core::{Directory, StoreErrorKind, UserState, Workspace};
use sso_scim_postgres::{PostgresDirectory, SCHEMA_VERSION};
use time::{Duration, OffsetDateTime};

#[test]
fn workspaces_get_random_readable_ids_and_list_oldest_first() {
    let dir = connect(&fresh_database());
    assert!(run(dir.is_empty()).unwrap());
    assert_eq!(run(dir.workspaces()).unwrap(), []);
    let a = run(dir.create_workspace("Acme", None)).unwrap();
    let b = run(dir.create_workspace("Bravo", Some("Member"))).unwrap();
    assert!(!run(dir.is_empty()).unwrap());
    for ws in [&a, &b] {
        assert_eq!(ws.id.len(), 19, "{}", ws.id);
        assert!(ws.id.starts_with("ws_"));
        assert!(ws.id[3..].bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)), "{}", ws.id);
    }
    assert_ne!(a.id, b.id);
    assert_eq!((a.name.as_str(), a.default_role.as_str()), ("Acme", DEFAULT_ROLE));
    assert_eq!((b.name.as_str(), b.default_role.as_str()), ("Bravo", "Member"));
    run(dir.add_workspace(&Workspace::new("custom", "Charlie"))).unwrap();
    assert_eq!(run(dir.workspaces()).unwrap(), [a.clone(), b.clone(), Workspace::new("custom", "Charlie")]);
    assert_eq!(run(dir.workspace(&b.id)).unwrap(), Some(b.clone()));
    assert_eq!(run(dir.workspace("nope")).unwrap(), None);
    // Re-adding replaces name and role, keeps the place, the users and the tokens.
    let t = ScimToken::generate();
    run(dir.add_token(&a.id, &t.hash())).unwrap();
    run(dir.insert_user(&user(&a.id, "1", "one", None))).unwrap();
    let renamed = Workspace::new(a.id.clone(), "Acme Corp").with_default_role("Admin");
    run(dir.add_workspace(&renamed)).unwrap();
    assert_eq!(run(dir.workspaces()).unwrap()[0], renamed);
    assert_eq!(run(dir.users(&a.id)).unwrap().len(), 1);
    assert_eq!(run(dir.workspace_for_token(&t.hash())).unwrap().unwrap().workspace, renamed);
}

#[test]
fn tokens_are_listed_by_hash_prefix_and_revocable() {
    let dir = connect(&fresh_database());
    let ws = run(dir.create_workspace("Acme", None)).unwrap();
    let other = run(dir.create_workspace("Other", None)).unwrap();
    let before = OffsetDateTime::now_utc() - Duration::seconds(1);
    let (t1, t2) = (ScimToken::generate(), ScimToken::generate());
    run(dir.add_token(&ws.id, &t1.hash())).unwrap();
    run(dir.add_token(&ws.id, &t2.hash())).unwrap();
    assert_eq!(run(dir.add_token(&other.id, &t1.hash())).unwrap_err().kind(), StoreErrorKind::Conflict);
    let err = run(dir.add_token("ws_missing", &ScimToken::generate().hash())).unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::NotFound);
    assert!(err.message().contains("ws_missing"), "{}", err.message());
    let listed = run(dir.tokens(&ws.id)).unwrap();
    assert_eq!(listed.len(), 2);
    let mut prefixes: Vec<String> = listed.iter().map(|t| t.hash_prefix.clone()).collect();
    prefixes.sort();
    let mut want = vec![t1.hash().to_hex()[..8].to_owned(), t2.hash().to_hex()[..8].to_owned()];
    want.sort();
    assert_eq!(prefixes, want);
    assert!(listed.iter().all(|t| t.created >= before && t.created <= OffsetDateTime::now_utc()));
    assert_eq!(run(dir.tokens(&other.id)).unwrap(), []);
    assert_eq!(run(dir.tokens("nope")).unwrap(), []);
    assert!(run(dir.revoke_token(&t1.hash())).unwrap());
    assert!(!run(dir.revoke_token(&t1.hash())).unwrap());
    assert_eq!(run(dir.tokens(&ws.id)).unwrap().len(), 1);
    assert!(run(dir.workspace_for_token(&t1.hash())).unwrap().is_none());
    assert_eq!(run(dir.workspace_for_token(&t2.hash())).unwrap().unwrap().workspace.id, ws.id);
}

#[test]
fn saml_settings_are_stored_verbatim_per_workspace() {
    let dir = connect(&fresh_database());
    let ws = run(dir.create_workspace("Acme", None)).unwrap();
    let other = run(dir.create_workspace("Other", None)).unwrap();
    assert_eq!(run(dir.saml_settings(&ws.id)).unwrap(), None);
    let text = "{ \"sp_entity_id\": \"https://sp\",\n  \"idp_certificates\": [\"MIIB…\"] }";
    run(dir.set_saml_settings(&ws.id, text)).unwrap();
    assert_eq!(run(dir.saml_settings(&ws.id)).unwrap().as_deref(), Some(text));
    assert_eq!(run(dir.saml_settings(&other.id)).unwrap(), None);
    run(dir.set_saml_settings(&ws.id, "{}")).unwrap();
    assert_eq!(run(dir.saml_settings(&ws.id)).unwrap().as_deref(), Some("{}"));
    assert_eq!(run(dir.set_saml_settings("nope", "{}")).unwrap_err().kind(), StoreErrorKind::NotFound);
    assert_eq!(run(dir.saml_settings("nope")).unwrap(), None);
}

#[test]
fn users_lists_every_state_in_insertion_order() {
    let (_, dir) = two_workspaces();
    for (i, state) in [UserState::Active, UserState::Deprovisioned, UserState::Archived].into_iter().enumerate() {
        let mut u = user("a", &format!("z{i}"), &format!("n{i}"), None);
        u.state = state;
        run(dir.insert_user(&u)).unwrap();
    }
    run(dir.insert_user(&user("b", "other", "n0", None))).unwrap();
    let ids: Vec<String> = run(dir.users("a")).unwrap().into_iter().map(|u| u.id).collect();
    assert_eq!(ids, ["z0", "z1", "z2"]);
    assert_eq!(run(dir.users("nope")).unwrap(), []);
}

#[test]
fn secrets_are_drawn_once_and_kept_even_when_processes_race_for_them() {
    let url = fresh_database();
    let dir = connect(&url);
    let key = run(dir.secret("cookie-signing-key", 32)).unwrap();
    assert_eq!(key.len(), 32);
    assert_ne!(key, [0u8; 32]);
    assert_eq!(run(dir.secret("cookie-signing-key", 32)).unwrap(), key);
    assert_eq!(run(dir.secret("cookie-signing-key", 64)).unwrap(), key, "the length only matters the first time");
    let other = run(dir.secret("other", 100)).unwrap();
    assert_eq!(other.len(), 100);
    assert_ne!(&other[..32], &key[..]);
    assert_eq!(run(dir.secret("empty", 0)).unwrap(), Vec::<u8>::new());
    // Two stores (as two processes would be) asking for a new secret at once agree on it.
    let stores = Arc::new([connect(&url), connect(&url)]);
    for round in 0..5 {
        let racers = stores.clone();
        let got = race(8, move |t| run(racers[t % 2].secret(&format!("raced-{round}"), 32)).unwrap());
        assert!(got.iter().all(|s| *s == got[0]), "round {round}: {got:?}");
    }
}

#[test]
fn everything_survives_reconnecting() {
    let url = fresh_database();
    let dir = connect(&url);
    let ws = run(dir.create_workspace("Acme", Some("Viewer"))).unwrap();
    let other = run(dir.create_workspace("Other", None)).unwrap();
    let token = ScimToken::generate();
    run(dir.add_token(&ws.id, &token.hash())).unwrap();
    run(dir.set_saml_settings(&ws.id, r#"{"sp_entity_id":"https://sp.example"}"#)).unwrap();
    let key = run(dir.secret("cookie-signing-key", 32)).unwrap();
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
    let tokens = run(dir.tokens(&ws.id)).unwrap();
    drop(dir);

    let dir = connect(&url);
    assert_eq!(run(dir.workspaces()).unwrap(), [ws.clone(), other]);
    assert_eq!(run(dir.users(&ws.id)).unwrap(), users);
    assert_eq!(run(dir.get_user(&ws.id, "id-2")).unwrap().unwrap(), users[2]);
    assert_eq!(query(&dir, &ws.id, None, 1, 10), (2, vec!["id-0".into(), "id-1".into()]));
    assert_eq!(run(dir.tokens(&ws.id)).unwrap(), tokens);
    assert_eq!(run(dir.workspace_for_token(&token.hash())).unwrap().unwrap().workspace, ws);
    assert_eq!(run(dir.saml_settings(&ws.id)).unwrap().as_deref(), Some(r#"{"sp_entity_id":"https://sp.example"}"#));
    assert_eq!(run(dir.secret("cookie-signing-key", 32)).unwrap(), key);
    assert!(!run(dir.remember_assertion(&ws.id, "_assertion", expiry)).unwrap(), "replays stay refused");
    // New users keep coming after the old ones.
    run(dir.insert_user(&user(&ws.id, "id-3", "late", None))).unwrap();
    assert_eq!(run(dir.users(&ws.id)).unwrap().last().unwrap().id, "id-3");
}

#[test]
fn the_schema_version_is_recorded_and_reconnecting_changes_nothing() {
    let url = fresh_database();
    let dir = connect(&url);
    let db = database_name(&url);
    assert_eq!(SCHEMA_VERSION, 3);
    assert_eq!(
        server().execute(db, "SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_migrations"),
        "1,2,3"
    );
    // Nothing can point at a workspace that does not exist.
    let err = run(dir.insert_user(&user("ghost", "1", "x", None))).unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::Failed);
    assert_eq!(server().execute(db, "SELECT count(*) FROM users"), "0");
    drop(dir);
    connect(&url);
    assert_eq!(server().execute(db, "SELECT count(*) FROM schema_migrations"), "3");
}

#[test]
fn stores_starting_together_on_a_fresh_database_migrate_it_once() {
    for _ in 0..3 {
        let url = fresh_database();
        let racing = url.clone();
        let stores = race(6, move |_| run(PostgresDirectory::connect_with(&racing, 2)).map(drop));
        assert!(stores.iter().all(Result::is_ok), "{stores:?}");
        assert_eq!(server().execute(database_name(&url), "SELECT count(*) FROM schema_migrations"), "3");
    }
}

#[test]
fn a_database_from_a_newer_build_is_refused_naming_both_versions() {
    let url = fresh_database();
    drop(connect(&url));
    let db = database_name(&url);
    server().execute(db, "INSERT INTO schema_migrations (version, applied_ms) VALUES (7, 0)");
    let err = run(PostgresDirectory::connect(&url)).unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::Failed);
    assert!(err.message().contains("schema version 7"), "{}", err.message());
    assert!(err.message().contains(&format!("version {SCHEMA_VERSION}")), "{}", err.message());
    assert_eq!(server().execute(db, "SELECT max(version) FROM schema_migrations"), "7", "left untouched");
}

#[test]
fn a_foreign_database_an_unreachable_server_or_a_bad_url_is_refused() {
    let url = fresh_database();
    let db = database_name(&url);
    server().execute(db, "CREATE TABLE invoices (id INTEGER PRIMARY KEY)");
    let err = run(PostgresDirectory::connect(&url)).unwrap_err();
    assert!(err.message().contains("not an sso-scim database"), "{}", err.message());
    assert_eq!(
        server().execute(db, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"),
        "1",
        "nothing added"
    );

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let err = run(PostgresDirectory::connect(&format!("postgres://u:s3cret@127.0.0.1:{closed}/x"))).unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::Failed);
    assert!(std::error::Error::source(&err).is_some(), "the driver's error is kept as the source");
    assert!(!err.message().contains("s3cret"), "{}", err.message());
    let missing = format!("postgres://postgres@127.0.0.1:{}/no_such_db", server().port());
    let err = run(PostgresDirectory::connect(&missing)).unwrap_err();
    assert!(err.message().contains("no_such_db"), "PostgreSQL's own message: {}", err.message());
    for bad in ["sso-scim.db", "mysql://h/d", "postgres://h:notaport/d"] {
        assert_eq!(run(PostgresDirectory::connect(bad)).unwrap_err().kind(), StoreErrorKind::Failed, "{bad}");
    }
}

#[test]
fn debug_shows_where_but_never_the_password() {
    let url = fresh_database().replace("postgres@", "postgres:hunter2@");
    let dir = connect(&url);
    let shown = format!("{dir:?}");
    assert!(shown.contains(&format!("127.0.0.1:{}/{}", server().port(), database_name(&url))), "{shown}");
    assert!(!shown.contains("hunter2"), "{shown}");
}
