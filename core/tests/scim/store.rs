//! How the handler treats its store: host failures surface as 500 `store_failed` with the
//! host's own error kept as the source, answers about another workspace are refused, and
//! write races are retried or reported.

use std::error::Error as _;
use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use crate::common::*;
use serde_json::json;
use sso_scim_core::TokenGrant;
use sso_scim_core::token::TokenHash;
use sso_scim_core::{Directory, ListQuery, MemoryDirectory, StoreError, StoreErrorKind, UserPage, UserRecord};
use time::OffsetDateTime;

#[derive(Debug)]
struct DatabaseDown;

impl fmt::Display for DatabaseDown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection to db.internal:5432 refused")
    }
}

impl std::error::Error for DatabaseDown {}

/// Wraps a MemoryDirectory and misbehaves on request.
#[derive(Default)]
struct Faulty {
    inner: MemoryDirectory,
    fail: Mutex<Option<&'static str>>,
    foreign_users: AtomicBool,
    wrong_token_hash: AtomicBool,
    lose_races: AtomicU32,
    /// `update_user` answers an older version than it was asked to write.
    stale_versions: AtomicBool,
    /// `query_users` lists its first record twice.
    repeat_rows: AtomicBool,
    /// `query_users` ignores `count` and lists everything.
    ignore_count: AtomicBool,
}

impl Faulty {
    fn failing(&self, method: &'static str) -> Result<(), StoreError> {
        if *self.fail.lock().unwrap() == Some(method) { Err(StoreError::failed(DatabaseDown)) } else { Ok(()) }
    }

    fn disguise(&self, user: Option<UserRecord>) -> Option<UserRecord> {
        user.map(|mut u| {
            if self.foreign_users.load(Ordering::SeqCst) {
                u.workspace_id = "someone-else".into();
            }
            u
        })
    }
}

impl Directory for Faulty {
    async fn workspace_for_token(&self, hash: &TokenHash) -> Result<Option<TokenGrant>, StoreError> {
        self.failing("workspace_for_token")?;
        let mut grant = self.inner.workspace_for_token(hash).await?;
        if self.wrong_token_hash.load(Ordering::SeqCst)
            && let Some(g) = &mut grant
        {
            g.token_hash = TokenHash([0; 32]);
        }
        Ok(grant)
    }

    async fn get_user(&self, ws: &str, id: &str) -> Result<Option<UserRecord>, StoreError> {
        self.failing("get_user")?;
        Ok(self.disguise(self.inner.get_user(ws, id).await?))
    }

    async fn find_by_user_name(&self, ws: &str, key: &str) -> Result<Option<UserRecord>, StoreError> {
        self.failing("find_by_user_name")?;
        Ok(self.disguise(self.inner.find_by_user_name(ws, key).await?))
    }

    async fn query_users(&self, ws: &str, q: &ListQuery) -> Result<UserPage, StoreError> {
        self.failing("query_users")?;
        let mut q = q.clone();
        if self.ignore_count.load(Ordering::SeqCst) {
            q.count = usize::MAX;
        }
        let mut page = self.inner.query_users(ws, &q).await?;
        if self.repeat_rows.load(Ordering::SeqCst)
            && let Some(first) = page.users.first().cloned()
        {
            page.users.push(first);
        }
        page.users = page.users.into_iter().map(|u| self.disguise(Some(u)).unwrap()).collect();
        Ok(page)
    }

    async fn insert_user(&self, user: &UserRecord) -> Result<UserRecord, StoreError> {
        self.failing("insert_user")?;
        self.inner.insert_user(user).await
    }

    async fn update_user(&self, user: &UserRecord, expected: u64) -> Result<UserRecord, StoreError> {
        self.failing("update_user")?;
        if self.lose_races.load(Ordering::SeqCst) > 0 {
            self.lose_races.fetch_sub(1, Ordering::SeqCst);
            return Err(StoreError::new(StoreErrorKind::VersionMismatch, "a concurrent writer won"));
        }
        let mut saved = self.inner.update_user(user, expected).await?;
        if self.stale_versions.load(Ordering::SeqCst) {
            saved.version = 2;
        }
        Ok(saved)
    }

    async fn remember_assertion(&self, ws: &str, id: &str, until: OffsetDateTime) -> Result<bool, StoreError> {
        self.inner.remember_assertion(ws, id, until).await
    }
}

fn faulty() -> (sso_scim_core::scim::ScimHandler<Faulty>, sso_scim_core::token::ScimToken) {
    let (inner, token) = memory();
    (handler(Faulty { inner, ..Default::default() }), token)
}

#[test]
fn every_store_method_failure_answers_500_and_keeps_the_host_error() {
    for method in ["workspace_for_token", "get_user", "find_by_user_name", "query_users", "insert_user", "update_user"]
    {
        let (h, token) = faulty();
        let id = create(&h, &token, "victim@x.com")["id"].as_str().unwrap().to_owned();
        *h.directory().fail.lock().unwrap() = Some(method);
        let requests = [
            authed("GET", &format!("/Users/{id}"), &token),
            authed("GET", "/Users", &token).with_query("filter=userName%20eq%20%22a%22"),
            authed("POST", "/Users", &token).with_json(&json!({"userName": "new@x.com"})),
            authed("PATCH", &format!("/Users/{id}"), &token)
                .with_json(&patch_body(json!([{"op": "replace", "path": "title", "value": "t"}]))),
            authed("DELETE", &format!("/Users/{id}"), &token),
        ];
        let mut failed = 0;
        for req in requests {
            let mut r = call(&h, req);
            if r.status != 500 {
                continue;
            }
            failed += 1;
            assert_eq!(r.error_code(), Some("store_failed"), "{method}");
            assert_eq!(r.header("Content-Type"), Some("application/scim+json"));
            let body = r.json().unwrap();
            assert_eq!(body["status"], "500");
            assert!(!body.to_string().contains("db.internal"), "host internals must not reach the client");
            let mut err = r.error.take().unwrap();
            assert!(err.source().is_some());
            let mut store = err.take_store_error().unwrap();
            assert_eq!(store.kind(), StoreErrorKind::Failed);
            let host = store.take_host_error().unwrap();
            assert!(host.downcast_ref::<DatabaseDown>().is_some(), "the host's own error comes back unchanged");
        }
        assert!(failed > 0, "no request reached {method}");
    }
}

#[test]
fn a_failed_write_changes_nothing() {
    let (h, token) = faulty();
    let id = create(&h, &token, "a@x.com")["id"].as_str().unwrap().to_owned();
    *h.directory().fail.lock().unwrap() = Some("update_user");
    let r = call(
        &h,
        authed("PATCH", &format!("/Users/{id}"), &token)
            .with_json(&patch_body(json!([{"op": "replace", "path": "active", "value": false}]))),
    );
    assert_eq!(r.status, 500);
    *h.directory().fail.lock().unwrap() = None;
    let user = call(&h, authed("GET", &format!("/Users/{id}"), &token)).json().unwrap();
    assert_eq!(user["active"], true);
    assert_eq!(user["meta"]["version"], "W/\"1\"");
}

#[test]
fn users_of_another_workspace_are_refused() {
    let (h, token) = faulty();
    let id = create(&h, &token, "a@x.com")["id"].as_str().unwrap().to_owned();
    h.directory().foreign_users.store(true, Ordering::SeqCst);
    for req in [
        authed("GET", &format!("/Users/{id}"), &token),
        authed("GET", "/Users", &token),
        authed("POST", "/Users", &token).with_json(&json!({"userName": "a@x.com"})),
        authed("DELETE", &format!("/Users/{id}"), &token),
    ] {
        let r = call(&h, req);
        assert_eq!(r.status, 500);
        assert_eq!(r.error_code(), Some("store_contract_violated"));
        assert!(!String::from_utf8_lossy(&r.body).contains("a@x.com"), "nothing of the foreign user leaks");
        // The host learns why from the store error every binding raises; the client does not.
        let kept = r.error.as_ref().and_then(|e| e.store_error()).expect("a store error is kept");
        assert_eq!(kept.kind(), sso_scim_core::StoreErrorKind::ContractViolated);
        assert!(kept.message().contains("another workspace"), "{}", kept.message());
        assert!(!String::from_utf8_lossy(&r.body).contains("another workspace"));
    }
}

#[test]
fn a_sloppy_token_lookup_does_not_authenticate() {
    let (h, token) = faulty();
    h.directory().wrong_token_hash.store(true, Ordering::SeqCst);
    let r = call(&h, authed("GET", "/Users", &token));
    assert_eq!(r.status, 401);
}

#[test]
fn lost_races_are_retried_and_if_match_turns_them_into_412() {
    let (h, token) = faulty();
    let id = create(&h, &token, "a@x.com")["id"].as_str().unwrap().to_owned();
    let disable = || {
        authed("PATCH", &format!("/Users/{id}"), &token)
            .with_json(&patch_body(json!([{"op": "replace", "path": "active", "value": false}])))
    };
    h.directory().lose_races.store(2, Ordering::SeqCst);
    let r = call(&h, disable());
    assert_eq!(r.status, 200, "two lost races are retried");
    assert_eq!(r.json().unwrap()["active"], false);

    h.directory().lose_races.store(1, Ordering::SeqCst);
    let retitle = authed("PATCH", &format!("/Users/{id}"), &token)
        .with_header("If-Match", "W/\"2\"")
        .with_header("Content-Type", "application/json")
        .with_body(patch_body(json!([{"op": "replace", "path": "title", "value": "y"}])).to_string());
    let r = call(&h, retitle);
    assert_eq!(r.status, 412, "with If-Match a lost race is the client's to resolve");
    assert_eq!(r.error_code(), Some("precondition_failed"));

    h.directory().lose_races.store(100, Ordering::SeqCst);
    let r = call(
        &h,
        authed("PATCH", &format!("/Users/{id}"), &token)
            .with_json(&patch_body(json!([{"op": "replace", "path": "title", "value": "x"}]))),
    );
    assert_eq!(r.status, 409);
    assert_eq!(r.error_code(), Some("conflict"));
}

#[test]
fn answers_that_break_the_contract_are_refused_not_served() {
    let (h, token) = faulty();
    let id = create(&h, &token, "a@x.com")["id"].as_str().unwrap().to_owned();
    create(&h, &token, "b@x.com");
    create(&h, &token, "c@x.com");
    let rename = |n: u32| {
        authed("PATCH", &format!("/Users/{id}"), &token).with_json(&json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "title", "value": format!("v{n}")}]
        }))
    };
    for n in 0..4 {
        assert_eq!(call(&h, rename(n)).status, 200);
    }
    // Version 6 written, version 2 answered: versions would go backwards.
    h.directory().stale_versions.store(true, Ordering::SeqCst);
    let r = call(&h, rename(9));
    assert_eq!((r.status, r.error_code()), (500, Some("store_contract_violated")));
    let kept = r.error.as_ref().and_then(|e| e.store_error()).unwrap();
    assert!(kept.message().contains("version 2") && kept.message().contains("version 6"), "{}", kept.message());
    h.directory().stale_versions.store(false, Ordering::SeqCst);
    // The same record listed twice.
    h.directory().repeat_rows.store(true, Ordering::SeqCst);
    let r = call(&h, authed("GET", "/Users", &token));
    assert_eq!((r.status, r.error_code()), (500, Some("store_contract_violated")));
    assert!(r.error.as_ref().and_then(|e| e.store_error()).unwrap().message().contains("twice"));
    h.directory().repeat_rows.store(false, Ordering::SeqCst);
    // More rows than asked for.
    h.directory().ignore_count.store(true, Ordering::SeqCst);
    let r = call(&h, authed("GET", "/Users?count=2", &token));
    assert_eq!((r.status, r.error_code()), (500, Some("store_contract_violated")));
    let kept = r.error.as_ref().and_then(|e| e.store_error()).unwrap();
    assert!(kept.message().contains("3 records for a count of 2"), "{}", kept.message());
}
