//! Handler behaviour that vectors cannot express: the product fields behind SCIM (role,
//! typed names, state), the injected clock, concurrency, and robustness against junk.

use std::sync::Arc;
use std::thread;

use crate::common::*;
use serde_json::{Value, json};
use sso_scim_core::scim::{ScimConfig, ScimHandler, ScimRequest};
use sso_scim_core::token::ScimToken;
use sso_scim_core::{MemoryDirectory, UserState, Workspace};
use time::macros::datetime;

#[test]
fn create_applies_the_workspace_default_role_and_syncs_product_fields() {
    let dir = MemoryDirectory::new();
    dir.add_workspace(Workspace::new("ws", "Acme").with_default_role("Member"));
    let token = ScimToken::generate();
    dir.add_token("ws", token.hash());
    let h = handler(dir);
    let body = json!({
        "schemas": [USER], "userName": "JDoe@Contoso.com", "externalId": "jdoe",
        "name": {"givenName": "John", "familyName": "Doe"},
        "emails": [{"value": "jdoe@contoso.com", "type": "work", "primary": true}]
    });
    let r = call(&h, authed("POST", "/Users", &token).with_json(&body));
    assert_eq!(r.status, 201);
    let id = r.json().unwrap()["id"].as_str().unwrap().to_owned();
    let stored = &h.directory().users("ws")[0];
    assert_eq!(stored.role, "Member");
    assert_eq!(stored.state, UserState::Active);
    assert_eq!(
        (stored.given_name.as_deref(), stored.family_name.as_deref(), stored.email.as_deref()),
        (Some("John"), Some("Doe"), Some("jdoe@contoso.com"))
    );
    assert_eq!(stored.user_name_key(), "jdoe@contoso.com");

    // Update: names and e-mail are synced into the typed fields.
    let ops = json!([{"op": "replace", "value": {"name.givenName": "Johnny", "emails[type eq \"work\"].value": "johnny@contoso.com"}}]);
    assert_eq!(call(&h, authed("PATCH", &format!("/Users/{id}"), &token).with_json(&patch_body(ops))).status, 200);
    let stored = &h.directory().users("ws")[0];
    assert_eq!((stored.given_name.as_deref(), stored.email.as_deref()), (Some("Johnny"), Some("johnny@contoso.com")));

    // Disable, delete, re-create: the same product user comes back with its role.
    let disable = json!([{"op": "Replace", "path": "active", "value": "False"}]);
    call(&h, authed("PATCH", &format!("/Users/{id}"), &token).with_json(&patch_body(disable)));
    assert_eq!(h.directory().users("ws")[0].state, UserState::Archived);
    assert!(!h.directory().users("ws")[0].can_sign_in());
    assert_eq!(call(&h, authed("DELETE", &format!("/Users/{id}"), &token)).status, 204);
    assert_eq!(h.directory().users("ws")[0].state, UserState::Deprovisioned);
    h.directory().add_workspace(Workspace::new("ws", "Acme").with_default_role("Viewer"));
    let again = create(&h, &token, "jdoe@CONTOSO.com");
    assert_eq!(again["id"], id.as_str());
    let users = h.directory().users("ws");
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].role, "Member", "the default role applies on creation only");
    assert_eq!(users[0].state, UserState::Active);
    assert_eq!(users[0].email, None, "the re-created document replaces the old one");
}

#[test]
fn meta_uses_the_injected_clock_at_millisecond_precision() {
    let (dir, token) = memory();
    let h = handler(dir).with_clock(|| datetime!(2026-03-04 05:06:07.123456789 UTC));
    let user = create(&h, &token, "a@x.com");
    assert_eq!(user["meta"]["created"], "2026-03-04T05:06:07.123Z");
    assert_eq!(user["meta"]["lastModified"], user["meta"]["created"]);
}

#[test]
fn concurrent_creates_of_one_user_name_make_exactly_one_user() {
    let (dir, token) = memory();
    let h = Arc::new(handler(dir));
    let token = Arc::new(token);
    let results: Vec<u16> = (0..8)
        .map(|i| {
            let (h, token) = (h.clone(), token.clone());
            thread::spawn(move || {
                let name = if i % 2 == 0 { "race@x.com" } else { "RACE@x.com" };
                call(&h, authed("POST", "/Users", &token).with_json(&json!({"userName": name}))).status
            })
        })
        .map(|t| t.join().unwrap())
        .collect();
    assert_eq!(results.iter().filter(|s| **s == 201).count(), 1, "{results:?}");
    assert_eq!(results.iter().filter(|s| **s == 409).count(), 7, "{results:?}");
    assert_eq!(h.directory().users("ws").len(), 1);
}

#[test]
fn concurrent_patches_to_one_user_all_land() {
    let (dir, token) = memory();
    let h = Arc::new(handler(dir));
    let id = create(&h, &token, "a@x.com")["id"].as_str().unwrap().to_owned();
    let token = Arc::new(token);
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let (h, token, id) = (h.clone(), token.clone(), id.clone());
            thread::spawn(move || {
                let ops = json!([{"op": "add", "path": "emails", "value": [{"value": format!("{i}@x.com")}]}]);
                call(&h, authed("PATCH", &format!("/Users/{id}"), &token).with_json(&patch_body(ops))).status
            })
        })
        .collect();
    let statuses: Vec<u16> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    // A PATCH may lose more races than it retries under this much contention; it then says so.
    assert!(statuses.iter().all(|s| *s == 200 || *s == 409), "{statuses:?}");
    let landed = statuses.iter().filter(|s| **s == 200).count();
    let user = call(&h, authed("GET", &format!("/Users/{id}"), &token)).json().unwrap();
    assert_eq!(user["emails"].as_array().unwrap().len(), landed, "every acknowledged change is kept");
    assert_eq!(user["meta"]["version"], format!("W/\"{}\"", landed + 1));
}

/// A tiny deterministic generator, so the junk below is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

fn mutate(rng: &mut Rng, text: &str) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..(1 + rng.next() % 4) {
        if bytes.is_empty() {
            break;
        }
        let i = (rng.next() % bytes.len() as u64) as usize;
        match rng.next() % 4 {
            0 => bytes[i] = *rng.pick(b"[]{}()\":,.\\ eqandornot\x00\xff"),
            1 => {
                bytes.remove(i);
            }
            2 => bytes.insert(i, *rng.pick(b"[]{}\"")),
            _ => bytes.truncate(i),
        }
    }
    bytes
}

#[test]
fn junk_never_panics_and_always_answers_a_scim_error_or_success() {
    let (dir, token) = memory();
    let h = handler(dir);
    let id = create(&h, &token, "seed@x.com")["id"].as_str().unwrap().to_owned();
    let bodies = [
        json!({"userName": "u@x.com", "name": {"givenName": "A"}, "emails": [{"value": "e@x", "primary": true}]}).to_string(),
        patch_body(json!([{"op": "add", "path": "emails[type eq \"work\"].value", "value": "w@x"},
            {"op": "replace", "value": {"name.familyName": "F", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager": "m"}}]))
        .to_string(),
    ];
    let filters = [
        r#"userName eq "a" and (emails[type eq "work"].value co "x" or not (title pr))"#,
        r#"meta.lastModified gt "2026-01-01T00:00:00Z""#,
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for round in 0..3000 {
        let targets = [
            ("POST", "/Users".to_owned()),
            ("PATCH", format!("/Users/{id}")),
            ("PUT", format!("/Users/{id}")),
            ("GET", "/Users".to_owned()),
        ];
        let (method, path) = rng.pick(&targets).clone();
        let mut req = authed(method, &path, &token);
        if method == "GET" {
            let source = *rng.pick(&filters);
            let filter = mutate(&mut rng, source);
            let query = format!("filter={}", percent_encode(&filter));
            req = req.with_query(&query);
        } else {
            let source = if method == "PATCH" { bodies[1].clone() } else { bodies[0].clone() };
            req = req.with_body(mutate(&mut rng, &source));
        }
        let r = call(&h, req);
        assert!(
            matches!(r.status, 200 | 201 | 400 | 404 | 409),
            "round {round}: {} {}",
            r.status,
            String::from_utf8_lossy(&r.body)
        );
        if r.status >= 400 {
            let body: Value = r.json().expect("errors are SCIM JSON");
            assert_eq!(body["status"], r.status.to_string());
            assert!(r.error_code().is_some());
        }
    }
    // The seed user is still consistent: its document passes a GET.
    assert_eq!(call(&h, authed("GET", &format!("/Users/{id}"), &token)).status, 200);
}

fn percent_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("%{b:02X}")).collect()
}

#[test]
fn a_default_config_handler_answers_over_an_arc_from_many_threads() {
    let (dir, token) = memory();
    let h: Arc<ScimHandler<MemoryDirectory>> = Arc::new(ScimHandler::new(dir, ScimConfig::default()).unwrap());
    let token = Arc::new(token);
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let (h, token) = (h.clone(), token.clone());
            thread::spawn(move || {
                for i in 0..50 {
                    let name = format!("t{t}-{i}@x.com");
                    assert_eq!(
                        call(&h, authed("POST", "/Users", &token).with_json(&json!({"userName": name}))).status,
                        201
                    );
                    let q = format!("filter=userName%20eq%20%22{}%22", name.replace('@', "%40"));
                    let r = call(&h, authed("GET", "/Users", &token).with_query(&q));
                    assert_eq!(r.json().unwrap()["totalResults"], 1);
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    let r = call(&h, authed("GET", "/Users", &token).with_query("count=0"));
    assert_eq!(r.json().unwrap()["totalResults"], 200);
    assert_eq!(r.json().unwrap()["Resources"], json!([]));
    assert!(
        ScimRequest::new("GET", "/Users?count=1").path.contains('?'),
        "the handler splits a query left on the path"
    );
    let r = call(&h, authed("GET", "/Users?count=1", &token));
    assert_eq!(r.json().unwrap()["itemsPerPage"], 1);
}
