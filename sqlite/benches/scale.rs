//! `make bench-scale`: how list queries scale. Loads `SCALE_USERS` Entra-shaped users
//! (default 1,000,000) into a fresh SQLite database, then times each query type IdPs and
//! admin tools send through the SCIM handler: median and p99 over `SCALE_REPS` runs (default
//! 31), each run asking for a different user. Reports timings, never asserts them; resident
//! memory is read from /proc at the end. With `SCALE_KEEP=FILE` the database is kept at FILE
//! (and the SCIM token printed), for measuring `sso-scim serve` on it.

use std::time::{Duration, Instant};

use serde_json::json;
use sso_scim_core::executor::now_or_never;
use sso_scim_core::scim::{ScimConfig, ScimHandler, ScimRequest};
use sso_scim_core::token::ScimToken;
use sso_scim_core::{UserRecord, UserState};
use sso_scim_sqlite::SqliteDirectory;
use time::OffsetDateTime;

const GIVEN: &[&str] = &["Ann", "Bob", "Chloé", "Dmitri", "Eve", "Fatima", "Gustav", "Hana", "Ines", "Jürgen"];
const FAMILY: &[&str] = &["Smith", "Müller", "García", "Nakamura", "O'Brien", "Kowalski", "Østergaard", "Li"];

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// User `n` as Entra provisions one: userName, externalId, names, a primary work email and
/// enterprise attributes.
fn entra_user(ws: &str, n: usize, now: OffsetDateTime) -> UserRecord {
    let (given, family) = (GIVEN[n % GIVEN.len()], FAMILY[(n / GIVEN.len()) % FAMILY.len()]);
    let doc = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "userName": format!("user{n}@contoso.com"),
        "externalId": format!("ext-{n:08}"),
        "displayName": format!("{given} {family} {n}"),
        "name": {"givenName": given, "familyName": format!("{family}{n}")},
        "emails": [{"value": format!("user{n}@contoso.com"), "type": "work", "primary": true}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "department": format!("Dept {}", n % 50), "employeeNumber": format!("{n}")
        }
    });
    UserRecord::new(
        ws,
        &format!("{n:032x}"),
        "Project Manager",
        UserState::Active,
        now,
        doc.as_object().cloned().unwrap(),
    )
}

fn rss_mb(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let users = env_usize("SCALE_USERS", 1_000_000);
    let reps = env_usize("SCALE_REPS", 31);
    let dir = std::env::temp_dir().join(format!("sso-scim-bench-scale-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let keep = std::env::var_os("SCALE_KEEP").map(std::path::PathBuf::from);
    let store = SqliteDirectory::open(keep.clone().unwrap_or_else(|| dir.join("scale.db"))).unwrap();
    let ws = store.create_workspace("Scale", None).unwrap();
    let token = ScimToken::generate();
    store.add_token(&ws.id, &token.hash()).unwrap();
    if let Some(path) = &keep {
        println!("keeping {} (workspace {}, SCIM token {})", path.display(), ws.id, token.as_str());
    }

    let started = Instant::now();
    let now = OffsetDateTime::now_utc();
    for start in (0..users).step_by(10_000) {
        let batch: Vec<UserRecord> = (start..(start + 10_000).min(users)).map(|n| entra_user(&ws.id, n, now)).collect();
        store.import_users(&batch).unwrap();
    }
    let load = started.elapsed();
    println!("loaded {users} users in {:.1} s ({:.0} users/s)", load.as_secs_f64(), users as f64 / load.as_secs_f64());

    let handler = ScimHandler::new(store, ScimConfig::default()).unwrap();
    let bearer = format!("Bearer {}", token.as_str());
    let pick = |i: usize| (i * 7_919 + 13) % users;
    type Query = Box<dyn Fn(usize) -> String>;
    let queries: Vec<(&str, Query)> = vec![
        ("userName eq", Box::new(move |n| format!("filter=userName%20eq%20%22user{n}%40contoso.com%22"))),
        ("externalId eq", Box::new(move |n| format!("filter=externalId%20eq%20%22ext-{n:08}%22"))),
        (
            "displayName eq",
            Box::new(move |n| {
                let (g, f) = (GIVEN[n % GIVEN.len()], FAMILY[(n / GIVEN.len()) % FAMILY.len()]);
                format!("filter=displayName%20eq%20%22{}%22", urlencode(&format!("{g} {f} {n}")))
            }),
        ),
        (
            "name.familyName eq",
            Box::new(move |n| {
                let f = FAMILY[(n / GIVEN.len()) % FAMILY.len()];
                format!("filter=name.familyName%20eq%20%22{}%22", urlencode(&format!("{f}{n}")))
            }),
        ),
        ("emails.value eq", Box::new(move |n| format!("filter=emails.value%20eq%20%22user{n}%40contoso.com%22"))),
        (
            "emails[type eq \"work\"].value eq",
            Box::new(move |n| {
                format!("filter=emails%5Btype%20eq%20%22work%22%5D.value%20eq%20%22user{n}%40contoso.com%22")
            }),
        ),
        (
            "userName sw (count 10)",
            Box::new(move |n| format!("filter=userName%20sw%20%22user{}%22&count=10", n % 10_000)),
        ),
        ("active eq false (no match)", Box::new(|_| "filter=active%20eq%20false".to_owned())),
        (
            "sortBy=userName descending, count 10",
            Box::new(|_| "sortBy=userName&sortOrder=descending&count=10".to_owned()),
        ),
        ("first page of 100", Box::new(|_| "count=100".to_owned())),
        ("deep page of 100 (middle)", Box::new(move |_| format!("startIndex={}&count=100", users / 2))),
        ("count=0 (exact totalResults)", Box::new(|_| "count=0".to_owned())),
    ];
    println!("\n| query at {users} users | median | p99 |\n|---|---|---|");
    for (name, query) in &queries {
        let mut times = Vec::with_capacity(reps);
        for i in 0..reps {
            let request =
                ScimRequest::new("GET", "/Users").with_query(&query(pick(i))).with_header("Authorization", &bearer);
            let t = Instant::now();
            let response = now_or_never(handler.handle(request)).expect("a synchronous store");
            times.push(t.elapsed());
            assert_eq!(response.status, 200, "{name}: {}", String::from_utf8_lossy(&response.body));
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!("| {name} | {:.2} ms | {:.2} ms |", ms(percentile(&times, 0.5)), ms(percentile(&times, 0.99)));
    }
    println!("\nresident memory: {:.0} MB now, {:.0} MB peak", rss_mb("VmRSS:"), rss_mb("VmHWM:"));
    drop(handler);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Percent-encode a filter value for the query string.
fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'.' || b == b'-' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
