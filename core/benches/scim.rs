//! The Entra request mix against `MemoryDirectory` holding 10k and 100k users, plus the same
//! requests against a store that does no work (it hands back one prepared user) to isolate
//! the core's own cost. Per-request medians are the figures to read; the 10k and 100k rows
//! must agree, because every Entra request is answered through an index.
//!
//! Run: `make bench` (or `cargo bench -p sso-scim-core --bench scim`).

mod support;

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use serde_json::json;
use sso_scim_core::TokenGrant;
use sso_scim_core::executor::now_or_never;
use sso_scim_core::scim::{ScimConfig, ScimHandler, ScimRequest};
use sso_scim_core::token::ScimToken;
use sso_scim_core::{Directory, MemoryDirectory, Workspace};
use support::{NullDirectory, PATCH_OP, entra_user};

struct Fixture<D> {
    handler: ScimHandler<D>,
    auth: String,
    ids: Vec<String>,
}

impl<D: Directory> Fixture<D> {
    fn req(&self, method: &str, path: &str) -> ScimRequest {
        ScimRequest::new(method, path).with_header("Authorization", &self.auth)
    }

    fn run(&self, req: ScimRequest) -> u16 {
        now_or_never(self.handler.handle(req)).expect("synchronous store").status
    }
}

fn memory_fixture(users: u64) -> Fixture<MemoryDirectory> {
    let dir = MemoryDirectory::new();
    dir.add_workspace(Workspace::new("ws", "Contoso"));
    let token = ScimToken::generate();
    dir.add_token("ws", token.hash());
    let handler = ScimHandler::new(dir, ScimConfig::default()).unwrap();
    let auth = format!("Bearer {}", token.as_str());
    let mut f = Fixture { handler, auth, ids: Vec::new() };
    for i in 0..users {
        let r = now_or_never(f.handler.handle(f.req("POST", "/Users").with_json(&entra_user(i)))).unwrap();
        assert_eq!(r.status, 201);
        f.ids.push(r.json().unwrap()["id"].as_str().unwrap().to_owned());
    }
    f
}

fn null_fixture() -> Fixture<NullDirectory> {
    let seed = memory_fixture(1);
    let user = seed.handler.directory().users("ws").remove(0);
    let token = ScimToken::generate();
    let grant = TokenGrant { workspace: Workspace::new("ws", "Contoso"), token_hash: token.hash() };
    let handler = ScimHandler::new(NullDirectory { grant, user }, ScimConfig::default()).unwrap();
    Fixture { handler, auth: format!("Bearer {}", token.as_str()), ids: seed.ids }
}

/// One request of each kind Entra sends, cycling through users so no answer is cached. The
/// request is built outside the timed part (`iter_batched`): only `handle` is measured.
fn entra_requests<D: Directory>(c: &mut Criterion, group: &str, f: &Fixture<D>, population: u64) {
    let mut g = c.benchmark_group(group);
    g.sample_size(60);
    let n = f.ids.len() as u64;
    let counter = AtomicU64::new(0);
    let next = || counter.fetch_add(7919, Ordering::Relaxed) % n.max(1);

    let timed = |b: &mut criterion::Bencher, make: &dyn Fn() -> (ScimRequest, u16)| {
        b.iter_batched(make, |(req, want)| assert_eq!(f.run(black_box(req)), want), BatchSize::SmallInput)
    };
    g.bench_function(BenchmarkId::new("filter_userName_hit", population), |b| {
        timed(b, &|| {
            let q = format!("filter=userName%20eq%20%22USER{}%40contoso.com%22", next());
            (f.req("GET", "/Users").with_query(&q), 200)
        })
    });
    g.bench_function(BenchmarkId::new("test_connection_miss", population), |b| {
        timed(b, &|| {
            let q = "filter=userName+eq+%22a0f1c3e2-5b7d-4c9a-8e6f-1d2b3c4a5e6f%22";
            (f.req("GET", "/Users").with_query(q), 200)
        })
    });
    g.bench_function(BenchmarkId::new("get_by_id", population), |b| {
        timed(b, &|| (f.req("GET", &format!("/Users/{}", f.ids[next() as usize])), 200))
    });
    let flip = AtomicU64::new(0);
    g.bench_function(BenchmarkId::new("patch_entra_replace", population), |b| {
        timed(b, &|| {
            let id = &f.ids[next() as usize];
            let v = flip.fetch_add(1, Ordering::Relaxed);
            let body = json!({"schemas": [PATCH_OP], "Operations": [
                {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": format!("moved{v}@contoso.com")},
                {"op": "Replace", "value": {"name.givenName": format!("Given{v}"), "name.familyName": "Family",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": format!("Dept{}", v % 7)}}
            ]});
            (f.req("PATCH", &format!("/Users/{id}")).with_json(&body), 200)
        })
    });
    g.bench_function(BenchmarkId::new("patch_disable_enable", population), |b| {
        timed(b, &|| {
            let id = &f.ids[next() as usize];
            let value = if flip.fetch_add(1, Ordering::Relaxed).is_multiple_of(2) { "False" } else { "True" };
            let body =
                json!({"schemas": [PATCH_OP], "Operations": [{"op": "Replace", "path": "active", "value": value}]});
            (f.req("PATCH", &format!("/Users/{id}")).with_json(&body), 200)
        })
    });
    let created = AtomicU64::new(population * 10);
    g.bench_function(BenchmarkId::new("post_create", population), |b| {
        timed(b, &|| (f.req("POST", "/Users").with_json(&entra_user(created.fetch_add(1, Ordering::Relaxed))), 201))
    });
    g.finish();
}

fn scim(c: &mut Criterion) {
    for population in [10_000, 100_000] {
        let f = memory_fixture(population);
        entra_requests(c, "memory", &f, population);
    }
    let f = null_fixture();
    entra_requests(c, "core_only", &f, 0);
}

criterion_group!(benches, scim);
criterion_main!(benches);
