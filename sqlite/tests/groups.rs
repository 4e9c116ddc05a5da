//! SCIM Groups in SQLite: the same answers as `MemoryDirectory`, uniqueness of displayName
//! under races, optimistic concurrency, workspace isolation, durability and the migration
//! that added the `groups` table. Every store call goes through `run`, which also proves the
//! futures complete on their first poll.

mod common;

/// The PRNG of the differential tests, shared with the pushdown model.
#[path = "../../core/tests/store_differential/mod.rs"]
mod store_differential;

use std::sync::Arc;

use common::*;
use serde_json::json;
use sso_scim_core::internal::schema::GROUP;
use sso_scim_core::query::SortSpec;
use sso_scim_core::token::hash_token;
use sso_scim_core::{Directory, GroupRecord, StoreErrorKind, Workspace, display_name_key};
use sso_scim_sqlite::{SCHEMA_VERSION, SqliteDirectory};
use time::{Duration, OffsetDateTime};

/// `group` moved to the next version, as the handler stamps a change.
fn next_version(mut g: GroupRecord) -> GroupRecord {
    g.version += 1;
    g.last_modified += Duration::seconds(1);
    g
}

fn renamed(g: &GroupRecord, name: &str) -> GroupRecord {
    let mut next = next_version(g.clone());
    next.resource.insert("displayName".into(), json!(name));
    next.sync_from_resource();
    next
}

#[test]
fn display_names_are_unique_per_workspace_case_insensitively() {
    let (_tmp, dir) = two_workspaces("group-names");
    let admins = group("a", "g1", "Admins", Some("ext-1"), &["u1"]);
    assert_eq!(run(dir.insert_group(&admins)).unwrap(), admins);
    let err = run(dir.insert_group(&group("a", "g2", "ADMINS", None, &[]))).unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::Conflict);
    assert!(err.message().contains("ADMINS"), "{}", err.message());
    // The id clashing is a conflict too, whatever the name.
    let err = run(dir.insert_group(&group("a", "g1", "Other", None, &[]))).unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::Conflict);
    // Another workspace may use both the name and the id.
    run(dir.insert_group(&group("b", "g1", "admins", None, &[]))).unwrap();
    assert_eq!(run(dir.find_group_by_display_name("a", "admins")).unwrap(), Some(admins.clone()));
    assert_eq!(run(dir.find_group_by_display_name("a", &display_name_key("aDMINS"))).unwrap(), Some(admins));
    assert_eq!(run(dir.find_group_by_display_name("b", "admins")).unwrap().unwrap().display_name, "admins");
    // Non-ASCII names fold the same way the core's key does.
    run(dir.insert_group(&group("a", "g3", "Équipe", None, &[]))).unwrap();
    let err = run(dir.insert_group(&group("a", "g4", "ÉQUIPE", None, &[]))).unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::Conflict);
    // A workspace the database does not hold is the host's failure, not a conflict.
    let err = run(dir.insert_group(&group("zz", "g1", "x", None, &[]))).unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::Failed);
    assert_eq!(query_groups(&dir, "a", None, 1, 10), (2, vec!["g1".into(), "g3".into()]));
}

#[test]
fn updates_check_versions_and_move_the_display_name_key() {
    let (_tmp, dir) = two_workspaces("group-updates");
    let one = run(dir.insert_group(&group("a", "g1", "One", None, &[]))).unwrap();
    let two = run(dir.insert_group(&group("a", "g2", "Two", None, &[]))).unwrap();
    let uno = renamed(&one, "Uno");
    let err = run(dir.update_group(&uno, 7)).unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::VersionMismatch);
    assert_eq!(run(dir.get_group("a", "g1")).unwrap(), Some(one.clone()), "a refused update changes nothing");
    assert_eq!(run(dir.update_group(&uno, 1)).unwrap(), uno);
    assert_eq!(run(dir.get_group("a", "g1")).unwrap(), Some(uno.clone()));
    assert!(run(dir.find_group_by_display_name("a", "one")).unwrap().is_none(), "old key released");
    run(dir.insert_group(&group("a", "g3", "one", None, &[]))).unwrap();
    // The version read before the first update is stale now.
    assert_eq!(run(dir.update_group(&renamed(&one, "Eins"), 1)).unwrap_err().kind(), StoreErrorKind::VersionMismatch);
    // Renaming onto another group's key (in any case) is a conflict; a case change of its own
    // name is not.
    let err = run(dir.update_group(&renamed(&two, "UNO"), 1)).unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::Conflict);
    assert_eq!(run(dir.get_group("a", "g2")).unwrap(), Some(two.clone()));
    let shouting = renamed(&two, "TWO");
    run(dir.update_group(&shouting, 1)).unwrap();
    assert_eq!(run(dir.find_group_by_display_name("a", "two")).unwrap(), Some(shouting));
    let ghost = group("a", "404", "ghost", None, &[]);
    assert_eq!(run(dir.update_group(&ghost, 1)).unwrap_err().kind(), StoreErrorKind::NotFound);
    assert_eq!(run(dir.get_group("a", "404")).unwrap(), None, "an update never creates");
}

#[test]
fn deletes_check_versions_and_free_the_display_name() {
    let (_tmp, dir) = two_workspaces("group-deletes");
    let g = run(dir.insert_group(&group("a", "g1", "Doomed", None, &["u1", "u2"]))).unwrap();
    run(dir.insert_group(&group("a", "g2", "Kept", None, &[]))).unwrap();
    assert_eq!(run(dir.delete_group("a", "g1", 2)).unwrap_err().kind(), StoreErrorKind::VersionMismatch);
    assert!(run(dir.get_group("a", "g1")).unwrap().is_some(), "a refused delete keeps the group");
    run(dir.delete_group("a", "g1", g.version)).unwrap();
    assert_eq!(run(dir.get_group("a", "g1")).unwrap(), None);
    assert_eq!(run(dir.find_group_by_display_name("a", "doomed")).unwrap(), None);
    assert_eq!(run(dir.delete_group("a", "g1", g.version)).unwrap_err().kind(), StoreErrorKind::NotFound);
    assert_eq!(run(dir.update_group(&next_version(g), 1)).unwrap_err().kind(), StoreErrorKind::NotFound);
    assert_eq!(query_groups(&dir, "a", None, 1, 10), (1, vec!["g2".into()]));
    // The name and the id are free again; the new group comes after the ones kept.
    run(dir.insert_group(&group("a", "g1", "DOOMED", None, &[]))).unwrap();
    assert_eq!(query_groups(&dir, "a", None, 1, 10), (2, vec!["g2".into(), "g1".into()]));
    assert_eq!(run(dir.delete_group("zz", "g1", 1)).unwrap_err().kind(), StoreErrorKind::NotFound);
}

#[test]
fn workspaces_never_see_each_others_groups() {
    let (_tmp, dir) = two_workspaces("group-tenants");
    let a = run(dir.insert_group(&group("a", "g1", "Shared Name", Some("ext"), &["u1"]))).unwrap();
    run(dir.insert_group(&group("a", "g2", "Only A", Some("ext"), &[]))).unwrap();
    assert_eq!(run(dir.get_group("b", "g1")).unwrap(), None);
    assert_eq!(run(dir.find_group_by_display_name("b", "shared name")).unwrap(), None);
    assert_eq!(query_groups(&dir, "b", None, 1, 10), (0, vec![]));
    assert_eq!(query_groups(&dir, "b", Some(r#"externalId eq "ext""#), 1, 10), (0, vec![]));
    assert_eq!(query_groups(&dir, "b", Some(r#"id eq "g1""#), 1, 10), (0, vec![]));
    assert_eq!(query_groups(&dir, "b", Some(r#"displayName eq "Only A""#), 1, 10), (0, vec![]));
    assert_eq!(query_groups(&dir, "b", Some(r#"members[value eq "u1"]"#), 1, 10), (0, vec![]));
    // Writes keyed by another workspace touch nothing of this one.
    let mut foreign = next_version(a.clone());
    foreign.workspace_id = "b".into();
    assert_eq!(run(dir.update_group(&foreign, 1)).unwrap_err().kind(), StoreErrorKind::NotFound);
    assert_eq!(run(dir.delete_group("b", "g1", 1)).unwrap_err().kind(), StoreErrorKind::NotFound);
    let b = run(dir.insert_group(&group("b", "g1", "Shared Name", Some("ext"), &[]))).unwrap();
    run(dir.delete_group("b", "g1", 1)).unwrap();
    assert_eq!(run(dir.get_group("a", "g1")).unwrap(), Some(a));
    assert_eq!(query_groups(&dir, "a", Some(r#"externalId eq "ext""#), 1, 10), (2, vec!["g1".into(), "g2".into()]));
    assert_eq!(run(dir.get_group("b", "g1")).unwrap(), None, "{b:?} is gone");
    assert_eq!(query_groups(&dir, "nope", None, 1, 10), (0, vec![]));
}

#[test]
fn queries_filter_sort_and_page_like_the_memory_directory() {
    let (_tmp, sql, mem) = sql_and_memory("group-queries");
    let groups = [
        group("a", "g1", "Sales", Some("e1"), &["u1", "u2"]),
        group("a", "g2", "admins", None, &["u2"]),
        group("a", "g3", "Support", Some("e2"), &[]),
        group("a", "g4", "Ops", Some("e1"), &["u3"]),
    ];
    for g in &groups {
        run(sql.insert_group(g)).unwrap();
        run(mem.insert_group(g)).unwrap();
    }
    let cases: &[(Option<&str>, Option<&str>, usize, usize)] = &[
        (None, None, 1, 10),
        (None, None, 2, 2),
        (None, None, 5, 10),
        (None, None, 1, 0),
        (Some(r#"displayName eq "ADMINS""#), None, 1, 10),
        (Some(r#"displayName sw "s""#), None, 1, 10),
        (Some(r#"displayName sw "s""#), Some("displayName"), 2, 1),
        (Some(r#"externalId eq "e1""#), None, 1, 10),
        (Some(r#"externalId eq "E1""#), None, 1, 10),
        (Some(r#"id eq "g3""#), None, 1, 10),
        (Some(r#"members[value eq "u2"]"#), None, 1, 10),
        (Some(r#"members.value eq "u3""#), None, 1, 10),
        (Some(r#"not (externalId pr)"#), None, 1, 10),
        (Some(r#"displayName eq "Ops" and externalId eq "e1""#), None, 1, 10),
        (None, Some("displayName"), 1, 10),
        (None, Some("externalId"), 2, 2),
    ];
    for &(filter, sort_by, start, count) in cases {
        let sort = sort_by.map(|s| SortSpec::parse_in(&GROUP, s, Some("descending")).unwrap());
        let q = group_filter_query(filter, sort, start, count);
        let (a, b) = (run(sql.query_groups("a", &q)).unwrap(), run(mem.query_groups("a", &q)).unwrap());
        assert_eq!(a, b, "filter {filter:?} sort {sort_by:?} start {start} count {count}");
    }
    assert_eq!(query_groups(&sql, "a", Some(r#"members[value eq "u2"]"#), 1, 10), (2, vec!["g1".into(), "g2".into()]));
}

#[test]
fn groups_survive_closing_and_reopening() {
    let tmp = TempDir::new("group-reopen");
    let before = {
        let dir = SqliteDirectory::open(tmp.db()).unwrap();
        dir.add_workspace(&Workspace::new("a", "A")).unwrap();
        let members: Vec<String> = (0..500).map(|i| format!("user-{i}")).collect();
        let members: Vec<&str> = members.iter().map(String::as_str).collect();
        let mut big = group("a", "g1", "Everyone", Some("all"), &members);
        big.created = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_000_000).unwrap();
        big.last_modified = big.created;
        run(dir.insert_group(&big)).unwrap();
        let gone = run(dir.insert_group(&group("a", "g2", "Gone", None, &[]))).unwrap();
        let kept = run(dir.insert_group(&group("a", "g3", "Kept", None, &[]))).unwrap();
        run(dir.update_group(&renamed(&kept, "Kept Renamed"), 1)).unwrap();
        run(dir.delete_group("a", "g2", gone.version)).unwrap();
        run(dir.query_groups("a", &group_filter_query(None, None, 1, 100))).unwrap().groups
    };
    let dir = SqliteDirectory::open(tmp.db()).unwrap();
    let after = run(dir.query_groups("a", &group_filter_query(None, None, 1, 100))).unwrap();
    assert_eq!(after.groups, before, "every field comes back exactly");
    assert_eq!(after.groups[0].member_ids().count(), 500);
    assert_eq!(after.groups[1].version, 2);
    assert!(run(dir.find_group_by_display_name("a", "kept renamed")).unwrap().is_some());
    assert!(run(dir.find_group_by_display_name("a", "gone")).unwrap().is_none());
    assert_eq!(
        run(dir.insert_group(&group("a", "g9", "EVERYONE", None, &[]))).unwrap_err().kind(),
        StoreErrorKind::Conflict
    );
    run(dir.insert_group(&group("a", "g4", "Late", None, &[]))).unwrap();
    assert_eq!(query_groups(&dir, "a", None, 1, 10), (3, vec!["g1".into(), "g3".into(), "g4".into()]));
}

#[test]
fn a_schema_version_1_database_gains_groups_and_keeps_its_data() {
    let tmp = TempDir::new("group-migration");
    let raw = rusqlite::Connection::open(tmp.db()).unwrap();
    raw.execute_batch(include_str!("data/schema_v1.sql")).unwrap();
    let version =
        |raw: &rusqlite::Connection| raw.query_row("PRAGMA user_version", [], |r| r.get::<_, u32>(0)).unwrap();
    assert_eq!(version(&raw), 1);
    let dangling: i64 = raw.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0)).unwrap();
    assert_eq!(dangling, 0, "the fixture is a consistent database");

    let dir = SqliteDirectory::open(tmp.db()).unwrap();
    assert_eq!(version(&raw), SCHEMA_VERSION);
    let objects: Vec<String> = {
        let mut stmt = raw.prepare("SELECT name FROM sqlite_schema WHERE tbl_name = 'groups' ORDER BY name").unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    assert!(
        ["groups", "groups_by_display_name", "groups_by_external_id", "groups_in_order"]
            .iter()
            .all(|o| objects.iter().any(|have| have == o)),
        "{objects:?}"
    );
    // What version 1 held is all still there and usable.
    let grant = run(dir.workspace_for_token(&hash_token("schema-v1-token"))).unwrap().unwrap();
    assert_eq!(grant.workspace.id, "ws-old");
    let ann = run(dir.get_user("ws-old", "u-ann")).unwrap().unwrap();
    assert_eq!((ann.user_name.as_str(), ann.external_id.as_deref()), ("ann@old.example", Some("ext-ann")));
    assert_eq!(ann.created, OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap());
    let far = OffsetDateTime::from_unix_timestamp(32_000_000_000).unwrap();
    assert!(!run(dir.remember_assertion("ws-old", "_old-assertion", far)).unwrap(), "replays stay refused");
    run(dir.insert_user(&user("ws-old", "u-bob", "bob@old.example", None))).unwrap();
    assert_eq!(query(&dir, "ws-old", None, 1, 10), (2, vec!["u-ann".into(), "u-bob".into()]));
    // The users written before migration 3 got their query keys and values rows: filters on
    // shadow columns and on the values table find them.
    for filter in ["name.givenName eq \"ANN\"", "name pr", "name[givenName sw \"a\"]"] {
        assert_eq!(query(&dir, "ws-old", Some(filter), 1, 10), (1, vec!["u-ann".into()]), "{filter}");
    }
    // And groups work in the old workspace.
    run(dir.insert_group(&group("ws-old", "g1", "Old Timers", None, &["u-ann"]))).unwrap();
    let err = run(dir.insert_group(&group("ws-old", "g2", "old timers", None, &[]))).unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::Conflict);
    drop(dir);
    // Reopening the migrated file changes nothing.
    let dir = SqliteDirectory::open(tmp.db()).unwrap();
    assert_eq!(version(&raw), SCHEMA_VERSION);
    assert_eq!(query_groups(&dir, "ws-old", None, 1, 10), (1, vec!["g1".into()]));
}

const THREADS: usize = 8;

#[test]
fn of_eight_threads_creating_one_display_name_exactly_one_wins() {
    let (_tmp, dir) = two_workspaces("group-race");
    let dir = Arc::new(dir);
    for round in 0..5 {
        let racers = dir.clone();
        let results = race(THREADS, move |t| {
            // Different ids, the same displayName in different cases.
            let name = if t % 2 == 0 { format!("Team {round}") } else { format!("TEAM {round}") };
            outcome(run(racers.insert_group(&group("a", &format!("r{round}-t{t}"), &name, None, &[])))).map(drop)
        });
        let winner = sole_winner(&results);
        let stored = run(dir.find_group_by_display_name("a", &format!("team {round}"))).unwrap().unwrap();
        assert_eq!(stored.id, format!("r{round}-t{winner}"));
    }
    assert_eq!(query_groups(&*dir, "a", None, 1, 100).0, 5);
}

#[test]
fn concurrent_scim_member_patches_through_the_handler_all_land() {
    let tmp = TempDir::new("group-handler");
    let scim = Arc::new(Scim::new(&tmp));
    let created = scim.send("POST", "/Groups", Some(json!({"displayName": "Engineering"})));
    assert_eq!(created.status, 201, "{}", String::from_utf8_lossy(&created.body));
    let id = created.json().unwrap()["id"].as_str().unwrap().to_owned();
    assert_eq!(scim.send("POST", "/Groups", Some(json!({"displayName": "ENGINEERING"}))).status, 409);
    let (client, path) = (scim.clone(), format!("/Groups/{id}"));
    let statuses = race(THREADS, move |t| {
        let body = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "add", "path": "members", "value": [{"value": format!("user-{t}")}]}]
        });
        client.send("PATCH", &path, Some(body)).status
    });
    // The core retries lost races a bounded number of times, then answers 409; every patch
    // it acknowledged must be in the stored group.
    assert!(statuses.iter().all(|s| [200, 204, 409].contains(s)), "{statuses:?}");
    let ok = statuses.iter().filter(|s| **s == 200 || **s == 204).count();
    let listed = scim.send("GET", "/Groups?filter=displayName%20eq%20%22engineering%22", None).json().unwrap();
    assert_eq!(listed["totalResults"], json!(1));
    let members = listed["Resources"][0]["members"].as_array().cloned().unwrap_or_default();
    assert_eq!(members.len(), ok, "{statuses:?} {members:?}");
    assert!(ok >= 1);
    assert_eq!(scim.send("DELETE", &format!("/Groups/{id}"), None).status, 204);
    assert_eq!(scim.send("GET", &format!("/Groups/{id}"), None).status, 404);
}

/// SQLite completes every call on its first poll.
struct AtOnce;

impl store_differential::Drive for AtOnce {
    fn run<F: std::future::Future>(&self, future: F) -> F::Output {
        run(future)
    }
}

#[test]
fn random_group_operations_answer_exactly_as_the_memory_directory() {
    let (_tmp, sql, mem) = sql_and_memory("group-differential");
    store_differential::groups::random_operations(&AtOnce, &sql, &mem, 3000);
}
