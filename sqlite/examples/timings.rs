//! Rough per-operation timings of `SqliteDirectory` on this machine, and the commit rate
//! `synchronous=FULL` allows (each commit waits for an fsync of the WAL).
//!
//! `cargo run --release -p sso-scim-sqlite --example timings [-- DIR [USERS]]`: the database
//! goes to DIR (default: the system temp directory; use the disk the server will use), with
//! USERS users (default 2000).

use std::time::{Duration, Instant};

use serde_json::json;
use sso_scim_core::executor::now_or_never;
use sso_scim_core::internal::filter::{FilterLimits, FilterOptions, parse_filter};
use sso_scim_core::{Directory, ListQuery, UserRecord, UserState, user_name_key};
use sso_scim_sqlite::SqliteDirectory;
use time::OffsetDateTime;

fn run<T>(f: impl std::future::Future<Output = T>) -> T {
    now_or_never(f).expect("SqliteDirectory never makes a future wait")
}

fn report(what: &str, n: usize, took: Duration) {
    let per = took / u32::try_from(n).unwrap_or(u32::MAX);
    let rate = n as f64 / took.as_secs_f64();
    println!("{what:<44} {n:>6} ops  {per:>12.1?}/op  {rate:>10.0} ops/s");
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().map(std::path::PathBuf::from).unwrap_or_else(std::env::temp_dir);
    let users: usize = args.next().map(|n| n.parse().expect("USERS is a number")).unwrap_or(2000);
    let dir = dir.join(format!("sso-scim-sqlite-timings-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("cannot create the database directory");
    let path = dir.join("timings.db");
    let store = SqliteDirectory::open(&path).expect("open");
    let ws = store.create_workspace("Timings", None).expect("workspace");
    let now = OffsetDateTime::now_utc().replace_millisecond(0).expect("valid");
    let make = |i: usize| {
        let doc = json!({
            "userName": format!("user{i}@example.com"),
            "externalId": format!("ext-{i}"),
            "name": {"givenName": "Given", "familyName": format!("Family{i}")},
            "emails": [{"value": format!("user{i}@example.com"), "type": "work", "primary": true}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Sales"}
        });
        let doc = doc.as_object().cloned().expect("an object");
        UserRecord::new(&ws.id, &format!("id-{i:08}"), &ws.default_role, UserState::Active, now, doc)
    };

    let start = Instant::now();
    for i in 0..users {
        run(store.insert_user(&make(i))).expect("insert");
    }
    report("insert_user (one commit each)", users, start.elapsed());

    let start = Instant::now();
    for i in 0..users {
        let mut u = make(i);
        u.version = 2;
        u.resource.insert("title".into(), json!("Engineer"));
        run(store.update_user(&u, 1)).expect("update");
    }
    report("update_user (one commit each)", users, start.elapsed());

    let n = users.min(2000);
    let start = Instant::now();
    for i in 0..n {
        assert!(run(store.remember_assertion(&ws.id, &format!("_a{i}"), now + time::Duration::hours(1))).expect("a"));
    }
    report("remember_assertion (one commit each)", n, start.elapsed());

    let start = Instant::now();
    for i in 0..users {
        run(store.get_user(&ws.id, &format!("id-{i:08}"))).expect("get").expect("found");
    }
    report("get_user by id", users, start.elapsed());

    let start = Instant::now();
    for i in 0..users {
        run(store.find_by_user_name(&ws.id, &user_name_key(&format!("USER{i}@example.com"))))
            .expect("find")
            .expect("found");
    }
    report("find_by_user_name", users, start.elapsed());

    let parse = |f: &str| Some(parse_filter(f, FilterLimits::default(), FilterOptions::default()).expect("filter"));
    let start = Instant::now();
    for i in 0..users {
        let filter = parse(&format!("userName eq \"user{i}@example.com\""));
        let page = run(store.query_users(&ws.id, &ListQuery { filter, sort: None, start_index: 1, count: 100 }));
        assert_eq!(page.expect("query").total_results, 1);
    }
    report("query_users userName eq (index hint)", users, start.elapsed());

    let pages = 200;
    let start = Instant::now();
    for i in 0..pages {
        let query = ListQuery { filter: None, sort: None, start_index: 1 + (i * 100) % users.max(1), count: 100 };
        run(store.query_users(&ws.id, &query)).expect("page");
    }
    report("query_users unfiltered page of 100", pages, start.elapsed());

    let scans = 20;
    let start = Instant::now();
    for _ in 0..scans {
        let query = ListQuery { filter: parse("name.familyName ew \"7\""), sort: None, start_index: 1, count: 100 };
        run(store.query_users(&ws.id, &query)).expect("scan");
    }
    report(&format!("query_users full scan of {users} (no hint)"), scans, start.elapsed());

    drop(store);
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
