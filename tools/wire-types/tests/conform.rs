//! What the core really sends and answers has the declared shape, in both key cases: records,
//! settings, identities and decisions as serde and the bridge write them, and every argument
//! the bridge hands a host store while the SCIM handler runs requests over it.

use std::sync::Mutex;

use serde_json::{Value, json};
use sso_scim_core::bridge::{ForeignDirectory, HostStore, KeyCase, StoreMethod, json as wire};
use sso_scim_core::executor::now_or_never;
use sso_scim_core::login::{LoginDecision, Refusal};
use sso_scim_core::saml::{Identity, SamlSettings, ServiceProvider};
use sso_scim_core::scim::{ScimConfig, ScimHandler, ScimRequest};
use sso_scim_core::token::ScimToken;
use sso_scim_core::{ErrorCode, StoreError, UserRecord, UserState};
use sso_scim_wire_types::conform::{check, check_ty};
use sso_scim_wire_types::model::Ty;
use sso_scim_wire_types::{Binding, Model, repository_root};
use time::OffsetDateTime;

fn model() -> Model {
    Model::read(&repository_root())
}

/// `value` (snake_case, the core's form) conforms to `rust` in both bindings.
fn conforms(model: &Model, ty: &Ty, value: &Value, what: &str) {
    for binding in [Binding::Python, Binding::Node] {
        let host = binding.case().to_host(value.clone());
        if let Err(e) = check_ty(model, ty, &host, binding, what) {
            panic!("{binding:?}: {e}");
        }
    }
}

fn named(rust: &str) -> Ty {
    Ty::Named(rust.to_owned())
}

fn data(name: &str) -> String {
    let path = repository_root().join("core/tests/data").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn settings() -> SamlSettings {
    let mut s = SamlSettings::new(
        "https://sp.example/",
        "https://sp.example/acs",
        "https://idp.example/",
        vec![data("saml/idp-cert.pem")],
    );
    s.idp_sso_url = Some("https://idp.example/sso".into());
    s
}

fn user() -> UserRecord {
    let doc = json!({"userName": "bjensen", "name": {"familyName": "Jensen", "given_name": "kept"}});
    let now = OffsetDateTime::UNIX_EPOCH;
    UserRecord::new("ws", "u1", "Member", UserState::Archived, now, doc.as_object().unwrap().clone())
}

#[test]
fn records_settings_and_saml_answers_have_the_declared_shape() {
    let model = model();
    conforms(&model, &named("UserRecord"), &serde_json::to_value(user()).unwrap(), "UserRecord");
    let filled = |rust: &str| Ty::Filled(Box::new(named(rust)));
    conforms(&model, &filled("SamlSettings"), &serde_json::to_value(settings()).unwrap(), "SamlSettings");
    conforms(&model, &filled("ScimConfig"), &serde_json::to_value(ScimConfig::default()).unwrap(), "ScimConfig");

    let sp = ServiceProvider::new(settings()).unwrap();
    let request = sp.authn_request(OffsetDateTime::UNIX_EPOCH, Some("state")).unwrap();
    conforms(&model, &named("AuthnRequest"), &wire::authn_request(&request), "AuthnRequest");
    let request = sp.authn_request(OffsetDateTime::UNIX_EPOCH, None).unwrap();
    conforms(&model, &named("AuthnRequest"), &wire::authn_request(&request), "AuthnRequest");

    for file in ["entra_tenant.xml", "okta.xml"] {
        let xml = data(&format!("metadata/{file}"));
        let imported = wire::import_metadata(&xml, "https://sp.example/", "https://sp.example/acs", None).unwrap();
        conforms(&model, &named("ImportedMetadata"), &imported, file);
    }
}

#[test]
fn identities_and_login_decisions_have_the_declared_shape() {
    let model = model();
    let some = |s: &str| Some(s.to_owned());
    let full = Identity {
        name_id: "b@example.com".into(),
        name_id_format: some("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"),
        session_index: some("_s"),
        email: some("b@example.com"),
        given_name: some("Barbara"),
        family_name: some("Jensen"),
        display_name: some("Babs"),
        object_id: some("o"),
        tenant_id: some("t"),
        issuer: "https://idp.example/".into(),
        assertion_id: "_a".into(),
        in_response_to: some("_r"),
        not_on_or_after: OffsetDateTime::UNIX_EPOCH,
        attributes: [("http://schemas/claims/given_name".to_owned(), vec!["Barbara".to_owned()])].into(),
    };
    let bare = Identity {
        name_id_format: None,
        session_index: None,
        email: None,
        given_name: None,
        family_name: None,
        display_name: None,
        object_id: None,
        tenant_id: None,
        in_response_to: None,
        ..full.clone()
    };
    for identity in [&full, &bare] {
        conforms(&model, &named("Identity"), &wire::identity(identity), "Identity");
    }

    conforms(&model, &named("LoginDecision"), &wire::decision(&LoginDecision::Allowed(Box::new(user()))), "allowed");
    for code in [ErrorCode::Replayed, ErrorCode::UnknownUser, ErrorCode::UserArchived, ErrorCode::WrongWorkspace] {
        let refused = LoginDecision::Refused(Refusal { code, message: "no".into() });
        conforms(&model, &named("LoginDecision"), &wire::decision(&refused), code.as_str());
    }
}

/// A host store that records every call and answers "nothing here" (with a workspace for
/// any token).
struct Recorder {
    case: KeyCase,
    calls: Mutex<Vec<(StoreMethod, Vec<Value>)>>,
}

impl HostStore for Recorder {
    fn call(&self, method: StoreMethod, args: Vec<Value>) -> impl Future<Output = Result<Value, StoreError>> + Send {
        let answer = match method {
            StoreMethod::WorkspaceForToken => json!({"workspace": {"id": "ws", "name": "W"}, "token_hash": args[0]}),
            StoreMethod::QueryUsers => json!({"total_results": 0, "users": []}),
            StoreMethod::QueryGroups => json!({"total_results": 0, "groups": []}),
            StoreMethod::RememberAssertion => json!(true),
            _ => Value::Null,
        };
        self.calls.lock().unwrap().push((method, args));
        std::future::ready(Ok(self.case.to_host(answer)))
    }
}

#[test]
fn every_argument_the_bridge_hands_a_store_has_the_declared_shape() {
    let model = model();
    for binding in [Binding::Python, Binding::Node] {
        let case = binding.case();
        let recorder = Recorder { case, calls: Mutex::new(Vec::new()) };
        let handler = ScimHandler::new(ForeignDirectory::new(recorder, case), ScimConfig::default()).unwrap();
        let token = ScimToken::generate();
        let bearer = format!("Bearer {}", token.as_str());
        let requests = [
            ScimRequest::new("GET", "/Users")
                .with_query("filter=userName%20eq%20%22a%22%20and%20name.familyName%20pr&sortBy=name.familyName"),
            ScimRequest::new("GET", "/Users").with_query(
                "filter=emails%5Btype%20eq%20%22work%22%5D%20or%20not%20(active%20eq%20true)&startIndex=2&count=5",
            ),
            ScimRequest::new("GET", "/Users/u1"),
            ScimRequest::new("POST", "/Users").with_json(&json!({"userName": "bob", "name": {"givenName": "Bob"}})),
            ScimRequest::new("POST", "/Groups").with_json(&json!({"displayName": "Admins"})),
            ScimRequest::new("GET", "/Groups").with_query("filter=displayName%20eq%20%22Admins%22"),
            ScimRequest::new("GET", "/Groups/g1"),
        ];
        for request in requests {
            let response = now_or_never(handler.handle(request.with_header("Authorization", &bearer)))
                .expect("the recorder answers at once");
            assert!(response.status < 500, "{}", String::from_utf8_lossy(&response.body));
        }
        let calls = handler.directory().host().calls.lock().unwrap().clone();
        let seen: Vec<StoreMethod> = calls.iter().map(|(m, _)| *m).collect();
        for method in
            [StoreMethod::QueryUsers, StoreMethod::InsertUser, StoreMethod::QueryGroups, StoreMethod::InsertGroup]
        {
            assert!(seen.contains(&method), "{method:?} was never called: {seen:?}");
        }
        for (method, args) in calls {
            let declared = model.store_methods().find(|m| m.name == method.snake_name()).unwrap();
            assert_eq!(args.len(), declared.args.len(), "{method:?}");
            for ((name, ty), arg) in declared.args.iter().zip(&args) {
                if let Err(e) = check_ty(&model, ty, arg, binding, &format!("{method:?}({name})")) {
                    panic!("{binding:?}: {e}");
                }
            }
        }
    }
}

#[test]
fn a_value_off_the_declared_shape_is_refused() {
    let model = model();
    let mut record = serde_json::to_value(user()).unwrap();
    record["nickname"] = json!("x");
    let e = check(&model, "UserRecord", &record, Binding::Python).unwrap_err();
    assert!(e.contains("`nickname` is not declared"), "{e}");
    let mut record = serde_json::to_value(user()).unwrap();
    record.as_object_mut().unwrap().remove("version");
    assert!(check(&model, "UserRecord", &record, Binding::Python).unwrap_err().contains("`version` is missing"));
    let snake = serde_json::to_value(user()).unwrap();
    assert!(check(&model, "UserRecord", &snake, Binding::Node).is_err(), "Node hosts see camelCase keys");
    let refused = json!({"decision": "refused", "code": "expired", "message": "no"});
    assert!(check(&model, "LoginDecision", &refused, Binding::Python).is_err(), "not a refusal code");
}
