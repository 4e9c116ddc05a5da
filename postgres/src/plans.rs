//! What PostgreSQL plans for the lists identity providers and admin tools send: over a
//! directory large enough for the planner to weigh its indexes, each goes through the index
//! made for it. Sequential scans are disallowed: on a large directory they are what an index
//! must spare, and the test must not pass because a table is still small.

use sso_scim_core::ListQuery;
use sso_scim_core::internal::filter::{FilterLimits, FilterOptions, parse_filter_in};
use sso_scim_core::internal::schema::{GROUP, ResourceType, USER};
use sso_scim_core::query::SortSpec;
use sso_scim_core::query::sql::SqlValue;
use sso_scim_pg_testkit::TestPostgres;

use crate::PostgresDirectory;
use crate::groups::GROUPS;
use crate::table::Table;
use crate::users::USERS;

/// A directory large enough for the planner to weigh its indexes (20,000 users, 1% archived,
/// one work e-mail each; 2,000 groups of 5 members), its statistics gathered.
const DIRECTORY: &str = "
    INSERT INTO workspaces (id, name, default_role, created_ms) VALUES ('w', 'W', 'r', 0);
    INSERT INTO users (workspace_id, id, user_name, user_name_key, external_id, display_name_key, given_name_key,
        family_name_key, role, state, version, created_ms, last_modified_ms, resource)
    SELECT 'w', 'u' || i, 'user' || i, 'user' || i || '@x.com', 'e' || i, 'dn' || i, 'g' || i % 500,
        'f' || i % 700, 'r', CASE WHEN i % 100 = 0 THEN 'archived' WHEN i % 17 = 0 THEN 'deprovisioned'
        ELSE 'active' END, 1, i, i, '{}' FROM generate_series(1, 20000) i;
    INSERT INTO user_values (workspace_id, owner, path, elem, present, key_text)
    SELECT 'w', seq, p.path, 0, true, CASE p.path WHEN 'emails' THEN NULL WHEN 'emails.type' THEN 'work'
        ELSE user_name_key END FROM users, (VALUES ('emails'), ('emails.value'), ('emails.type')) p (path);
    INSERT INTO groups (workspace_id, id, display_name, display_name_key, external_id, version, created_ms,
        last_modified_ms, resource)
    SELECT 'w', 'g' || i, 'Group ' || i, 'group ' || i, 'e' || i, 1, i, i, '{}' FROM generate_series(1, 2000) i;
    INSERT INTO group_values (workspace_id, owner, path, elem, present, key_text)
    SELECT 'w', seq, 'members.value', m, true, 'u' || (seq * 5 + m) FROM groups, generate_series(0, 4) m;
    ANALYZE;
";

fn literal(value: &SqlValue) -> String {
    match value {
        SqlValue::Text(t) => format!("'{}'", t.replace('\'', "''")),
        SqlValue::Int(i) => i.to_string(),
        SqlValue::Real(f) => format!("'{f}'::float8"),
    }
}

/// The plan of the count and of the page of a list over `table`.
fn plans<R>(server: &TestPostgres, db: &str, table: &Table<R>, query: &ListQuery) -> [String; 2] {
    let sql = table.list_sql(query).unwrap();
    let mut params = vec![SqlValue::Text("w".into())];
    params.extend(sql.params);
    let explain = |statement: &str, params: &[SqlValue]| {
        let args: Vec<String> = params.iter().map(literal).collect();
        server.execute(
            db,
            &format!(
                "SET enable_seqscan = off; PREPARE q AS {statement}; EXPLAIN (COSTS OFF) EXECUTE q({})",
                args.join(", ")
            ),
        )
    };
    let count = explain(&sql.count, &params);
    params.extend([SqlValue::Int(10), SqlValue::Int(0)]);
    [count, explain(&sql.page, &params)]
}

/// The page goes through `index`; the count through some index (the visible users are
/// counted as well from either partial index over them).
fn assert_plans([count, page]: [String; 2], (filter, sort, index): (&str, Option<&str>, &str)) {
    assert!(page.contains(index), "{filter:?} sorted by {sort:?} should use {index}:\n{page}");
    assert!(!count.contains("Seq Scan"), "{filter:?} is counted by scanning:\n{count}");
}

fn query(rt: &'static ResourceType, filter: &str, sort: Option<&str>) -> ListQuery {
    let filter = (!filter.is_empty())
        .then(|| parse_filter_in(rt, filter, FilterLimits::default(), FilterOptions::default()).unwrap());
    let sort = sort.map(|by| SortSpec::parse_in(rt, by, Some("descending")).unwrap());
    ListQuery { filter, sort, start_index: 1, count: 10 }
}

#[test]
fn the_lists_idps_send_go_through_their_indexes() {
    let server = TestPostgres::shared();
    let url = server.create_database();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    drop(runtime.block_on(PostgresDirectory::connect(&url)).unwrap());
    let db = url.rsplit('/').next().unwrap();
    server.execute(db, DIRECTORY);
    let users: &[(&str, Option<&str>, &str)] = &[
        ("", None, "users_visible_in_order"),
        (r#"userName eq "a@x.com""#, None, "users_by_user_name"),
        (r#"userName sw "user7777""#, None, "users_by_user_name"),
        (r#"externalId eq "e""#, None, "users_by_external_id"),
        (r#"displayName eq "Ann""#, None, "users_by_display_name"),
        (r#"name.familyName eq "Lee""#, None, "users_by_family_name"),
        (r#"name.givenName eq "Ann""#, None, "users_by_given_name"),
        (r#"emails.value eq "a@x.com""#, None, "user_values_by_key"),
        (r#"emails[type eq "work"].value eq "a@x.com""#, None, "user_values_by_key"),
        ("active eq false", None, "users_by_state"),
        ("", Some("userName"), "users_by_user_name"),
        // Sorted descending (see `query`): the missing names first, through the index that
        // holds that order.
        ("", Some("displayName"), "users_sorted_by_display_name"),
        ("", Some("name.familyName"), "users_sorted_by_family_name"),
    ];
    for (filter, sort, index) in users {
        assert_plans(plans(server, db, &USERS, &query(&USER, filter, *sort)), (filter, *sort, index));
    }
    let groups: &[(&str, Option<&str>, &str)] = &[
        (r#"displayName eq "Admins""#, None, "groups_by_display_name"),
        (r#"externalId eq "e""#, None, "groups_by_external_id"),
        (r#"members.value eq "u1""#, None, "group_values_by_key"),
    ];
    for (filter, sort, index) in groups {
        assert_plans(plans(server, db, &GROUPS, &query(&GROUP, filter, *sort)), (filter, *sort, index));
    }
}
