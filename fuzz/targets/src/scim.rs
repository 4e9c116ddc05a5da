//! The SCIM targets: the filter parser (`scim_filter`), PATCH on a stored user and group
//! (`scim_patch`) and the whole handler on request sequences (`scim_handler`), each over a fresh
//! `MemoryDirectory` per input so every run starts from the same state.

use std::sync::{Arc, RwLock};

use serde_json::{Map, Value, json};
use sso_scim_core::TokenGrant;
use sso_scim_core::executor::now_or_never;
use sso_scim_core::internal::filter::{FilterLimits, FilterOptions, parse_filter_in, parse_patch_path_in};
use sso_scim_core::internal::schema::{ERROR_URN, GROUP, ResourceType, USER};
use sso_scim_core::query::sql::{Dialect, Layout, filter_to_sql, order_by, store_groups, store_users};
use sso_scim_core::query::{Filter, SortSpec};
use sso_scim_core::scim::{Profile, ScimConfig, ScimHandler, ScimRequest, ScimResponse};
use sso_scim_core::token::{ScimToken, TokenHash};
use sso_scim_core::{
    Directory, GroupPage, GroupRecord, ListQuery, MemoryDirectory, StoreError, UserPage, UserRecord, UserState,
    Workspace,
};
use time::OffsetDateTime;
use time::macros::datetime;

/// The token of the SCIM vectors' workspace (well formed, so it passes the format check).
const TOKEN: &str = "ssoscim_HzUYDR0QaLBZaFKAG7lQA5rf9_Xz3B8ufw10QbooLvkYLHAJQ";
/// A fixed clock: `meta` timestamps, and so whole responses, repeat from run to run.
const NOW: OffsetDateTime = datetime!(2026-03-04 12:00:05 UTC);
const CORE_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE_USER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const CORE_GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// Placeholders an input uses for the ids the store issues at run time (random UUIDs the
/// fuzzer cannot guess): the seeded user, the user who is its manager, and the group.
const PLACEHOLDERS: [&str; 3] = ["${user}", "${manager}", "${group}"];

/// Parse `data` as a filter over Users and over Groups, RFC-strict and lenient. A filter that
/// parses must render to text that parses back to the same AST (the `Display` contract), and
/// evaluating it must not panic. The same text also goes through the PATCH path and `sortBy`
/// parsers.
pub fn scim_filter(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let limits = FilterLimits::default();
    // Rendering quotes lenient bare values, escapes control characters and parenthesises
    // nested groups, so the text can grow past the limits the original met.
    let unbounded = FilterLimits { max_len: usize::MAX, max_depth: usize::MAX };
    let user = sample_user();
    let group = sample_group();
    for rt in [&USER, &GROUP] {
        for lenient in [false, true] {
            let options = FilterOptions { lenient };
            if let Ok(filter) = parse_filter_in(rt, text, limits, options) {
                let rendered = filter.to_string();
                let again = parse_filter_in(rt, &rendered, unbounded, options).unwrap_or_else(|e| {
                    panic!(
                        "the rendering of a parsed filter does not parse: {e}\ninput: {text:?}\nrendered: {rendered:?}"
                    )
                });
                assert_eq!(
                    again, filter,
                    "the rendering parses to another filter\ninput: {text:?}\nrendered: {rendered:?}"
                );
                assert_eq!(again.to_string(), rendered, "rendering is not stable");
                let _ = (filter.index_hint(), filter.value_filter_text(), filter.depth());
                let _ = if std::ptr::eq(rt, &USER) { filter.matches(&user) } else { filter.matches(&group) };
                translate(rt, &filter);
            }
            let _ = parse_patch_path_in(rt, text, limits, options);
        }
        for order in [None, Some("descending")] {
            if let Ok(sort) = SortSpec::parse_in(rt, text, order) {
                for dialect in [Dialect::Sqlite, Dialect::Postgres] {
                    assert!(order_by(&sort, &store_layout(rt, dialect)).is_some(), "store layouts sort by {text:?}");
                }
            }
        }
    }
}

/// The SQL pushdown of a parsed filter: exact over sso-scim's own layouts, each parameter
/// numbered once in order, in both dialects.
fn translate(rt: &'static ResourceType, filter: &Filter) {
    for dialect in [Dialect::Sqlite, Dialect::Postgres] {
        let t = filter_to_sql(filter, &store_layout(rt, dialect), 2);
        assert!(t.exact, "store layouts place every attribute: {filter}");
        let highest = (2..2 + t.params.len()).rev().find(|n| t.sql.contains(&dialect.placeholder(*n)));
        assert_eq!(highest, (!t.params.is_empty()).then(|| 1 + t.params.len()), "{filter}: {}", t.sql);
    }
}

fn store_layout(rt: &'static ResourceType, dialect: Dialect) -> Layout {
    if std::ptr::eq(rt, &USER) { store_users(dialect) } else { store_groups(dialect) }
}

fn sample_user() -> UserRecord {
    let resource = json!({
        "schemas": [CORE_USER, ENTERPRISE_USER],
        "userName": "ada@contoso.com",
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "emails": [{"value": "ada@contoso.com", "type": "work", "primary": true}, {"value": "ada@home.example"}],
        "title": "Countess",
        ENTERPRISE_USER: {"employeeNumber": "1815", "manager": {"value": "m-1"}}
    });
    UserRecord::new("ws", "u-1", "Member", UserState::Active, NOW, object(resource))
}

fn sample_group() -> GroupRecord {
    let resource = json!({"schemas": [CORE_GROUP], "displayName": "Engineers", "members": [{"value": "u-1"}]});
    GroupRecord::new("ws", "g-1", NOW, object(resource))
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => unreachable!("built from an object literal"),
    }
}

/// The store behind the per-thread handlers: a fresh `MemoryDirectory` is swapped in for each
/// input, because building a handler (its discovery documents) costs more than the rest of a
/// typical input together.
#[derive(Default)]
struct Store(RwLock<Arc<MemoryDirectory>>);

impl Store {
    fn current(&self) -> Arc<MemoryDirectory> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn reset(&self, directory: MemoryDirectory) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(directory);
    }
}

/// Each call reaches the directory current when it is made: nothing else is added.
impl Directory for Store {
    fn workspace_for_token(
        &self,
        h: &TokenHash,
    ) -> impl Future<Output = Result<Option<TokenGrant>, StoreError>> + Send {
        let d = self.current();
        async move { d.workspace_for_token(h).await }
    }

    fn get_user(&self, w: &str, id: &str) -> impl Future<Output = Result<Option<UserRecord>, StoreError>> + Send {
        let d = self.current();
        async move { d.get_user(w, id).await }
    }

    fn find_by_user_name(
        &self,
        w: &str,
        key: &str,
    ) -> impl Future<Output = Result<Option<UserRecord>, StoreError>> + Send {
        let d = self.current();
        async move { d.find_by_user_name(w, key).await }
    }

    fn query_users(&self, w: &str, q: &ListQuery) -> impl Future<Output = Result<UserPage, StoreError>> + Send {
        let d = self.current();
        async move { d.query_users(w, q).await }
    }

    fn insert_user(&self, user: &UserRecord) -> impl Future<Output = Result<UserRecord, StoreError>> + Send {
        let d = self.current();
        async move { d.insert_user(user).await }
    }

    fn update_user(
        &self,
        user: &UserRecord,
        expected: u64,
    ) -> impl Future<Output = Result<UserRecord, StoreError>> + Send {
        let d = self.current();
        async move { d.update_user(user, expected).await }
    }

    fn remember_assertion(
        &self,
        w: &str,
        id: &str,
        until: OffsetDateTime,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        let d = self.current();
        async move { d.remember_assertion(w, id, until).await }
    }

    fn get_group(&self, w: &str, id: &str) -> impl Future<Output = Result<Option<GroupRecord>, StoreError>> + Send {
        let d = self.current();
        async move { d.get_group(w, id).await }
    }

    fn find_group_by_display_name(
        &self,
        w: &str,
        key: &str,
    ) -> impl Future<Output = Result<Option<GroupRecord>, StoreError>> + Send {
        let d = self.current();
        async move { d.find_group_by_display_name(w, key).await }
    }

    fn query_groups(&self, w: &str, q: &ListQuery) -> impl Future<Output = Result<GroupPage, StoreError>> + Send {
        let d = self.current();
        async move { d.query_groups(w, q).await }
    }

    fn insert_group(&self, g: &GroupRecord) -> impl Future<Output = Result<GroupRecord, StoreError>> + Send {
        let d = self.current();
        async move { d.insert_group(g).await }
    }

    fn update_group(&self, g: &GroupRecord, v: u64) -> impl Future<Output = Result<GroupRecord, StoreError>> + Send {
        let d = self.current();
        async move { d.update_group(g, v).await }
    }

    fn delete_group(&self, w: &str, id: &str, v: u64) -> impl Future<Output = Result<(), StoreError>> + Send {
        let d = self.current();
        async move { d.delete_group(w, id, v).await }
    }
}

fn handler(profile: Profile) -> ScimHandler<Store> {
    let config = ScimConfig { base_url: "https://example.test/scim/v2".into(), profile, ..ScimConfig::default() };
    ScimHandler::new(Store::default(), config).expect("the settings are valid").with_clock(|| NOW)
}

thread_local! {
    // Per thread, so the replay tests (one thread each) never share a store.
    static HANDLERS: [ScimHandler<Store>; 2] = [handler(Profile::Entra), handler(Profile::Strict)];
}

/// Run `f` on a fresh store holding one workspace, the token, a user with most attributes set,
/// that user's manager, and a group holding both, under each profile in turn.
fn with_scenes(mut f: impl FnMut(&Scene<'_>)) {
    HANDLERS.with(|handlers| {
        for handler in handlers {
            f(&Scene::new(handler));
        }
    });
}

struct Scene<'h> {
    handler: &'h ScimHandler<Store>,
    /// The ids `PLACEHOLDERS` stand for, in the same order.
    ids: [String; 3],
}

impl<'h> Scene<'h> {
    fn new(handler: &'h ScimHandler<Store>) -> Scene<'h> {
        let directory = MemoryDirectory::new();
        directory.add_workspace(Workspace::new("ws", "Acme").with_default_role("Member"));
        let token = ScimToken::parse(TOKEN).expect("the vectors' token is well formed");
        directory.add_token("ws", token.hash());
        handler.directory().reset(directory);
        let mut scene = Scene { handler, ids: Default::default() };
        let manager = scene.create("/Users", json!({"schemas": [CORE_USER], "userName": "charles@contoso.com"}));
        let user = scene.create(
            "/Users",
            json!({
                "schemas": [CORE_USER, ENTERPRISE_USER],
                "userName": "ada@contoso.com",
                "externalId": "ada-1815",
                "name": {"formatted": "Ada Lovelace", "givenName": "Ada", "familyName": "Lovelace"},
                "displayName": "Ada Lovelace",
                "title": "Countess",
                "active": true,
                "emails": [
                    {"value": "ada@contoso.com", "type": "work", "primary": true},
                    {"value": "ada@home.example", "type": "home"}
                ],
                "phoneNumbers": [{"value": "+44 20 7946 0000", "type": "work"}],
                "addresses": [{"type": "work", "streetAddress": "1 St James's Square", "locality": "London", "country": "GB", "primary": true}],
                "roles": [{"value": "analyst"}],
                ENTERPRISE_USER: {"employeeNumber": "1815", "department": "Engines", "manager": {"value": manager}}
            }),
        );
        let group = scene.create(
            "/Groups",
            json!({"schemas": [CORE_GROUP], "displayName": "Engineers", "members": [{"value": user}, {"value": manager}]}),
        );
        scene.ids = [user, manager, group];
        scene
    }

    fn create(&self, path: &str, body: Value) -> String {
        let response = self.call(authorized("POST", path).with_json(&body));
        assert_eq!(response.status, 201, "seeding {path}: {}", String::from_utf8_lossy(&response.body));
        response.json().and_then(|v| v["id"].as_str().map(str::to_owned)).expect("a created resource has an id")
    }

    fn call(&self, request: ScimRequest) -> ScimResponse {
        let response = now_or_never(self.handler.handle(request)).expect("the memory store never makes the core wait");
        check_response(&response);
        response
    }

    /// `text` with every placeholder replaced by its id.
    fn fill(&self, text: &[u8]) -> Vec<u8> {
        let mut out = text.to_vec();
        for (placeholder, id) in PLACEHOLDERS.iter().zip(&self.ids) {
            out = replace(&out, placeholder.as_bytes(), id.as_bytes());
        }
        out
    }

    fn get(&self, path: &str) -> ScimResponse {
        self.call(authorized("GET", path))
    }
}

fn replace(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut rest = haystack;
    while let Some(at) = rest.windows(from.len()).position(|w| w == from) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(to);
        rest = &rest[at + from.len()..];
    }
    out.extend_from_slice(rest);
    out
}

fn authorized(method: &str, path: &str) -> ScimRequest {
    ScimRequest::new(method, path).with_header("Authorization", &format!("Bearer {TOKEN}"))
}

/// What every answer promises, whatever was asked: a status in range, never a 500 from a store
/// that cannot fail, an error value exactly on error statuses, and a body that is a SCIM Error
/// document on errors, JSON on 200/201 and empty on 204/304.
fn check_response(r: &ScimResponse) {
    let body = || String::from_utf8_lossy(&r.body).into_owned();
    assert!((200..600).contains(&r.status), "status {} out of range", r.status);
    assert_ne!(r.status, 500, "internal error over the memory store: {:?} {}", r.error, body());
    assert_eq!(r.error.is_some(), r.status >= 400, "status {} with error {:?}", r.status, r.error);
    match r.status {
        204 | 304 => assert!(r.body.is_empty(), "a {} answer has a body: {}", r.status, body()),
        400.. => {
            let json = r.json().unwrap_or_else(|| panic!("an error answer is not JSON: {}", body()));
            assert!(
                json["schemas"].as_array().is_some_and(|s| s.iter().any(|u| u == ERROR_URN)),
                "an error answer is not a SCIM Error: {json}"
            );
            assert_eq!(json["status"], r.status.to_string(), "the Error status differs from the HTTP status");
            if r.status == 401 {
                assert!(r.header("WWW-Authenticate").is_some(), "a 401 without WWW-Authenticate");
            }
        }
        _ => {
            let json = r.json().unwrap_or_else(|| panic!("a {} answer is not JSON: {}", r.status, body()));
            assert!(json.is_object(), "a {} answer is not a JSON object: {json}", r.status);
        }
    }
}

/// Send `data` as a PATCH body to the seeded user and to the seeded group, under both
/// compatibility profiles. A PATCH that succeeds leaves a resource GET reads back (exactly what
/// the 200 answer showed); one that fails changes nothing.
pub fn scim_patch(data: &[u8]) {
    with_scenes(|scene| {
        let body = scene.fill(data);
        let [user, _, group] = &scene.ids;
        for (path, id, name_key) in
            [(format!("/Users/{user}"), user, "userName"), (format!("/Groups/{group}"), group, "displayName")]
        {
            let before = scene.get(&path);
            assert_eq!(before.status, 200);
            let request =
                authorized("PATCH", &path).with_header("Content-Type", "application/scim+json").with_body(body.clone());
            let patched = scene.call(request);
            let after = scene.get(&path);
            match patched.status {
                200 | 204 => {
                    assert_eq!(after.status, 200, "GET after a successful PATCH answers {}", after.status);
                    let resource = after.json().expect("checked by check_response");
                    assert_eq!(resource["id"], **id, "the PATCH changed the id");
                    assert!(
                        resource[name_key].as_str().is_some_and(|n| !n.trim().is_empty()),
                        "the PATCH left no {name_key}: {resource}"
                    );
                    assert!(resource["schemas"].as_array().is_some_and(|s| !s.is_empty()), "no schemas: {resource}");
                    if patched.status == 200 {
                        assert_eq!(patched.json(), Some(resource), "the PATCH answer differs from the stored resource");
                    }
                }
                _ => assert_eq!(
                    (after.status, after.json()),
                    (before.status, before.json()),
                    "a refused PATCH ({}) changed the resource",
                    patched.status
                ),
            }
        }
    });
}

/// Up to this many requests per input.
const MAX_REQUESTS: usize = 8;
/// Between requests (ASCII record separator) and between a request's fields (unit separator).
const RECORD: u8 = 0x1e;
const FIELD: u8 = 0x1f;

/// A sequence of requests on one store, under both profiles. Each record holds, separated by
/// 0x1F: method, path, query, body, then any headers as `Name: value`. The valid bearer token
/// is sent unless the record names its own `Authorization`; a body without `Content-Type`
/// gets the SCIM one. Afterwards every listed resource must read back individually as listed.
pub fn scim_handler(data: &[u8]) {
    with_scenes(|scene| {
        for record in data.split(|b| *b == RECORD).take(MAX_REQUESTS) {
            scene.call(request(scene, record));
        }
        for (list, item) in [("/Users?count=50", "/Users"), ("/Groups?count=50", "/Groups")] {
            let listed = scene.get(list);
            assert_eq!(listed.status, 200, "listing {list}: {}", String::from_utf8_lossy(&listed.body));
            let page = listed.json().expect("checked by check_response");
            let resources = page["Resources"].as_array().cloned().unwrap_or_default();
            let total = page["totalResults"].as_u64().expect("a list has totalResults");
            assert!(resources.len() as u64 <= total, "more resources than totalResults: {page}");
            for resource in resources {
                let id = resource["id"].as_str().expect("a listed resource has an id").to_owned();
                let single = scene.get(&format!("{item}/{}", percent_encode(&id)));
                assert_eq!(single.status, 200, "{item}/{id} is listed but GET answers {}", single.status);
                assert_eq!(single.json(), Some(resource), "{item}/{id} reads back other than listed");
            }
        }
    });
}

fn request(scene: &Scene<'_>, record: &[u8]) -> ScimRequest {
    let mut fields = record.split(|b| *b == FIELD);
    let mut next = || scene.fill(fields.next().unwrap_or_default());
    let method = String::from_utf8_lossy(&next()).into_owned();
    let path = String::from_utf8_lossy(&next()).into_owned();
    let query = String::from_utf8_lossy(&next()).into_owned();
    let body = next();
    let mut request = ScimRequest::new(&method, &path).with_query(&query).with_body(body);
    for header in fields {
        let header = String::from_utf8_lossy(header);
        let (name, value) = header.split_once(':').unwrap_or((&header, ""));
        request = request.with_header(name.trim(), value.trim());
    }
    if request.header("Authorization").is_none() {
        request = request.with_header("Authorization", &format!("Bearer {TOKEN}"));
    }
    if !request.body.is_empty() && request.header("Content-Type").is_none() {
        request = request.with_header("Content-Type", "application/scim+json");
    }
    request
}

/// Ids are UUIDs today; encoding keeps the check honest for a store that issues others.
fn percent_encode(id: &str) -> String {
    id.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
