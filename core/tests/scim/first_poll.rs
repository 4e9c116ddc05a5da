//! With a synchronous store, every core future completes on its first poll: C and sync
//! Python drive the core with `now_or_never` and no runtime at all.

use crate::common::*;
use serde_json::json;
use sso_scim_core::executor::now_or_never;
use sso_scim_core::{Directory, ListQuery};
use time::OffsetDateTime;

#[test]
fn every_endpoint_and_method_completes_on_the_first_poll() {
    let (dir, token) = memory();
    let h = handler(dir);
    let id = create(&h, &token, "a@x.com")["id"].as_str().unwrap().to_owned();
    let user = format!("/Users/{id}");
    let requests = vec![
        authed("GET", "/Users", &token),
        authed("GET", "/Users", &token).with_query("filter=userName%20eq%20%22a%40x.com%22&sortBy=userName"),
        authed("GET", "/Users", &token).with_query("filter=bad%20filter"),
        authed("POST", "/Users", &token).with_json(&json!({"userName": "b@x.com"})),
        authed("POST", "/Users", &token).with_json(&json!({"userName": "A@x.com"})),
        authed("POST", "/Users/.search", &token).with_json(&json!({"filter": "title pr"})),
        authed("POST", "/.search", &token).with_json(&json!({"count": 1})),
        authed("GET", &user, &token),
        authed("GET", &user, &token).with_header("If-None-Match", "W/\"1\""),
        authed("PUT", &user, &token).with_json(&json!({"userName": "a@x.com", "title": "t"})),
        authed("PATCH", &user, &token)
            .with_json(&patch_body(json!([{"op": "replace", "path": "active", "value": false}]))),
        authed("PATCH", &user, &token).with_header("If-Match", "W/\"99\"").with_json(&patch_body(json!([]))),
        authed("DELETE", &user, &token),
        authed("DELETE", &user, &token),
        authed("POST", "/Users", &token).with_json(&json!({"userName": "a@x.com"})),
        authed("GET", "/Groups", &token),
        authed("PUT", "/Users", &token),
        authed("GET", "/Nope", &token),
        sso_scim_core::scim::ScimRequest::new("GET", "/Users"),
        sso_scim_core::scim::ScimRequest::new("GET", "/ServiceProviderConfig"),
        sso_scim_core::scim::ScimRequest::new("GET", "/ResourceTypes/User"),
        sso_scim_core::scim::ScimRequest::new("GET", "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User"),
    ];
    let count = requests.len();
    for (i, req) in requests.into_iter().enumerate() {
        let described = format!("{} {}", req.method, req.path);
        assert!(now_or_never(h.handle(req)).is_some(), "request {i} of {count} ({described}) waited");
    }
    let dir = h.directory();
    assert!(
        now_or_never(dir.query_users("ws", &ListQuery { filter: None, sort: None, start_index: 1, count: 5 }))
            .is_some()
    );
    let later = OffsetDateTime::now_utc() + time::Duration::minutes(5);
    assert!(now_or_never(dir.remember_assertion("ws", "_a1", later)).unwrap().unwrap());
    assert!(!now_or_never(dir.remember_assertion("ws", "_a1", later)).unwrap().unwrap(), "replay");
}

#[test]
fn handler_futures_are_send_and_static_over_an_arc() {
    fn assert_send<F: std::future::Future + Send + 'static>(_: F) {}
    let (dir, token) = memory();
    let h = std::sync::Arc::new(handler(dir));
    let req = authed("GET", "/Users", &token);
    assert_send(async move { h.handle(req).await });
}
