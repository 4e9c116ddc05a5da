//! The `Directory` contract for users, method by method, mirroring sso-scim-sqlite's and the
//! core's `MemoryDirectory` tests, plus a differential run of the same random operations
//! against this store and `MemoryDirectory`.

mod common;

/// The PRNG of the differential tests, shared with the pushdown model.
#[path = "../../core/tests/store_differential/mod.rs"]
mod store_differential;

use common::*;
use serde_json::json;
use sso_scim_core::query::SortSpec;
use sso_scim_core::token::ScimToken;
use sso_scim_core::{Directory, ListQuery, StoreErrorKind, UserRecord, UserState, Workspace};
use sso_scim_postgres::PostgresDirectory;
use time::{Duration, OffsetDateTime};

#[test]
fn the_store_is_send_and_sync_and_its_futures_run_on_spawned_tasks() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<PostgresDirectory>();
    let (_, dir) = two_workspaces();
    let dir = std::sync::Arc::new(dir);
    run(async {
        let tasks: Vec<_> = (0..4)
            .map(|i| {
                let dir = dir.clone();
                tokio::spawn(async move { dir.insert_user(&user("a", &format!("t{i}"), &format!("t{i}"), None)).await })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
    });
    assert_eq!(query(&*dir, "a", None, 1, 10).0, 4);
}

#[test]
fn tokens_resolve_to_their_workspace_until_revoked() {
    let (_, dir) = two_workspaces();
    let t = ScimToken::generate();
    run(dir.add_token("a", &t.hash())).unwrap();
    let err = run(dir.add_token("nope", &ScimToken::generate().hash())).unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::NotFound);
    let grant = run(dir.workspace_for_token(&t.hash())).unwrap().unwrap();
    assert_eq!(grant.workspace, Workspace::new("a", "A"));
    assert!(grant.token_hash.ct_eq(&t.hash()));
    assert!(run(dir.workspace_for_token(&ScimToken::generate().hash())).unwrap().is_none());
    assert!(run(dir.revoke_token(&t.hash())).unwrap());
    assert!(!run(dir.revoke_token(&t.hash())).unwrap());
    assert!(run(dir.workspace_for_token(&t.hash())).unwrap().is_none());
}

#[test]
fn the_grant_carries_the_workspace_settings_of_the_moment() {
    let (_, dir) = two_workspaces();
    let t = ScimToken::generate();
    run(dir.add_token("b", &t.hash())).unwrap();
    run(dir.add_workspace(&Workspace::new("b", "Bee").with_default_role("Member"))).unwrap();
    let grant = run(dir.workspace_for_token(&t.hash())).unwrap().unwrap();
    assert_eq!(grant.workspace, Workspace::new("b", "Bee").with_default_role("Member"));
}

#[test]
fn user_names_are_unique_per_workspace_case_insensitively() {
    let (_, dir) = two_workspaces();
    run(dir.insert_user(&user("a", "1", "Ann@X.com", None))).unwrap();
    let err = run(dir.insert_user(&user("a", "2", "ann@x.COM", None))).unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::Conflict);
    assert!(err.message().contains("ann@x.COM"), "{}", err.message());
    run(dir.insert_user(&user("b", "2", "ann@x.com", None))).unwrap();
    assert_eq!(run(dir.find_by_user_name("a", "ann@x.com")).unwrap().unwrap().id, "1");
    assert_eq!(run(dir.find_by_user_name("b", "ann@x.com")).unwrap().unwrap().id, "2");
    assert!(run(dir.find_by_user_name("a", "Ann@X.com")).unwrap().is_none(), "callers pass the key");
    assert!(run(dir.get_user("b", "1")).unwrap().is_none(), "workspaces are partitioned");
    // Non-ASCII names fold as the core folds them, not as the database's collation would.
    run(dir.insert_user(&user("a", "3", "Ésa@X.com", None))).unwrap();
    assert_eq!(run(dir.insert_user(&user("a", "4", "ÉSA@x.com", None))).unwrap_err().kind(), StoreErrorKind::Conflict);
    let err = run(dir.insert_user(&user("zz", "9", "z", None))).unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::Failed);
    assert!(err.message().contains("zz"), "{}", err.message());
    let err = run(dir.insert_user(&user("a", "1", "someone-else", None))).unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::Conflict, "a taken id conflicts too");
}

#[test]
fn deprovisioned_users_keep_their_user_name() {
    let (_, dir) = two_workspaces();
    let mut gone = run(dir.insert_user(&user("a", "1", "Ann", None))).unwrap();
    gone.state = UserState::Deprovisioned;
    gone.version = 2;
    run(dir.update_user(&gone, 1)).unwrap();
    assert_eq!(run(dir.insert_user(&user("a", "2", "ANN", None))).unwrap_err().kind(), StoreErrorKind::Conflict);
    assert_eq!(run(dir.find_by_user_name("a", "ann")).unwrap().unwrap().state, UserState::Deprovisioned);
    assert_eq!(run(dir.get_user("a", "1")).unwrap().unwrap().state, UserState::Deprovisioned);
    let mut renamed = user("a", "3", "bob", None);
    run(dir.insert_user(&renamed)).unwrap();
    renamed.resource.insert("userName".into(), json!("aNN"));
    renamed.sync_from_resource();
    renamed.version = 2;
    assert_eq!(run(dir.update_user(&renamed, 1)).unwrap_err().kind(), StoreErrorKind::Conflict);
}

#[test]
fn updates_check_versions_and_move_indexes() {
    let (_, dir) = two_workspaces();
    run(dir.insert_user(&user("a", "1", "one", Some("e1")))).unwrap();
    run(dir.insert_user(&user("a", "2", "two", Some("e1")))).unwrap();
    let mut renamed = user("a", "1", "uno", Some("e9"));
    renamed.version = 2;
    let err = run(dir.update_user(&renamed, 7)).unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::VersionMismatch);
    assert!(err.message().contains("version 1"), "{}", err.message());
    assert_eq!(run(dir.get_user("a", "1")).unwrap().unwrap().user_name, "one", "a refused update changes nothing");
    assert_eq!(run(dir.update_user(&renamed, 1)).unwrap(), renamed);
    assert!(run(dir.find_by_user_name("a", "one")).unwrap().is_none(), "old key released");
    assert_eq!(run(dir.find_by_user_name("a", "uno")).unwrap().unwrap().version, 2);
    assert_eq!(query(&dir, "a", Some(r#"externalId eq "e1""#), 1, 10), (1, vec!["2".into()]));
    assert_eq!(query(&dir, "a", Some(r#"externalId eq "e9""#), 1, 10), (1, vec!["1".into()]));
    let mut clash = user("a", "2", "UNO", Some("e1"));
    clash.version = 2;
    assert_eq!(run(dir.update_user(&clash, 1)).unwrap_err().kind(), StoreErrorKind::Conflict);
    assert_eq!(run(dir.get_user("a", "2")).unwrap().unwrap().version, 1, "a conflicting update changes nothing");
    let ghost = user("a", "404", "ghost", None);
    assert_eq!(run(dir.update_user(&ghost, 1)).unwrap_err().kind(), StoreErrorKind::NotFound);
    let foreign = user("b", "1", "uno", None);
    assert_eq!(run(dir.update_user(&foreign, 2)).unwrap_err().kind(), StoreErrorKind::NotFound, "partitioned");
    // A stale version and a taken name at once: the version is reported, as MemoryDirectory does.
    assert_eq!(run(dir.update_user(&clash, 9)).unwrap_err().kind(), StoreErrorKind::VersionMismatch);
    // The released key is free again, and a user may keep its own key under another case.
    run(dir.insert_user(&user("a", "3", "ONE", None))).unwrap();
    let mut recased = user("a", "1", "UnO", Some("e9"));
    recased.version = 3;
    run(dir.update_user(&recased, 2)).unwrap();
    assert_eq!(run(dir.find_by_user_name("a", "uno")).unwrap().unwrap().user_name, "UnO");
    let mut beyond = recased.clone();
    beyond.version = 4;
    let err = run(dir.update_user(&beyond, u64::MAX)).unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::VersionMismatch, "an expected version past BIGINT matches nothing");
}

#[test]
fn queries_page_in_insertion_order_and_hide_deprovisioned_users() {
    let (_, dir) = two_workspaces();
    for i in 0..5 {
        run(dir.insert_user(&user("a", &format!("id{i}"), &format!("u{i}"), None))).unwrap();
    }
    run(dir.insert_user(&user("b", "other", "u0", None))).unwrap();
    assert_eq!(query(&dir, "a", None, 1, 2), (5, vec!["id0".into(), "id1".into()]));
    assert_eq!(query(&dir, "a", None, 4, 10), (5, vec!["id3".into(), "id4".into()]));
    assert_eq!(query(&dir, "a", None, 1, 0), (5, vec![]));
    assert_eq!(query(&dir, "a", None, 9, 10), (5, vec![]));
    assert_eq!(query(&dir, "a", None, 1, usize::MAX).1.len(), 5, "huge counts are clamped, not overflowed");
    assert_eq!(query(&dir, "a", None, usize::MAX, 10), (5, vec![]), "huge start indexes too");
    let mut gone = run(dir.get_user("a", "id1")).unwrap().unwrap();
    gone.state = UserState::Deprovisioned;
    gone.version = 2;
    run(dir.update_user(&gone, 1)).unwrap();
    assert_eq!(query(&dir, "a", None, 1, 10), (4, vec!["id0".into(), "id2".into(), "id3".into(), "id4".into()]));
    assert_eq!(query(&dir, "a", Some(r#"userName eq "U1""#), 1, 10), (0, vec![]));
    assert_eq!(query(&dir, "a", Some(r#"id eq "id1""#), 1, 10), (0, vec![]));
    assert_eq!(query(&dir, "a", Some(r#"userName sw "u""#), 2, 2), (4, vec!["id2".into(), "id3".into()]));
    assert_eq!(query(&dir, "a", Some(r#"userName sw "u""#), 1, 0), (4, vec![]));
    assert_eq!(query(&dir, "a", Some(r#"id eq "id4""#), 1, 10), (1, vec!["id4".into()]));
    assert_eq!(query(&dir, "a", Some(r#"userName eq "U4""#), 1, 10), (1, vec!["id4".into()]));
    assert_eq!(query(&dir, "a", Some(r#"userName eq "U4" and id eq "id3""#), 1, 10), (0, vec![]));
    assert!(run(dir.find_by_user_name("a", "u1")).unwrap().is_some(), "still found for re-linking");
    let sort = SortSpec::parse("userName", Some("descending")).unwrap();
    let page =
        run(dir.query_users("a", &ListQuery { filter: None, sort: Some(sort), start_index: 1, count: 2 })).unwrap();
    assert_eq!(page.total_results, 4);
    assert_eq!(page.users.iter().map(|u| u.user_name.as_str()).collect::<Vec<_>>(), ["u4", "u3"]);
    let sorted = filter_query(Some(r#"userName ne "u3""#), Some(sort), 2, 5);
    let page = run(dir.query_users("a", &sorted)).unwrap();
    assert_eq!(page.total_results, 3);
    assert_eq!(page.users.iter().map(|u| u.user_name.as_str()).collect::<Vec<_>>(), ["u2", "u0"]);
    assert_eq!(query(&dir, "nope", None, 1, 10), (0, vec![]));
    assert_eq!(query(&dir, "b", None, 1, 10), (1, vec!["other".into()]));
    let mut back = run(dir.get_user("a", "id1")).unwrap().unwrap();
    back.state = UserState::Archived;
    back.version = 3;
    run(dir.update_user(&back, 2)).unwrap();
    assert_eq!(query(&dir, "a", None, 1, 2), (5, vec!["id0".into(), "id1".into()]), "restored in its old place");
}

#[test]
fn sorts_and_ranges_follow_the_core_whatever_the_database_collation() {
    // The test server's default collation is ICU en-US, where "é" sorts before "z"; the core
    // (and so every store) compares the folded keys by code point, where "é" comes after "z".
    let (sql, mem) = sql_and_memory();
    for (i, name) in ["a", "B", "é", "z", "Zz"].into_iter().enumerate() {
        let mut u = user("a", &format!("{i}"), &format!("user{i}"), None);
        u.resource.insert("title".into(), json!(name));
        u.resource.insert("displayName".into(), json!(name));
        run(sql.insert_user(&u)).unwrap();
        run(mem.insert_user(&u)).unwrap();
    }
    for by in ["title", "displayName"] {
        let sort = SortSpec::parse(by, None).unwrap();
        let page = run(sql.query_users("a", &filter_query(None, Some(sort), 1, 10))).unwrap();
        let order: Vec<&str> = page.users.iter().map(|u| u.resource[by].as_str().unwrap()).collect();
        assert_eq!(order, ["a", "B", "z", "Zz", "é"], "sorted by {by}");
        assert_eq!(page, run(mem.query_users("a", &filter_query(None, Some(sort), 1, 10))).unwrap());
        for filter in [format!(r#"{by} gt "ZZ""#), format!(r#"{by} lt "Z""#), format!(r#"{by} sw "z""#)] {
            let q = filter_query(Some(&filter), None, 1, 10);
            assert_eq!(run(sql.query_users("a", &q)).unwrap(), run(mem.query_users("a", &q)).unwrap(), "{filter}");
        }
    }
    assert_eq!(query(&sql, "a", Some(r#"title gt "zz""#), 1, 10), (1, vec!["2".into()]), "only é sorts after zz");
}

#[test]
fn external_ids_are_case_exact_and_not_unique() {
    let (_, dir) = two_workspaces();
    run(dir.insert_user(&user("a", "1", "one", Some("E1")))).unwrap();
    run(dir.insert_user(&user("a", "2", "two", Some("E1")))).unwrap();
    run(dir.insert_user(&user("a", "3", "three", Some("e1")))).unwrap();
    run(dir.insert_user(&user("b", "4", "four", Some("E1")))).unwrap();
    assert_eq!(query(&dir, "a", Some(r#"externalId eq "E1""#), 1, 10), (2, vec!["1".into(), "2".into()]));
    assert_eq!(query(&dir, "a", Some(r#"externalId eq "E1""#), 2, 10), (2, vec!["2".into()]));
    assert_eq!(query(&dir, "a", Some(r#"externalId eq "e1""#), 1, 10), (1, vec!["3".into()]));
    assert_eq!(query(&dir, "a", Some(r#"externalId pr"#), 1, 10).0, 3);
    let mut dropped = user("a", "1", "one", None);
    dropped.version = 2;
    run(dir.update_user(&dropped, 1)).unwrap();
    assert_eq!(query(&dir, "a", Some(r#"externalId eq "E1""#), 1, 10), (1, vec!["2".into()]));
    assert_eq!(query(&dir, "a", Some(r#"not (externalId pr)"#), 1, 10), (1, vec!["1".into()]));
}

#[test]
fn every_field_round_trips_exactly() {
    let (_, dir) = two_workspaces();
    let doc = json!({
        "userName": "Zoë.Ünïcode@Example.com",
        "externalId": "ext 'quoted' % _ \\ with-specials",
        "name": {"givenName": "Zoë", "familyName": "O'Brien \"quoted\"", "formatted": null},
        "emails": [{"value": "z@x.com", "type": "work", "primary": true}, {"value": "h@x.com", "type": "home"}],
        "displayName": "🙂",
        "title": "",
        "x509Certificates": [],
        "numbers": [0, -1, 1.5, 1e300, 18446744073709551615u64, -9223372036854775808i64],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": "m1"}, "department": "R&D"}
    });
    let created = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap() + Duration::milliseconds(123);
    let mut u = UserRecord::new(
        "a",
        "id-ü",
        "Rôle with spaces",
        UserState::Archived,
        created,
        doc.as_object().cloned().unwrap(),
    );
    u.last_modified = created + Duration::days(400) + Duration::milliseconds(999);
    u.version = i64::MAX as u64;
    u.email = Some("typed field differs from the document".into());
    u.given_name = None;
    assert_eq!(run(dir.insert_user(&u)).unwrap(), u);
    assert_eq!(run(dir.get_user("a", "id-ü")).unwrap().unwrap(), u);
    assert_eq!(run(dir.find_by_user_name("a", &u.user_name_key())).unwrap().unwrap(), u);
    assert_eq!(run(dir.query_users("a", &filter_query(None, None, 1, 10))).unwrap().users, [u.clone()]);
    assert_eq!(run(dir.users("a")).unwrap(), [u.clone()]);

    let mut old = user("a", "old", "old", None);
    old.created = OffsetDateTime::from_unix_timestamp(-1_000_000_000).unwrap() + Duration::milliseconds(7);
    old.last_modified = time::macros::datetime!(9999-12-31 23:59:59.999 UTC);
    old.state = UserState::Deprovisioned;
    old.version = 0;
    run(dir.insert_user(&old)).unwrap();
    assert_eq!(run(dir.get_user("a", "old")).unwrap().unwrap(), old, "before 1970 and at the end of time");

    let mut too_big = user("a", "big", "big", None);
    too_big.version = u64::MAX;
    assert_eq!(run(dir.insert_user(&too_big)).unwrap_err().kind(), StoreErrorKind::Failed);
    assert!(run(dir.get_user("a", "big")).unwrap().is_none());
    // PostgreSQL text holds no NUL: a record with one in a typed field or in any searchable
    // value is refused, saying why, and nothing of it is stored.
    let mut with_nul = vec![user("a", "nul", "nul", Some("ext\u{0}with-nul"))];
    with_nul.push(record("a", "nul", json!({"userName": "nul", "nickName": "a\u{0}b"})));
    with_nul.push(record("a", "nul", json!({"userName": "nul", "emails": [{"value": "\u{0}@x.com"}]})));
    for nul in with_nul {
        let err = run(dir.insert_user(&nul)).unwrap_err();
        assert_eq!(err.kind(), StoreErrorKind::Failed);
        assert!(err.message().contains("NUL"), "{}", err.message());
        assert!(run(dir.get_user("a", "nul")).unwrap().is_none());
    }
}

#[test]
fn times_keep_milliseconds_and_drop_finer_digits() {
    let (_, dir) = two_workspaces();
    let mut u = user("a", "1", "t", None);
    u.created = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap() + Duration::nanoseconds(123_456_789);
    u.last_modified = u.created.to_offset(time::macros::offset!(+05:30));
    run(dir.insert_user(&u)).unwrap();
    let back = run(dir.get_user("a", "1")).unwrap().unwrap();
    assert_eq!(back.created.nanosecond(), 123_000_000);
    assert_eq!(back.created.unix_timestamp(), 1_700_000_000);
    assert_eq!(back.last_modified, back.created, "the same instant, whatever the offset");
}

#[test]
fn assertions_are_remembered_once_per_workspace_and_expired_ones_swept() {
    let (url, dir) = two_workspaces();
    let past = OffsetDateTime::now_utc() - Duration::hours(1);
    let future = OffsetDateTime::now_utc() + Duration::hours(1);
    assert!(run(dir.remember_assertion("a", "x", future)).unwrap());
    assert!(!run(dir.remember_assertion("a", "x", future)).unwrap());
    assert!(!run(dir.remember_assertion("a", "x", past)).unwrap(), "a replay stays a replay");
    assert!(run(dir.remember_assertion("b", "x", future)).unwrap(), "per workspace");
    assert!(run(dir.remember_assertion("a", "X", future)).unwrap(), "ids are case-exact");
    assert_eq!(run(dir.remember_assertion("zz", "x", future)).unwrap_err().kind(), StoreErrorKind::Failed);
    let db = database_name(&url).to_owned();
    let count = |ws: &str| -> usize {
        server()
            .execute(&db, &format!("SELECT count(*) FROM saml_assertions WHERE workspace_id = '{ws}'"))
            .parse()
            .unwrap()
    };
    // Enough expired entries to pass any sweep period, then one more insert.
    for i in 0..300 {
        assert!(run(dir.remember_assertion("a", &format!("old{i}"), past)).unwrap());
    }
    assert!(count("a") < 300, "expired entries swept periodically, {} kept", count("a"));
    for i in 0..300 {
        run(dir.remember_assertion("a", &format!("late{i}"), past)).unwrap();
    }
    drop(dir);
    let dir = connect(&url);
    assert_eq!(count("a"), 2, "connecting sweeps every expired entry");
    assert!(!run(dir.remember_assertion("a", "x", future)).unwrap(), "live entries survive a reconnect");
    assert!(!run(dir.remember_assertion("b", "x", future)).unwrap());
}

/// PostgreSQL calls run on the tests' runtime.
struct OnRuntime;

impl store_differential::Drive for OnRuntime {
    fn run<F: std::future::Future>(&self, future: F) -> F::Output {
        run(future)
    }
}

#[test]
fn random_operations_answer_exactly_as_the_memory_directory() {
    let (sql, mem) = sql_and_memory();
    store_differential::users::random_operations(&OnRuntime, &sql, &mem, 1500, |ws| run(sql.users(ws)).unwrap());
}
