//! Helpers shared by the SCIM tests: a handler over a memory store with one workspace and its
//! token, and one-call request helpers.
#![allow(dead_code)]

use serde_json::{Value, json};
use sso_scim_core::executor::now_or_never;
use sso_scim_core::scim::{ScimConfig, ScimHandler, ScimRequest, ScimResponse};
use sso_scim_core::token::ScimToken;
use sso_scim_core::{Directory, MemoryDirectory, Workspace};

pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

/// A memory directory with workspace `ws` and a token for it.
pub fn memory() -> (MemoryDirectory, ScimToken) {
    let dir = MemoryDirectory::new();
    dir.add_workspace(Workspace::new("ws", "Acme"));
    let token = ScimToken::generate();
    assert!(dir.add_token("ws", token.hash()));
    (dir, token)
}

pub fn handler<D: Directory>(dir: D) -> ScimHandler<D> {
    ScimHandler::new(dir, ScimConfig { base_url: "https://example.test/scim/v2".into(), ..Default::default() }).unwrap()
}

pub fn authed(method: &str, path: &str, token: &ScimToken) -> ScimRequest {
    ScimRequest::new(method, path).with_header("Authorization", &format!("Bearer {}", token.as_str()))
}

/// Run one request to completion, insisting that it completes on the first poll.
pub fn call<D: Directory>(h: &ScimHandler<D>, req: ScimRequest) -> ScimResponse {
    now_or_never(h.handle(req)).expect("a synchronous store never makes the core wait")
}

pub fn create<D: Directory>(h: &ScimHandler<D>, token: &ScimToken, user_name: &str) -> Value {
    let r = call(h, authed("POST", "/Users", token).with_json(&json!({"schemas": [USER], "userName": user_name})));
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    r.json().unwrap()
}

pub fn patch_body(ops: Value) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": ops})
}
