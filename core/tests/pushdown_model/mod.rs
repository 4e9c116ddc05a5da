//! The pushdown property, shared by every SQL store's tests (included with `#[path]`): over a
//! random directory, random filters and sorts answered by the store equal what
//! `Filter::matches` and `SortSpec::sort` give over the same records (`MemoryDirectory`).
//!
//! The directory stresses what SQL gets wrong by default: non-ASCII case (`ß`, `İ`, final
//! sigma, `Å` as one or two code points), quotes, `%`, `_`, `\`, long values, several emails
//! with and without `primary`, enterprise attributes, archived and deprovisioned users, times
//! at millisecond precision. Filters cover every operator, `and`/`or`/`not`, value paths,
//! `meta.*`, the enterprise extension and presence of complex attributes.

use serde_json::{Value, json};
use sso_scim_core::executor::now_or_never;
use sso_scim_core::internal::filter::{FilterLimits, FilterOptions, parse_filter};
use sso_scim_core::query::SortSpec;
use sso_scim_core::{Directory, ListQuery, MemoryDirectory, StoreError, UserPage, UserRecord, UserState, Workspace};
use time::{Duration, OffsetDateTime};

mod rng;

pub use rng::Rng;

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// Words values are made of: non-ASCII case pairs, SQL pattern characters, quotes.
const WORDS: &[&str] = &[
    "ann",
    "ANN",
    "Ann",
    "bob",
    "straße",
    "STRASSE",
    "İstanbul",
    "istanbul",
    "ΣΟΦΙΑΣ",
    "σοφιας",
    "Ångström",
    "A\u{30a}ngstro\u{308}m",
    "o'brien",
    "O'BRIEN",
    "50%",
    "a_b",
    "a\\b",
    "\"q\"",
    "zoë",
    "ZOË",
    "日本",
    "x",
];
const DOMAINS: &[&str] = &["example.com", "EXAMPLE.com", "b.org"];
const TYPES: &[&str] = &["work", "home", "Work", "other"];

fn word(rng: &mut Rng) -> String {
    let w = rng.pick(WORDS).to_owned();
    match rng.below(12) {
        0 => w.repeat(60),
        1 => format!("{w} {}", rng.pick(WORDS)),
        _ => w,
    }
}

/// A random user of workspace `ws`; its times are whole milliseconds, as every SQL store keeps.
pub fn random_user(rng: &mut Rng, ws: &str, n: usize) -> UserRecord {
    let mut doc = json!({"userName": format!("{}{}", word(rng), n)});
    let values = [
        ("externalId", json!(format!("ext-{}", rng.below(40)))),
        ("displayName", json!(word(rng))),
        ("title", json!(word(rng))),
        ("nickName", json!(if rng.chance(20) { String::new() } else { word(rng) })),
        ("name", json!({"givenName": word(rng), "familyName": word(rng), "formatted": word(rng)})),
    ];
    for (key, value) in values {
        if rng.chance(60) {
            doc[key] = value;
        }
    }
    let emails: Vec<Value> = (0..rng.below(4))
        .map(|_| {
            let mut e = json!({"value": format!("{}@{}", word(rng), rng.pick(DOMAINS)), "type": rng.pick(TYPES)});
            if rng.chance(40) {
                e["primary"] = json!(rng.chance(50));
            }
            e
        })
        .collect();
    if !emails.is_empty() {
        doc["emails"] = Value::Array(emails);
    }
    if rng.chance(30) {
        doc["phoneNumbers"] = json!([{"value": format!("+1 555 {}", rng.below(100)), "type": rng.pick(TYPES)}]);
    }
    if rng.chance(50) {
        doc[ENTERPRISE] = json!({
            "department": word(rng),
            "employeeNumber": format!("{}", rng.below(1000)),
            "manager": {"value": format!("m{}", rng.below(5))},
        });
    }
    let state = match rng.below(10) {
        0..=5 => UserState::Active,
        6..=8 => UserState::Archived,
        _ => UserState::Deprovisioned,
    };
    let created = OffsetDateTime::UNIX_EPOCH + Duration::milliseconds(rng.below(100_000) as i64);
    let doc = doc.as_object().cloned().unwrap();
    let mut user = UserRecord::new(ws, &format!("u{n}"), "Project Manager", state, created, doc);
    user.last_modified = user.created + Duration::milliseconds(rng.below(100_000) as i64);
    user.version = 1 + rng.below(12) as u64;
    user
}

const TEXT_ATTRS: &[&str] = &[
    "userName",
    "displayName",
    "title",
    "nickName",
    "name.givenName",
    "name.familyName",
    "name.formatted",
    "emails.value",
    "emails.type",
    "emails.display",
    "phoneNumbers.value",
    "externalId",
    "id",
    "meta.version",
    "meta.resourceType",
    "meta.location",
    "schemas",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
];
const WHOLE_ATTRS: &[&str] =
    &["name", "emails", "phoneNumbers", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "meta"];
const OPS: &[&str] = &["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"];

/// A literal drawn from the directory's own values (in another case at times), a piece of
/// one, or a value nothing has.
fn literal(rng: &mut Rng) -> String {
    let mut s = match rng.below(8) {
        0 => format!("ext-{}", rng.below(40)),
        1 => format!("u{}", rng.below(60)),
        2 => format!("W/\"{}\"", rng.below(12)),
        3 => rng.pick(TYPES).to_owned(),
        4 => "User".to_owned(),
        _ => word(rng),
    };
    match rng.below(6) {
        0 => s = s.to_uppercase(),
        1 => s = s.chars().take(2).collect(),
        2 => s = s.chars().rev().take(2).collect::<Vec<_>>().into_iter().rev().collect(),
        3 => s.clear(),
        _ => {}
    }
    serde_json::to_string(&s).unwrap()
}

fn time_literal(rng: &mut Rng) -> String {
    let t = OffsetDateTime::UNIX_EPOCH + Duration::nanoseconds(rng.below(200_000_000_000) as i64);
    let t = if rng.chance(50) { t.replace_nanosecond(0).unwrap() } else { t };
    format!("\"{}\"", t.format(&time::format_description::well_known::Rfc3339).unwrap())
}

/// An atom: a comparison, a presence test, or a value path.
fn atom(rng: &mut Rng) -> String {
    match rng.below(12) {
        0 => format!("{} pr", rng.pick(WHOLE_ATTRS)),
        1 => format!("active eq {}", rng.chance(50)),
        2 => format!("emails.primary eq {}", rng.chance(50)),
        3 => format!("{} {} {}", rng.pick(&["meta.created", "meta.lastModified"]), rng.pick(OPS), time_literal(rng)),
        4 => {
            let inner = value_filter(rng);
            format!("emails[{inner}]")
        }
        5 => format!("emails[type eq {}].value {} {}", literal(rng), rng.pick(OPS), literal(rng)),
        6 => format!("name[givenName {} {}]", rng.pick(OPS), literal(rng)),
        7 => format!("{} eq null", rng.pick(TEXT_ATTRS)),
        8 => format!("{} pr", rng.pick(TEXT_ATTRS)),
        _ => format!("{} {} {}", rng.pick(TEXT_ATTRS), rng.pick(OPS), literal(rng)),
    }
}

fn value_filter(rng: &mut Rng) -> String {
    let one = |rng: &mut Rng| match rng.below(5) {
        0 => format!("primary eq {}", rng.chance(50)),
        1 => "value pr".to_owned(),
        2 => format!("not (type eq {})", literal(rng)),
        _ => format!("{} {} {}", rng.pick(&["type", "value", "display"]), rng.pick(OPS), literal(rng)),
    };
    match rng.below(3) {
        0 => one(rng),
        1 => format!("{} and {}", one(rng), one(rng)),
        _ => format!("{} or {}", one(rng), one(rng)),
    }
}

/// A random filter of up to `depth` levels of `and`, `or` and `not`.
pub fn random_filter(rng: &mut Rng, depth: usize) -> String {
    if depth == 0 || rng.chance(40) {
        return atom(rng);
    }
    match rng.below(3) {
        0 => format!("({}) and ({})", random_filter(rng, depth - 1), random_filter(rng, depth - 1)),
        1 => format!("({}) or ({})", random_filter(rng, depth - 1), random_filter(rng, depth - 1)),
        _ => format!("not ({})", random_filter(rng, depth - 1)),
    }
}

const SORTS: &[&str] = &[
    "userName",
    "displayName",
    "title",
    "name.familyName",
    "name.givenName",
    "emails.value",
    "emails",
    "emails.type",
    "emails.primary",
    "active",
    "meta.created",
    "meta.lastModified",
    "externalId",
    "id",
    "meta.version",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
];

/// The outcome of one property run: how many queries were compared, and how many of them
/// had a non-empty answer (so that a generator that matches nothing cannot pass unnoticed).
#[derive(Debug, Default)]
pub struct Checked {
    pub queries: usize,
    pub nonempty: usize,
}

/// Load `users` random users into a store (through `insert`, into workspace `ws`) and a
/// `MemoryDirectory`, then compare `queries` random list queries (the store's answers come
/// from `list`, which awaits the store however it must).
pub fn check_pushdown(
    ws: &str,
    seed: u64,
    (users, queries): (usize, usize),
    mut insert: impl FnMut(&UserRecord),
    mut list: impl FnMut(&ListQuery) -> Result<UserPage, StoreError>,
) -> Checked {
    let mut rng = Rng(seed);
    let mem = MemoryDirectory::new();
    mem.add_workspace(Workspace::new(ws, "Property"));
    for n in 0..users {
        let user = random_user(&mut rng, ws, n);
        insert(&user);
        now_or_never(mem.insert_user(&user)).unwrap().unwrap();
    }
    let mut checked = Checked::default();
    while checked.queries < queries {
        let text = random_filter(&mut rng, 3);
        let Ok(filter) = parse_filter(&text, FilterLimits::default(), FilterOptions::default()) else { continue };
        let sort = rng
            .chance(40)
            .then(|| SortSpec::parse(rng.pick(SORTS), Some(rng.pick(&["ascending", "descending"]))).unwrap());
        let query = ListQuery { filter: Some(filter), sort, start_index: 1 + rng.below(3), count: rng.below(40) };
        let want = now_or_never(mem.query_users(ws, &query)).unwrap().unwrap();
        let got = list(&query).unwrap_or_else(|e| panic!("{text}: {e}"));
        let ids = |p: &UserPage| p.users.iter().map(|u| u.id.clone()).collect::<Vec<_>>();
        assert_eq!(
            (got.total_results, ids(&got)),
            (want.total_results, ids(&want)),
            "filter {text} sort {:?} start {} count {}",
            query.sort.map(|s| (s.attr.to_string(), s.descending)),
            query.start_index,
            query.count
        );
        checked.queries += 1;
        checked.nonempty += usize::from(want.total_results > 0);
    }
    checked
}
