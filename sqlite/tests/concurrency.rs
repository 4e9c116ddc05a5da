//! Many threads on one store: uniqueness holds, optimistic concurrency loses no update, and
//! readers see consistent pages while writers work.

mod common;

use std::sync::{Arc, Barrier};
use std::thread;

use common::*;
use serde_json::json;
use sso_scim_core::{Directory, StoreErrorKind};

const THREADS: usize = 8;

#[test]
fn of_eight_threads_creating_one_user_name_exactly_one_wins() {
    let (_tmp, dir) = two_workspaces("same-name");
    let dir = Arc::new(dir);
    for round in 0..5 {
        let racers = dir.clone();
        let results = race(THREADS, move |t| {
            // Different ids, the same userName in different cases.
            let name = if t % 2 == 0 { format!("Racer{round}@X.com") } else { format!("racer{round}@x.COM") };
            outcome(run(racers.insert_user(&user("a", &format!("r{round}-t{t}"), &name, None)))).map(drop)
        });
        let winner = sole_winner(&results);
        let stored = run(dir.find_by_user_name("a", &format!("racer{round}@x.com"))).unwrap().unwrap();
        assert_eq!(stored.id, format!("r{round}-t{winner}"));
    }
    assert_eq!(query(&*dir, "a", None, 1, 100).0, 5);
}

#[test]
fn read_modify_write_from_eight_threads_loses_no_update() {
    let (_tmp, dir) = two_workspaces("rmw");
    let dir = Arc::new(dir);
    let mut first = user("a", "counter", "counter", None);
    first.resource.insert("title".into(), json!("0"));
    run(dir.insert_user(&first)).unwrap();
    const INCREMENTS: usize = 25;
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let (dir, barrier) = (dir.clone(), barrier.clone());
            thread::spawn(move || {
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
    let last = run(dir.get_user("a", "counter")).unwrap().unwrap();
    assert_eq!(last.resource["title"], json!((THREADS * INCREMENTS).to_string()), "{retries} retries");
    assert_eq!(last.version, 1 + (THREADS * INCREMENTS) as u64);
    eprintln!("{} increments, {retries} version mismatches retried", THREADS * INCREMENTS);
}

#[test]
fn readers_see_whole_commits_while_writers_work() {
    let (_tmp, dir) = two_workspaces("readers");
    let dir = Arc::new(dir);
    const PER_WRITER: usize = 40;
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let dir = dir.clone();
            thread::spawn(move || {
                for i in 0..PER_WRITER {
                    let mut u = user("a", &format!("w{w}-{i}"), &format!("w{w}-{i}"), Some("shared"));
                    run(dir.insert_user(&u)).unwrap();
                    if i % 4 == 0 {
                        u.state = sso_scim_core::UserState::Deprovisioned;
                        u.version = 2;
                        run(dir.update_user(&u, 1)).unwrap();
                    }
                }
            })
        })
        .collect();
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let dir = dir.clone();
            thread::spawn(move || {
                let mut seen = 0;
                while seen < 4 * PER_WRITER {
                    // A count and its page come from one snapshot: they always agree.
                    let (total, ids) = query(&*dir, "a", None, 1, usize::MAX);
                    assert_eq!(total, ids.len());
                    let (total, ids) = query(&*dir, "a", Some(r#"externalId eq "shared""#), 1, usize::MAX);
                    assert_eq!(total, ids.len());
                    let all = dir.users("a").unwrap().len();
                    assert!(all >= seen, "a later read never shows fewer users ({all} after {seen})");
                    seen = all;
                }
            })
        })
        .collect();
    for h in writers.into_iter().chain(readers) {
        h.join().unwrap();
    }
    assert_eq!(query(&*dir, "a", None, 1, 0).0, 4 * PER_WRITER * 3 / 4);
    assert_eq!(dir.users("a").unwrap().len(), 4 * PER_WRITER);
}

#[test]
fn concurrent_scim_patches_through_the_handler_all_land() {
    let tmp = TempDir::new("handler");
    let scim = Arc::new(Scim::new(&tmp));
    let created = scim.send("POST", "/Users", Some(json!({"userName": "target@x.com"})));
    assert_eq!(created.status, 201);
    let id = created.json().unwrap()["id"].as_str().unwrap().to_owned();
    let (client, path) = (scim.clone(), format!("/Users/{id}"));
    let statuses = race(THREADS, move |t| {
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
