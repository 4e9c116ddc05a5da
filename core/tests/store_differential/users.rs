//! Random user operations on a store and on `MemoryDirectory`, answers compared step by step.

use serde_json::json;
use sso_scim_core::query::{IndexHint, SortSpec};
use sso_scim_core::{Directory, ListQuery, MemoryDirectory, StoreErrorKind, UserRecord, UserState};
use time::{Duration, OffsetDateTime};

use super::Drive;
use super::rng::Rng;
use crate::common::{filter_query, outcome, record};

const NAMES: &[&str] = &["ann", "Ann", "ANN", "bob", "Bob", "cy", "dee", "Éva", "éva", "zed"];
const EXTERNALS: &[&str] = &["e1", "E1", "e2", "e3"];
const IDS: &[&str] = &["u0", "u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9", "u10", "u11", "u12", "u13"];
const WORKSPACES: &[&str] = &["a", "a", "a", "b", "zz"];
const FILTERS: &[&str] = &[
    r#"userName eq "ann""#,
    r#"userName eq "ÉVA""#,
    r#"externalId eq "e1""#,
    r#"externalId eq "E1""#,
    r#"id eq "u3""#,
    r#"userName sw "a""#,
    r#"userName co "b""#,
    r#"userName gt "bob""#,
    r#"externalId pr"#,
    r#"not (externalId pr)"#,
    r#"userName eq "bob" and externalId eq "e2""#,
    r#"externalId eq "e1" or userName eq "cy""#,
    r#"active eq true"#,
    r#"active eq false"#,
    r#"title pr"#,
    r#"emails[type eq "work"]"#,
    r#"meta.lastModified gt "1970-01-01T00:00:01Z""#,
];
const SORTS: &[&str] = &["userName", "externalId", "meta.lastModified", "title", "emails"];

/// Mostly clashing names (few keys, in several cases), sometimes one of many fresh ones.
fn random_name(rng: &mut Rng) -> String {
    if rng.below(2) == 0 { rng.pick(NAMES).to_owned() } else { format!("N{}", rng.below(40)) }
}

fn random_user(rng: &mut Rng, ws: &str, id: &str) -> UserRecord {
    let mut doc = json!({"userName": random_name(rng)});
    if rng.below(3) > 0 {
        doc["externalId"] = json!(rng.pick(EXTERNALS));
    }
    if rng.below(2) == 0 {
        doc["title"] = json!(rng.pick(NAMES));
    }
    if rng.below(2) == 0 {
        doc["emails"] = json!([{"value": format!("{}@x.com", rng.pick(NAMES)), "type": rng.pick(&["work", "home"])}]);
    }
    let mut u = record(ws, id, doc);
    u.state = [UserState::Active, UserState::Archived, UserState::Deprovisioned][rng.below(3)];
    u.created = OffsetDateTime::UNIX_EPOCH + Duration::milliseconds(rng.below(5000) as i64);
    u.last_modified = u.created + Duration::milliseconds(rng.below(5000) as i64);
    u
}

fn random_query(rng: &mut Rng) -> ListQuery {
    let filter = (rng.below(4) > 0).then(|| rng.pick(FILTERS));
    let sort = (rng.below(3) == 0)
        .then(|| SortSpec::parse(rng.pick(SORTS), Some(rng.pick(&["ascending", "descending"]))).unwrap());
    filter_query(filter, sort, 1 + rng.below(6), rng.below(6))
}

/// One random query against both stores; whether the page had users.
fn compare_query(
    drive: &impl Drive,
    step: usize,
    rng: &mut Rng,
    ws: &str,
    sql: &impl Directory,
    mem: &MemoryDirectory,
) -> bool {
    let mut q = random_query(rng);
    let by_external_id = matches!(q.filter.as_ref().and_then(|f| f.index_hint()), Some(IndexHint::ExternalId(_)));
    if by_external_id {
        // MemoryDirectory lists the users sharing an externalId in the order they took it,
        // this store in insertion order (as its unhinted pages do), and a sort keeps that
        // order among ties: compare whole results as sets.
        q.start_index = 1;
        q.count = usize::MAX;
    }
    let (mut a, mut b) = (outcome(drive.run(sql.query_users(ws, &q))), outcome(drive.run(mem.query_users(ws, &q))));
    if by_external_id {
        for page in [&mut a, &mut b].into_iter().flatten() {
            page.users.sort_by(|x, y| x.id.cmp(&y.id));
        }
    }
    if a != b {
        let brief = |r: &Result<sso_scim_core::UserPage, StoreErrorKind>| {
            r.clone().map(|p| (p.total_results, p.users.into_iter().map(|u| u.id).collect::<Vec<_>>()))
        };
        panic!(
            "step {step}: filter {:?} sort {:?} start {} count {}\n  store {:?}\n  memory {:?}",
            q.filter.as_ref().map(ToString::to_string),
            q.sort.map(|s| (s.attr.to_string(), s.descending)),
            q.start_index,
            q.count,
            brief(&a),
            brief(&b)
        );
    }
    a.is_ok_and(|p| !p.users.is_empty())
}

/// Random user writes and reads, the same on `sql` and on `mem` (both holding workspaces `a`
/// and `b`), `steps` of them; `stored(ws)` lists what `sql` holds at the end.
pub fn random_operations(
    drive: &impl Drive,
    sql: &impl Directory,
    mem: &MemoryDirectory,
    steps: usize,
    stored: impl Fn(&str) -> Vec<UserRecord>,
) {
    let mut rng = Rng(0x5eed_cafe_f00d_1234);
    let future = OffsetDateTime::now_utc() + Duration::hours(1);
    // How often each path was taken, so that a generator change cannot quietly test nothing.
    let (mut inserted, mut updated, mut refused, mut nonempty_pages) = (0, 0, 0, 0);
    for step in 0..steps {
        let ws = rng.pick(WORKSPACES);
        let id = rng.pick(IDS);
        match rng.below(10) {
            0..=2 => {
                let u = random_user(&mut rng, ws, id);
                let (a, b) = (outcome(drive.run(sql.insert_user(&u))), outcome(drive.run(mem.insert_user(&u))));
                assert_eq!(a, b, "step {step}");
                if a.is_ok() { inserted += 1 } else { refused += 1 }
            }
            3..=4 => {
                let current = drive.run(mem.get_user(ws, id)).unwrap();
                let mut next = random_user(&mut rng, ws, id);
                if let Some(c) = current.as_ref().filter(|_| rng.below(4) > 0) {
                    // Usually an update keeps the userName (in another case, at times).
                    let name = if rng.below(2) == 0 { c.user_name.to_uppercase() } else { c.user_name.clone() };
                    next.resource.insert("userName".into(), json!(name));
                    next.sync_from_resource();
                }
                let expected = match (&current, rng.below(5)) {
                    (Some(c), 0) => c.version + 1,
                    (Some(c), _) => c.version,
                    (None, _) => 1,
                };
                next.version = expected + 1;
                let (a, b) = (
                    outcome(drive.run(sql.update_user(&next, expected))),
                    outcome(drive.run(mem.update_user(&next, expected))),
                );
                assert_eq!(a, b, "step {step}");
                if a.is_ok() { updated += 1 } else { refused += 1 }
            }
            5 => {
                assert_eq!(
                    outcome(drive.run(sql.get_user(ws, id))),
                    outcome(drive.run(mem.get_user(ws, id))),
                    "step {step}"
                );
                let key = sso_scim_core::user_name_key(rng.pick(NAMES));
                let (a, b) = (drive.run(sql.find_by_user_name(ws, &key)), drive.run(mem.find_by_user_name(ws, &key)));
                assert_eq!(outcome(a), outcome(b), "step {step}");
            }
            6 => {
                let aid = rng.pick(IDS);
                let (a, b) = (
                    drive.run(sql.remember_assertion(ws, aid, future)),
                    drive.run(mem.remember_assertion(ws, aid, future)),
                );
                assert_eq!(outcome(a), outcome(b), "step {step}");
            }
            _ => {
                if compare_query(drive, step, &mut rng, ws, sql, mem) {
                    nonempty_pages += 1;
                }
            }
        }
    }
    for ws in ["a", "b"] {
        assert_eq!(stored(ws), mem.users(ws), "workspace {ws}");
    }
    let counts = format!("{inserted} inserted, {updated} updated, {refused} refused, {nonempty_pages} non-empty pages");
    let (few, many) = (steps / 300, steps / 30);
    assert!(inserted > few && updated > many && refused > many && nonempty_pages > many, "{counts}");
    eprintln!("{counts}");
}
