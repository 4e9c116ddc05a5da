//! Many threads on two stores over one database — two pools, as two processes would hold:
//! uniqueness holds, optimistic concurrency loses no update, a replayed assertion is accepted
//! once, and every write (a revoked token included) is seen by the other store at once.

mod common;

use std::sync::{Arc, Barrier};
use std::thread;

use common::*;
use serde_json::json;
use sso_scim_core::token::ScimToken;
use sso_scim_core::{Directory, StoreErrorKind, UserState};
use sso_scim_postgres::PostgresDirectory;
use time::{Duration, OffsetDateTime};

/// Two stores on one fresh database holding workspaces `a` and `b`.
fn two_pools() -> Arc<[PostgresDirectory; 2]> {
    let (url, first) = two_workspaces();
    Arc::new([first, connect(&url)])
}

#[test]
fn of_24_parallel_creates_of_one_user_name_over_two_pools_exactly_one_wins() {
    let stores = two_pools();
    for round in 0..3 {
        let racers = stores.clone();
        let results = race(24, move |t| {
            // Different ids, the same userName in different cases.
            let name = if t % 2 == 0 { format!("Racer{round}@X.com") } else { format!("racer{round}@x.COM") };
            let u = user("a", &format!("r{round}-t{t}"), &name, None);
            outcome(run(racers[t % 2].insert_user(&u))).map(drop)
        });
        let winner = sole_winner(&results);
        for store in stores.iter() {
            let stored = run(store.find_by_user_name("a", &format!("racer{round}@x.com"))).unwrap().unwrap();
            assert_eq!(stored.id, format!("r{round}-t{winner}"));
        }
    }
    assert_eq!(query(&stores[1], "a", None, 1, 100).0, 3);
}

#[test]
fn of_parallel_updates_from_one_version_exactly_one_wins() {
    let stores = two_pools();
    run(stores[0].insert_user(&user("a", "target", "target", None))).unwrap();
    for round in 1..=3u64 {
        let racers = stores.clone();
        let results = race(12, move |t| {
            let mut next = user("a", "target", "target", None);
            next.resource.insert("title".into(), json!(format!("written by {t}")));
            next.version = round + 1;
            outcome(run(racers[t % 2].update_user(&next, round))).map(drop)
        });
        let winners: Vec<usize> = (0..results.len()).filter(|t| results[*t].is_ok()).collect();
        assert_eq!(winners.len(), 1, "{results:?}");
        let losers = results.iter().filter(|r| r.is_err());
        assert!(losers.clone().all(|r| *r == Err(StoreErrorKind::VersionMismatch)), "{results:?}");
        let stored = run(stores[1].get_user("a", "target")).unwrap().unwrap();
        assert_eq!(
            (stored.version, &stored.resource["title"]),
            (round + 1, &json!(format!("written by {}", winners[0])))
        );
    }
}

#[test]
fn read_modify_write_from_eight_threads_over_two_pools_loses_no_update() {
    let stores = two_pools();
    let mut first = user("a", "counter", "counter", None);
    first.resource.insert("title".into(), json!("0"));
    run(stores[0].insert_user(&first)).unwrap();
    const THREADS: usize = 8;
    const INCREMENTS: usize = 15;
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let (stores, barrier) = (stores.clone(), barrier.clone());
            thread::spawn(move || {
                let dir = &stores[t % 2];
                barrier.wait();
                let mut retries = 0;
                for _ in 0..INCREMENTS {
                    loop {
                        let current = run(dir.get_user("a", "counter")).unwrap().unwrap();
                        let n: usize = current.resource["title"].as_str().unwrap().parse().unwrap();
                        let mut next = current.clone();
                        next.resource.insert("title".into(), json!((n + 1).to_string()));
                        next.version = current.version + 1;
                        match run(dir.update_user(&next, current.version)) {
                            Ok(_) => break,
                            Err(e) if e.kind() == StoreErrorKind::VersionMismatch => retries += 1,
                            Err(e) => panic!("{e}"),
                        }
                    }
                }
                retries
            })
        })
        .collect();
    let retries: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    let last = run(stores[1].get_user("a", "counter")).unwrap().unwrap();
    assert_eq!(last.resource["title"], json!((THREADS * INCREMENTS).to_string()), "{retries} retries");
    assert_eq!(last.version, 1 + (THREADS * INCREMENTS) as u64);
    eprintln!("{} increments, {retries} version mismatches retried", THREADS * INCREMENTS);
}

#[test]
fn an_assertion_remembered_by_two_pools_at_once_is_new_exactly_once() {
    let stores = two_pools();
    let until = OffsetDateTime::now_utc() + Duration::minutes(5);
    for round in 0..10 {
        let racers = stores.clone();
        let firsts =
            race(8, move |t| run(racers[t % 2].remember_assertion("a", &format!("_id{round}"), until)).unwrap());
        assert_eq!(firsts.iter().filter(|f| **f).count(), 1, "round {round}: {firsts:?}");
    }
}

#[test]
fn two_stores_on_one_database_see_each_others_writes_at_once() {
    let stores = two_pools();
    let [server, cli] = &*stores;
    let ws = run(cli.create_workspace("Late", None)).unwrap();
    let token = ScimToken::generate();
    run(cli.add_token(&ws.id, &token.hash())).unwrap();
    assert_eq!(run(server.workspace_for_token(&token.hash())).unwrap().unwrap().workspace, ws);
    run(server.insert_user(&user(&ws.id, "1", "one", None))).unwrap();
    assert_eq!(run(cli.users(&ws.id)).unwrap().len(), 1);
    assert_eq!(run(cli.secret("k", 16)).unwrap(), run(server.secret("k", 16)).unwrap());
    let g = run(cli.insert_group(&group(&ws.id, "g1", "Team", None, &["1"]))).unwrap();
    assert_eq!(run(server.get_group(&ws.id, "g1")).unwrap(), Some(g.clone()));
    run(server.delete_group(&ws.id, "g1", g.version)).unwrap();
    assert_eq!(run(cli.get_group(&ws.id, "g1")).unwrap(), None);
    // A token revoked through one store is refused by the other on its very next lookup.
    assert!(run(cli.revoke_token(&token.hash())).unwrap());
    assert!(run(server.workspace_for_token(&token.hash())).unwrap().is_none());
}

#[test]
fn readers_see_whole_commits_while_writers_work() {
    let stores = two_pools();
    const PER_WRITER: usize = 24;
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let stores = stores.clone();
            thread::spawn(move || {
                for i in 0..PER_WRITER {
                    let mut u = user("a", &format!("w{w}-{i}"), &format!("w{w}-{i}"), Some("shared"));
                    run(stores[w % 2].insert_user(&u)).unwrap();
                    if i % 4 == 0 {
                        u.state = UserState::Deprovisioned;
                        u.version = 2;
                        run(stores[w % 2].update_user(&u, 1)).unwrap();
                    }
                }
            })
        })
        .collect();
    let readers: Vec<_> = (0..2)
        .map(|r| {
            let stores = stores.clone();
            thread::spawn(move || {
                let dir = &stores[r];
                let mut seen = 0;
                while seen < 4 * PER_WRITER {
                    // A count and its page come from one snapshot: they always agree.
                    let (total, ids) = query(dir, "a", None, 1, usize::MAX);
                    assert_eq!(total, ids.len());
                    let (total, ids) = query(dir, "a", Some(r#"externalId eq "shared""#), 1, usize::MAX);
                    assert_eq!(total, ids.len());
                    let all = run(dir.users("a")).unwrap().len();
                    assert!(all >= seen, "a later read never shows fewer users ({all} after {seen})");
                    seen = all;
                }
            })
        })
        .collect();
    for h in writers.into_iter().chain(readers) {
        h.join().unwrap();
    }
    assert_eq!(query(&stores[0], "a", None, 1, 0).0, 4 * PER_WRITER * 3 / 4);
    assert_eq!(run(stores[1].users("a")).unwrap().len(), 4 * PER_WRITER);
}

#[test]
fn concurrent_scim_patches_through_the_handler_all_land() {
    let scim = Arc::new(Scim::new());
    let created = scim.send("POST", "/Users", Some(json!({"userName": "target@x.com"})));
    assert_eq!(created.status, 201);
    let id = created.json().unwrap()["id"].as_str().unwrap().to_owned();
    let (client, path) = (scim.clone(), format!("/Users/{id}"));
    let statuses = race(8, move |t| {
        let body = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "add", "path": "phoneNumbers", "value": [{"value": format!("+{t}"), "type": "work"}]}]
        });
        client.send("PATCH", &path, Some(body)).status
    });
    let got = scim.send("GET", &format!("/Users/{id}"), None);
    let phones = got.json().unwrap()["phoneNumbers"].as_array().cloned().unwrap_or_default();
    let ok = statuses.iter().filter(|s| **s == 200 || **s == 204).count();
    // The core retries lost races a bounded number of times, then answers 409; every patch
    // it acknowledged must be in the stored user.
    assert!(statuses.iter().all(|s| [200, 204, 409].contains(s)), "{statuses:?}");
    assert_eq!(phones.len(), ok, "{statuses:?} {phones:?}");
    assert!(ok >= 1);
}
