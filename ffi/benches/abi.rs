//! What the C ABI adds per SCIM request: the same Entra requests through `ScimHandler` over a
//! Rust store that does no work (the core's own cost, as in the core's `scim` bench) and
//! through `sso_scim_handler_handle` over C-ABI callbacks that do no work either (they write
//! prepared JSON answers), in one process. The difference is the boundary: argument checks,
//! the records and queries rendered to JSON and parsed back, the response copied out.
//!
//! Run: `make bench-c` (or `cargo bench -p sso-scim-ffi --bench abi`). Timings are reported,
//! never asserted.

#[path = "../../core/benches/support/mod.rs"]
mod support;

use std::ffi::{CString, c_char, c_void};
use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use sso_scim::{
    SSO_SCIM_STORE_OK, sso_scim_buffer, sso_scim_buffer_write, sso_scim_handler, sso_scim_handler_free,
    sso_scim_handler_handle, sso_scim_handler_new, sso_scim_header, sso_scim_response, sso_scim_response_free,
    sso_scim_response_status, sso_scim_result, sso_scim_store, sso_scim_store_status,
};
use sso_scim_core::TokenGrant;
use sso_scim_core::executor::now_or_never;
use sso_scim_core::scim::{ScimConfig, ScimHandler, ScimRequest};
use sso_scim_core::token::ScimToken;
use sso_scim_core::{UserRecord, Workspace};
use support::{NullDirectory, entra_user};
use time::OffsetDateTime;

fn prepared_user() -> UserRecord {
    let doc = entra_user(1).as_object().unwrap().clone();
    UserRecord::new("ws", "u1", "Project Manager", sso_scim_core::UserState::Active, OffsetDateTime::UNIX_EPOCH, doc)
}

/// The same answers, prepared as JSON text, for C-ABI callbacks that only copy them out.
struct Answers {
    grant: String,
    user: String,
    page: String,
}

unsafe fn write(out: *mut sso_scim_buffer, text: &str) -> sso_scim_store_status {
    // SAFETY: the buffer of the running callback.
    unsafe { sso_scim_buffer_write(out, text.as_ptr().cast(), text.len()) };
    SSO_SCIM_STORE_OK
}

unsafe fn answers<'a>(ud: *mut c_void) -> &'a Answers {
    // SAFETY: the bench's userdata outlives the handler.
    unsafe { &*(ud as *const Answers) }
}

unsafe extern "C" fn workspace_for_token(ud: *mut c_void, _: *const c_char, out: *mut sso_scim_buffer) -> u32 {
    unsafe { write(out, &answers(ud).grant) }
}
unsafe extern "C" fn get_user(ud: *mut c_void, _: *const c_char, _: *const c_char, out: *mut sso_scim_buffer) -> u32 {
    unsafe { write(out, &answers(ud).user) }
}
unsafe extern "C" fn null(_: *mut c_void, _: *const c_char, _: *const c_char, out: *mut sso_scim_buffer) -> u32 {
    unsafe { write(out, "null") }
}
unsafe extern "C" fn query(ud: *mut c_void, _: *const c_char, _: *const c_char, out: *mut sso_scim_buffer) -> u32 {
    unsafe { write(out, &answers(ud).page) }
}
unsafe extern "C" fn insert(_: *mut c_void, _: *const c_char, out: *mut sso_scim_buffer) -> u32 {
    unsafe { write(out, "null") }
}
unsafe extern "C" fn update(_: *mut c_void, _: *const c_char, _: u64, out: *mut sso_scim_buffer) -> u32 {
    unsafe { write(out, "null") }
}
unsafe extern "C" fn remember(
    _: *mut c_void,
    _: *const c_char,
    _: *const c_char,
    _: *const c_char,
    out: *mut sso_scim_buffer,
) -> u32 {
    unsafe { write(out, "true") }
}

struct Request {
    method: &'static str,
    path: String,
    query: String,
    body: Option<Value>,
}

fn requests() -> Vec<(&'static str, Request)> {
    let patch = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
        {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "new@contoso.com"},
        {"op": "Replace", "value": {"name.givenName": "New", "name.familyName": "Name"}}]});
    vec![
        ("get_by_id", Request { method: "GET", path: "/Users/u1".into(), query: String::new(), body: None }),
        (
            "filter_userName",
            Request {
                method: "GET",
                path: "/Users".into(),
                query: "filter=userName%20eq%20%22user1%40contoso.com%22".into(),
                body: None,
            },
        ),
        (
            "patch_entra_replace",
            Request { method: "PATCH", path: "/Users/u1".into(), query: String::new(), body: Some(patch) },
        ),
        (
            "post_create",
            Request { method: "POST", path: "/Users".into(), query: String::new(), body: Some(entra_user(1)) },
        ),
    ]
}

fn abi(c: &mut Criterion) {
    let token = ScimToken::generate();
    let auth = format!("Bearer {}", token.as_str());
    let grant = TokenGrant { workspace: Workspace::new("ws", "Contoso"), token_hash: token.hash() };
    let user = prepared_user();

    let core =
        ScimHandler::new(NullDirectory { grant: grant.clone(), user: user.clone() }, ScimConfig::default()).unwrap();

    let answers = Box::new(Answers {
        grant: serde_json::to_string(&grant).unwrap(),
        user: serde_json::to_string(&user).unwrap(),
        page: json!({"total_results": 1, "users": [user]}).to_string(),
    });
    // SAFETY: a zeroed vtable is all NULL callbacks; the required ones are set below.
    let mut vtable: sso_scim_store = unsafe { std::mem::zeroed() };
    vtable.userdata = &*answers as *const Answers as *mut c_void;
    vtable.workspace_for_token = Some(workspace_for_token);
    vtable.get_user = Some(get_user);
    vtable.find_by_user_name = Some(null);
    vtable.query_users = Some(query);
    vtable.insert_user = Some(insert);
    vtable.update_user = Some(update);
    vtable.remember_assertion = Some(remember);
    let mut handler: *mut sso_scim_handler = std::ptr::null_mut();
    // SAFETY: a valid vtable and out-param.
    let r = unsafe { sso_scim_handler_new(&vtable, std::ptr::null(), &mut handler, std::ptr::null_mut()) };
    assert_eq!(r, sso_scim_result::Ok);

    let auth_c = CString::new(auth.clone()).unwrap();
    let names = [c"Authorization", c"Content-Type"];
    let headers = [
        sso_scim_header { name: names[0].as_ptr(), value: auth_c.as_ptr() },
        sso_scim_header { name: names[1].as_ptr(), value: c"application/scim+json".as_ptr() },
    ];

    for (name, req) in requests() {
        let mut g = c.benchmark_group(name);
        g.sample_size(60);
        let body = req.body.as_ref().map(Value::to_string).unwrap_or_default();
        g.bench_function(BenchmarkId::new("core", "null store"), |b| {
            b.iter(|| {
                let mut r =
                    ScimRequest::new(req.method, &req.path).with_query(&req.query).with_header("Authorization", &auth);
                if req.body.is_some() {
                    r = r.with_header("Content-Type", "application/scim+json").with_body(body.clone());
                }
                black_box(now_or_never(core.handle(r)).unwrap().status)
            })
        });
        let (method, path, query) = (
            CString::new(req.method).unwrap(),
            CString::new(req.path.as_str()).unwrap(),
            CString::new(req.query.as_str()).unwrap(),
        );
        let count = if req.body.is_some() { 2 } else { 1 };
        g.bench_function(BenchmarkId::new("c_abi", "null callbacks"), |b| {
            b.iter(|| {
                let mut resp: *mut sso_scim_response = std::ptr::null_mut();
                // SAFETY: live handler, valid C strings, headers and body for the call.
                unsafe {
                    let r = sso_scim_handler_handle(
                        handler,
                        method.as_ptr(),
                        path.as_ptr(),
                        query.as_ptr(),
                        headers.as_ptr(),
                        count,
                        body.as_ptr(),
                        body.len(),
                        &mut resp,
                        std::ptr::null_mut(),
                    );
                    assert_eq!(r, sso_scim_result::Ok);
                    let status = sso_scim_response_status(resp);
                    sso_scim_response_free(resp);
                    black_box(status)
                }
            })
        });
        g.finish();
    }
    // SAFETY: not used after this.
    unsafe { sso_scim_handler_free(handler) };
    drop(answers);
}

criterion_group!(benches, abi);
criterion_main!(benches);
