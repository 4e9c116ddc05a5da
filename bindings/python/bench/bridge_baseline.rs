//! The baseline of `bench/bench.py`'s SCIM figures: the same Entra requests through the
//! core's JSON bridge (`ForeignDirectory`, snake_case) over a Rust host that does no work and
//! answers the JSON the Python no-work store answers. What the Python numbers add to these is
//! the binding's own per-call cost (Python ↔ JSON conversion, the GIL, the Python calls).
//!
//! Built and run by the benchmark (`cargo build --release -p sso-scim-python --example
//! bridge_baseline`), one round at a time between its own rounds; prints one JSON object,
//! request kind → median µs.

#[path = "../../../core/benches/support/mod.rs"]
mod support;

use std::time::Instant;

use serde_json::{Value, json};
use sso_scim_core::bridge::{ForeignDirectory, HostStore, KeyCase, StoreMethod};
use sso_scim_core::executor::now_or_never;
use sso_scim_core::scim::{ScimConfig, ScimHandler, ScimRequest};
use sso_scim_core::token::ScimToken;
use sso_scim_core::{MemoryDirectory, StoreError, Workspace};
use support::{PATCH_OP, entra_user};

/// Measured rounds (after one warm-up round); `BASELINE_ROUNDS` overrides, so the benchmark
/// can run one round at a time between its own.
const ROUNDS: usize = 15;
const PER_ROUND: usize = 2000;

/// Answers what `bench.py`'s `NullStore` answers, as JSON.
struct NullHost {
    grant: Value,
    user: Value,
}

impl HostStore for NullHost {
    async fn call(&self, method: StoreMethod, _args: Vec<Value>) -> Result<Value, StoreError> {
        Ok(match method {
            StoreMethod::WorkspaceForToken => self.grant.clone(),
            StoreMethod::GetUser => self.user.clone(),
            StoreMethod::QueryUsers => json!({"total_results": 1, "users": [self.user.clone()]}),
            StoreMethod::RememberAssertion => Value::Bool(true),
            _ => Value::Null,
        })
    }
}

fn main() {
    // One real user record, made by the core, as the no-work host's answer.
    let token = ScimToken::generate();
    let seed = MemoryDirectory::new();
    seed.add_workspace(Workspace::new("ws", "Contoso"));
    seed.add_token("ws", token.hash());
    let seed = ScimHandler::new(seed, ScimConfig::default()).expect("default settings");
    let auth = format!("Bearer {}", token.as_str());
    let post = ScimRequest::new("POST", "/Users").with_header("Authorization", &auth).with_json(&entra_user(0));
    assert_eq!(now_or_never(seed.handle(post)).expect("sync store").status, 201);
    let user = seed.directory().users("ws").remove(0);
    let id = user.id.clone();
    let grant = json!({"workspace": {"id": "ws", "name": "Contoso", "default_role": "Project Manager"},
        "token_hash": token.hash().to_hex()});
    let host = NullHost { grant, user: serde_json::to_value(&user).expect("a record serializes") };
    let handler =
        ScimHandler::new(ForeignDirectory::new(host, KeyCase::Snake), ScimConfig::default()).expect("default settings");

    let req = |method: &str, path: &str| ScimRequest::new(method, path).with_header("Authorization", &auth);
    let patch = |i: usize| {
        json!({"schemas": [PATCH_OP], "Operations": [
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": format!("moved{i}@contoso.com")},
            {"op": "Replace", "value": {"name.givenName": format!("Given{i}"), "name.familyName": "Family",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": format!("Dept{}", i % 7)}}
        ]})
    };
    type Make<'a> = Box<dyn Fn(usize) -> (ScimRequest, u16) + 'a>;
    let kinds: Vec<(&str, Make<'_>)> = vec![
        (
            "GET filter userName (hit)",
            Box::new(|_| (req("GET", "/Users").with_query("filter=userName%20eq%20%22USER0%40contoso.com%22"), 200)),
        ),
        ("GET /Users/{id}", Box::new(|_| (req("GET", &format!("/Users/{id}")), 200))),
        (
            "PATCH value path + dotted replace",
            Box::new(|i| (req("PATCH", &format!("/Users/{id}")).with_json(&patch(i)), 200)),
        ),
        (
            "POST (Entra create)",
            Box::new(|i| (req("POST", "/Users").with_json(&entra_user(1_000_000 + i as u64)), 201)),
        ),
    ];
    let rounds = std::env::var("BASELINE_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(ROUNDS);
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); kinds.len()];
    for round in 0..=rounds {
        for (k, (_, make)) in kinds.iter().enumerate() {
            let batch: Vec<(ScimRequest, u16)> = (0..PER_ROUND).map(make).collect();
            let start = Instant::now();
            for (request, want) in batch {
                let status = now_or_never(handler.handle(request)).expect("sync host").status;
                assert_eq!(status, want);
            }
            // Round 0 warms up.
            if round > 0 {
                samples[k].push(start.elapsed().as_secs_f64() * 1e6 / PER_ROUND as f64);
            }
        }
    }
    let mut out = serde_json::Map::new();
    for ((name, _), mut s) in kinds.iter().zip(samples) {
        s.sort_by(f64::total_cmp);
        out.insert((*name).to_owned(), json!(s[s.len() / 2]));
    }
    println!("{}", Value::Object(out));
}
