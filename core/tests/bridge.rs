//! The JSON wire protocol of `bridge`: every SCIM vector through a host that sees only JSON
//! (both key cases), and the contract checks on what a host answers.

mod bridge_host;
mod vector_runner;

use std::sync::Mutex;

use serde_json::{Value, json};
use sso_scim_core::bridge::{
    Driven, ForeignDirectory, HostStore, KeyCase, PendingCall, Performed, Progress, Relay, Step, StoreMethod,
};
use sso_scim_core::executor::now_or_never;
use sso_scim_core::scim::{ScimConfig, ScimHandler, ScimRequest};
use sso_scim_core::token::{ScimToken, TokenHash};
use sso_scim_core::{Directory, StoreError, StoreErrorKind, UserRecord, UserState, Workspace};
use time::OffsetDateTime;
use vector_runner::VectorStore;

impl<const CAMEL: bool> VectorStore for ForeignDirectory<bridge_host::JsonHost<CAMEL>> {
    fn with_workspaces(workspaces: &[(Workspace, Vec<TokenHash>)]) -> Self {
        bridge_host::directory::<CAMEL>(workspaces)
    }
}

#[test]
fn every_scim_vector_passes_through_a_snake_case_json_host() {
    vector_runner::assert_all::<ForeignDirectory<bridge_host::JsonHost<false>>>();
}

#[test]
fn every_scim_vector_passes_through_a_camel_case_json_host() {
    vector_runner::assert_all::<ForeignDirectory<bridge_host::JsonHost<true>>>();
}

/// The JSON host behind a [`Relay`]: requests are [`Driven`] step by step, each store call
/// handed out and answered by the host, as an event-loop binding does.
struct Relayed(bridge_host::JsonHost<true>);

impl HostStore for Relayed {
    fn call(&self, method: StoreMethod, args: Vec<Value>) -> impl Future<Output = Result<Value, StoreError>> + Send {
        Relay.call(method, args)
    }
}

impl bridge_host::JsonHost<true> {
    /// A driven request's call, answered at once.
    fn perform(&self, call: PendingCall) -> Performed {
        Performed::Answered(self.answer(call.method, call.args))
    }
}

impl VectorStore for ForeignDirectory<Relayed> {
    fn with_workspaces(workspaces: &[(Workspace, Vec<TokenHash>)]) -> Self {
        ForeignDirectory::new(Relayed(bridge_host::JsonHost::new(workspaces)), KeyCase::Camel)
    }

    fn complete<F: Future + Send>(&self, request: F) -> Option<F::Output> {
        match Driven::new(request).drive(&mut |call: PendingCall| self.host().0.perform(call)) {
            Progress::Done(out) => Some(out),
            Progress::Pending | Progress::Stalled(_) => None,
        }
    }
}

#[test]
fn every_scim_vector_passes_driven_step_by_step() {
    vector_runner::assert_all::<ForeignDirectory<Relayed>>();
}

#[test]
fn driven_requests_interleave_on_one_handler_without_seeing_each_others_calls() {
    let token = ScimToken::generate();
    let ws = Workspace::new("ws", "A");
    let dir = <ForeignDirectory<Relayed> as VectorStore>::with_workspaces(&[(ws, vec![token.hash()])]);
    let handler = ScimHandler::new(dir, ScimConfig::default()).unwrap();
    let auth = format!("Bearer {}", token.as_str());
    let post = |name: &str| {
        ScimRequest::new("POST", "/Users")
            .with_header("Authorization", &auth)
            .with_json(&json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name}))
    };
    let a = Driven::new(handler.handle(post("a@x.com")));
    let b = Driven::new(handler.handle(post("b@x.com")));
    // Each request hands out its token lookup; b's is answered first, then a's.
    let (Step::Call(ca), Step::Call(cb)) = (a.resume(), b.resume()) else { panic!("both start with a call") };
    assert_eq!((ca.method, cb.method), (StoreMethod::WorkspaceForToken, StoreMethod::WorkspaceForToken));
    assert!(matches!(a.resume(), Step::Waiting), "a waits for its own answer");
    let host = &handler.directory().host().0;
    b.answer(cb.id, host.answer(cb.method, cb.args.clone()));
    a.answer(ca.id, host.answer(ca.method, ca.args));
    a.answer(ca.id, Ok(Value::Null)); // a second answer to one call is ignored
    a.answer(ca.id + 100, Ok(Value::Null)); // as is one for a call never handed out
    let finish = |d: &Driven<'_, sso_scim_core::scim::ScimResponse>| match d.drive(&mut |c| host.perform(c)) {
        Progress::Done(resp) => resp,
        other => panic!("every call is answered at once: {other:?}"),
    };
    // Once a's lookup was consumed, answering it again must not be taken for a's next call.
    let Step::Call(next) = a.resume() else { panic!("a goes on to its userName lookup") };
    a.answer(ca.id, Ok(json!({"id": "stale"})));
    assert!(format!("{a:?}").contains("answered: 0"), "a stale answer is not kept: {a:?}");
    a.answer(next.id, host.answer(next.method, next.args));
    let (rb, ra) = (finish(&b), finish(&a));
    assert_eq!((ra.status, rb.status), (201, 201));
    assert_eq!(ra.json().unwrap()["userName"], "a@x.com");
    assert_eq!(rb.json().unwrap()["userName"], "b@x.com");
    assert!(matches!(a.resume(), Step::Waiting) && a.is_done(), "a finished request stays done");
}

#[test]
fn a_relay_outside_a_driven_request_fails_instead_of_hanging() {
    let dir = ForeignDirectory::new(Relay, KeyCase::Snake);
    let e = run(dir.get_user("ws", "u1")).unwrap_err();
    assert_eq!(e.kind(), StoreErrorKind::Failed);
    assert!(e.message().contains("outside Driven::resume"), "{}", e.message());
}

/// A host that answers every call with one scripted value (or failure) and records the
/// arguments it was given.
type Script = Box<dyn FnMut(StoreMethod, &[Value]) -> Result<Value, StoreError> + Send>;

struct Scripted {
    answer: Mutex<Script>,
    seen: Mutex<Vec<(StoreMethod, Vec<Value>)>>,
}

impl Scripted {
    fn new(
        case: KeyCase,
        answer: impl FnMut(StoreMethod, &[Value]) -> Result<Value, StoreError> + Send + 'static,
    ) -> ForeignDirectory<Scripted> {
        ForeignDirectory::new(Scripted { answer: Mutex::new(Box::new(answer)), seen: Mutex::default() }, case)
    }
}

impl HostStore for Scripted {
    async fn call(&self, method: StoreMethod, args: Vec<Value>) -> Result<Value, StoreError> {
        let out = (self.answer.lock().unwrap())(method, &args);
        self.seen.lock().unwrap().push((method, args));
        out
    }
}

fn run<T>(f: impl Future<Output = T>) -> T {
    now_or_never(f).expect("scripted hosts answer at once")
}

fn user() -> UserRecord {
    let doc = json!({"userName": "JDoe@Contoso.com", "name": {"givenName": "J"}}).as_object().unwrap().clone();
    UserRecord::new("ws", "u1", "Project Manager", UserState::Active, OffsetDateTime::UNIX_EPOCH, doc)
}

#[test]
fn arguments_are_the_serde_form_in_the_hosts_key_case() {
    let dir = Scripted::new(KeyCase::Camel, |_, _| Ok(Value::Null));
    let stored = run(dir.insert_user(&user())).unwrap();
    assert_eq!(stored, user(), "null means stored as given");
    run(dir.update_user(&user(), 7)).unwrap();
    run(dir.remember_assertion("ws", "issuer id", OffsetDateTime::UNIX_EPOCH)).unwrap_err();
    let seen = dir.host().seen.lock().unwrap();
    let (method, args) = &seen[0];
    assert_eq!(*method, StoreMethod::InsertUser);
    assert_eq!(args[0]["userName"], "JDoe@Contoso.com");
    assert_eq!(args[0]["workspaceId"], "ws");
    assert_eq!(args[0]["lastModified"], "1970-01-01T00:00:00Z");
    assert_eq!(args[0]["resource"]["name"]["givenName"], "J", "SCIM documents are not recased");
    assert_eq!(seen[1].1[1], json!(7));
    assert_eq!(seen[2].1, vec![json!("ws"), json!("issuer id"), json!("1970-01-01T00:00:00Z")]);
}

#[test]
fn a_malformed_answer_is_a_contract_violation_quoting_it() {
    let dir = Scripted::new(KeyCase::Snake, |m, _| {
        Ok(match m {
            StoreMethod::GetUser => json!({"id": "u1", "user_name": "x"}),
            StoreMethod::RememberAssertion => json!("yes"),
            _ => json!({"total_results": "many", "users": []}),
        })
    });
    let e = run(dir.get_user("ws", "u1")).unwrap_err();
    assert_eq!(e.kind(), StoreErrorKind::ContractViolated);
    assert!(e.message().contains("get_user answered {\"id\":\"u1\""), "{}", e.message());
    assert!(e.message().contains("missing field"), "{}", e.message());
    let e = run(dir.remember_assertion("ws", "a", OffsetDateTime::UNIX_EPOCH)).unwrap_err();
    assert_eq!(e.kind(), StoreErrorKind::ContractViolated);
    let query = sso_scim_core::ListQuery { filter: None, sort: None, start_index: 1, count: 10 };
    let e = run(dir.query_users("ws", &query)).unwrap_err();
    assert!(e.message().contains("query_users"), "{}", e.message());
}

#[test]
fn a_long_malformed_answer_is_quoted_in_part() {
    let dir = Scripted::new(KeyCase::Camel, |_, _| Ok(json!({"id": "é".repeat(5000)})));
    let e = run(dir.get_user("ws", "u1")).unwrap_err();
    assert!(e.message().len() < 600, "{}", e.message().len());
    assert!(e.message().contains("getUser answered"), "{}", e.message());
}

#[test]
fn host_failures_keep_their_kind_and_source_and_reach_scim_as_codes() {
    #[derive(Debug)]
    struct DbDown;
    impl std::fmt::Display for DbDown {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("db down")
        }
    }
    impl std::error::Error for DbDown {}

    let token = ScimToken::generate();
    let hash = token.hash().to_hex();
    let handler = |answer: fn(&str, StoreMethod) -> Result<Value, StoreError>| {
        let hash = hash.clone();
        let dir = Scripted::new(KeyCase::Snake, move |m, _| answer(&hash, m));
        ScimHandler::new(dir, ScimConfig::default()).unwrap()
    };
    let get = ScimRequest::new("GET", "/Users/u1").with_header("Authorization", &format!("Bearer {}", token.as_str()));

    let h = handler(|hash, m| match m {
        StoreMethod::WorkspaceForToken => Ok(json!({"workspace": {"id": "ws", "name": "A"}, "token_hash": hash})),
        _ => Err(StoreError::failed(DbDown)),
    });
    let mut resp = run(h.handle(get.clone()));
    assert_eq!((resp.status, resp.error_code()), (500, Some("store_failed")));
    let source = resp.take_raised_store_error().expect("a host failure is raised");
    assert!(source.host_error().unwrap().downcast_ref::<DbDown>().is_some(), "the host's own error travels");

    let h = handler(|hash, m| match m {
        StoreMethod::WorkspaceForToken => Ok(json!({"workspace": {"id": "ws", "name": "A"}, "token_hash": hash})),
        _ => Ok(json!(42)),
    });
    let mut resp = run(h.handle(get.clone()));
    assert_eq!((resp.status, resp.error_code()), (500, Some("store_contract_violated")));
    assert!(resp.take_raised_store_error().is_some(), "a broken contract is raised");

    // What the core answers itself is not raised: a host without groups gets 501.
    let h = handler(|hash, m| match m {
        StoreMethod::WorkspaceForToken => Ok(json!({"workspace": {"id": "ws", "name": "A"}, "token_hash": hash})),
        _ => Err(StoreError::unsupported("groups")),
    });
    let groups = ScimRequest::new("GET", "/Groups").with_header("Authorization", &format!("Bearer {}", token.as_str()));
    let mut resp = run(h.handle(groups));
    assert_eq!((resp.status, resp.error_code()), (501, Some("not_implemented")));
    assert!(resp.take_raised_store_error().is_none());
    assert!(resp.error.as_ref().unwrap().store_error().is_some(), "the store error stays with the answer");

    // A host that answers a grant for a hash other than the one asked for is not trusted.
    let h = handler(|_, m| match m {
        StoreMethod::WorkspaceForToken => {
            Ok(json!({"workspace": {"id": "ws", "name": "A"}, "token_hash": "00".repeat(32)}))
        }
        _ => Ok(Value::Null),
    });
    assert_eq!(run(h.handle(get)).status, 401);
}

#[test]
fn only_host_failures_and_broken_contracts_are_raised() {
    let raised: Vec<_> = StoreErrorKind::ALL.iter().filter(|k| k.is_raised()).collect();
    assert_eq!(raised, [&StoreErrorKind::Failed, &StoreErrorKind::ContractViolated]);
}

#[test]
fn signalled_kinds_are_the_documented_names_only() {
    for kind in StoreErrorKind::ALL {
        let back = StoreErrorKind::from_host_code(kind.as_str());
        let meaningful = matches!(
            kind,
            StoreErrorKind::Conflict
                | StoreErrorKind::VersionMismatch
                | StoreErrorKind::NotFound
                | StoreErrorKind::Unsupported
        );
        assert_eq!(back == *kind, meaningful || *kind == StoreErrorKind::Failed, "{kind:?}");
    }
    assert_eq!(StoreErrorKind::from_host_code("Conflict"), StoreErrorKind::Failed, "names are exact");
    assert_eq!(StoreErrorKind::from_host_code("contract_violated"), StoreErrorKind::Failed);
}

#[test]
fn method_names_cover_every_method_once() {
    let mut snake = std::collections::HashSet::new();
    for m in StoreMethod::ALL {
        assert!(snake.insert(m.snake_name()));
        assert_eq!(KeyCase::Camel.key(m.snake_name()), m.camel_name());
        assert_eq!(m.name(KeyCase::Snake), m.snake_name());
    }
    assert_eq!(snake.len(), 13);
    assert_eq!(StoreMethod::ALL.iter().filter(|m| !m.is_optional()).count(), 7);
}

/// Every case of `tests/vectors/sql/`: the host-schema translation answers exactly as pinned,
/// or refuses with the pinned code.
#[test]
fn every_sql_vector_passes() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/sql");
    let mut cases = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let file: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for case in file["cases"].as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            let got = sso_scim_core::bridge::filter_to_sql(case["query"].clone(), case["options"].clone());
            match (&case["expect"], case["error"].as_str()) {
                (Value::Null, Some(code)) => assert_eq!(got.unwrap_err().code().as_str(), code, "{name}"),
                (expect, None) => assert_eq!(&got.unwrap_or_else(|e| panic!("{name}: {e}")), expect, "{name}"),
                _ => panic!("{name}: a case expects an answer or an error"),
            }
            cases += 1;
        }
    }
    assert!(cases >= 18, "only {cases} SQL cases ran");
}
