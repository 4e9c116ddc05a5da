//! Random group operations on a store and on `MemoryDirectory`, answers compared step by step.

use serde_json::json;
use sso_scim_core::internal::schema::GROUP;
use sso_scim_core::query::SortSpec;
use sso_scim_core::{Directory, GroupRecord, MemoryDirectory, display_name_key};
use time::{Duration, OffsetDateTime};

use super::Drive;
use super::rng::Rng;
use crate::common::{group, group_filter_query, outcome};

const NAMES: &[&str] = &["admins", "Admins", "ADMINS", "sales", "Sales", "ops", "Équipe", "équipe", "zed"];
const EXTERNALS: &[&str] = &["e1", "E1", "e2"];
const IDS: &[&str] = &["g0", "g1", "g2", "g3", "g4", "g5", "g6", "g7", "g8", "g9"];
const MEMBERS: &[&str] = &["u1", "u2", "u3", "U1"];
const WORKSPACES: &[&str] = &["a", "a", "a", "b", "zz"];
const FILTERS: &[&str] = &[
    r#"displayName eq "admins""#,
    r#"displayName eq "ÉQUIPE""#,
    r#"displayName sw "s""#,
    r#"displayName co "e""#,
    r#"displayName gt "ops""#,
    r#"externalId eq "e1""#,
    r#"externalId eq "E1""#,
    r#"externalId pr"#,
    r#"not (externalId pr)"#,
    r#"id eq "g3""#,
    r#"members[value eq "u1"]"#,
    r#"members.value eq "U1""#,
    r#"members pr"#,
    r#"displayName eq "sales" and externalId eq "e2""#,
    r#"externalId eq "e1" or displayName eq "ops""#,
    r#"meta.lastModified gt "1970-01-01T00:00:01Z""#,
];
const SORTS: &[&str] = &["displayName", "externalId", "meta.lastModified", "members.value", "id"];

/// Mostly clashing names (few keys, in several cases), sometimes one of many fresh ones.
fn random_group(rng: &mut Rng, ws: &str, id: &str) -> GroupRecord {
    let name = if rng.below(2) == 0 { rng.pick(NAMES).to_owned() } else { format!("G{}", rng.below(30)) };
    let external = (rng.below(3) > 0).then(|| rng.pick(EXTERNALS));
    let members: Vec<&str> = (0..rng.below(4)).map(|_| rng.pick(MEMBERS)).collect();
    let mut g = group(ws, id, &name, external, &members);
    g.created = OffsetDateTime::UNIX_EPOCH + Duration::milliseconds(rng.below(5000) as i64);
    g.last_modified = g.created + Duration::milliseconds(rng.below(5000) as i64);
    g
}

/// Random group writes and reads, the same on `sql` and on `mem` (both holding workspaces `a`
/// and `b`), `steps` of them.
pub fn random_operations(drive: &impl Drive, sql: &impl Directory, mem: &MemoryDirectory, steps: usize) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    // How often each path was taken, so that a generator change cannot quietly test nothing.
    let (mut written, mut deleted, mut refused, mut nonempty_pages) = (0, 0, 0, 0);
    for step in 0..steps {
        let ws = rng.pick(WORKSPACES);
        let id = rng.pick(IDS);
        let current = drive.run(mem.get_group(ws, id)).unwrap();
        // Usually the version on record, at times a stale or future one.
        let expected = match (&current, rng.below(5)) {
            (Some(c), 0) => c.version + 1,
            (Some(c), _) => c.version,
            (None, _) => 1,
        };
        match rng.below(10) {
            0..=2 => {
                let g = random_group(&mut rng, ws, id);
                let (a, b) = (outcome(drive.run(sql.insert_group(&g))), outcome(drive.run(mem.insert_group(&g))));
                assert_eq!(a, b, "step {step}");
                if a.is_ok() { written += 1 } else { refused += 1 }
            }
            3..=4 => {
                let mut next = random_group(&mut rng, ws, id);
                if let Some(c) = current.as_ref().filter(|_| rng.below(3) > 0) {
                    // Often an update keeps the name (in another case, at times): PATCHed members.
                    let name = if rng.below(2) == 0 { c.display_name.to_uppercase() } else { c.display_name.clone() };
                    next.resource.insert("displayName".into(), json!(name));
                    next.sync_from_resource();
                }
                next.version = expected + 1;
                let (a, b) = (
                    outcome(drive.run(sql.update_group(&next, expected))),
                    outcome(drive.run(mem.update_group(&next, expected))),
                );
                assert_eq!(a, b, "step {step}");
                if a.is_ok() { written += 1 } else { refused += 1 }
            }
            5 => {
                let (a, b) =
                    (drive.run(sql.delete_group(ws, id, expected)), drive.run(mem.delete_group(ws, id, expected)));
                let (a, b) = (outcome(a), outcome(b));
                assert_eq!(a, b, "step {step}");
                if a.is_ok() { deleted += 1 } else { refused += 1 }
            }
            6 => {
                assert_eq!(
                    outcome(drive.run(sql.get_group(ws, id))),
                    outcome(drive.run(mem.get_group(ws, id))),
                    "step {step}"
                );
                let key = display_name_key(rng.pick(NAMES));
                let (a, b) = (
                    drive.run(sql.find_group_by_display_name(ws, &key)),
                    drive.run(mem.find_group_by_display_name(ws, &key)),
                );
                assert_eq!(outcome(a), outcome(b), "step {step}");
            }
            _ => {
                let filter = (rng.below(4) > 0).then(|| rng.pick(FILTERS));
                let sort = (rng.below(3) == 0).then(|| {
                    SortSpec::parse_in(&GROUP, rng.pick(SORTS), Some(rng.pick(&["ascending", "descending"]))).unwrap()
                });
                let q = group_filter_query(filter, sort, 1 + rng.below(6), rng.below(6));
                let (a, b) =
                    (outcome(drive.run(sql.query_groups(ws, &q))), outcome(drive.run(mem.query_groups(ws, &q))));
                assert_eq!(a, b, "step {step}: filter {filter:?} start {} count {}", q.start_index, q.count);
                if a.is_ok_and(|p| !p.groups.is_empty()) {
                    nonempty_pages += 1;
                }
            }
        }
    }
    for ws in ["a", "b"] {
        let all = group_filter_query(None, None, 1, usize::MAX);
        assert_eq!(
            drive.run(sql.query_groups(ws, &all)).unwrap(),
            drive.run(mem.query_groups(ws, &all)).unwrap(),
            "{ws}"
        );
    }
    let counts = format!("{written} written, {deleted} deleted, {refused} refused, {nonempty_pages} non-empty pages");
    let (few, many) = (steps / 150, steps / 30);
    assert!(written > many && deleted > few && refused > many && nonempty_pages > many, "{counts}");
    eprintln!("{counts}");
}
