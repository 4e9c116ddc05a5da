//! The login decision beyond the vectors: store failures keep the host's error, an SP-initiated
//! round trip uses the AuthnRequest ID, and password sign-in is never allowed.

use std::fmt;

use crate::saml_support::*;
use sso_scim_core::TokenGrant;
use sso_scim_core::executor::now_or_never;
use sso_scim_core::login::{LoginDecision, LoginError, decide, password_login_allowed, sign_in};
use sso_scim_core::saml::ServiceProvider;
use sso_scim_core::token::TokenHash;
use sso_scim_core::{
    Directory, ErrorCode, ListQuery, MemoryDirectory, StoreError, UserPage, UserRecord, UserState, Workspace,
};
use time::OffsetDateTime;

#[derive(Debug)]
struct Down;

impl fmt::Display for Down {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("replay table unavailable")
    }
}

impl std::error::Error for Down {}

type Remember = Box<dyn Fn(&str, OffsetDateTime) -> Option<Result<bool, StoreError>> + Send + Sync>;

/// A MemoryDirectory whose `remember_assertion` goes through a hook first (which may answer).
struct Hooked(MemoryDirectory, Remember);

impl Directory for Hooked {
    async fn workspace_for_token(&self, h: &TokenHash) -> Result<Option<TokenGrant>, StoreError> {
        self.0.workspace_for_token(h).await
    }
    async fn get_user(&self, w: &str, id: &str) -> Result<Option<UserRecord>, StoreError> {
        self.0.get_user(w, id).await
    }
    async fn find_by_user_name(&self, w: &str, k: &str) -> Result<Option<UserRecord>, StoreError> {
        self.0.find_by_user_name(w, k).await
    }
    async fn query_users(&self, w: &str, q: &ListQuery) -> Result<UserPage, StoreError> {
        self.0.query_users(w, q).await
    }
    async fn insert_user(&self, u: &UserRecord) -> Result<UserRecord, StoreError> {
        self.0.insert_user(u).await
    }
    async fn update_user(&self, u: &UserRecord, v: u64) -> Result<UserRecord, StoreError> {
        self.0.update_user(u, v).await
    }
    async fn remember_assertion(&self, w: &str, id: &str, until: OffsetDateTime) -> Result<bool, StoreError> {
        match (self.1)(id, until) {
            Some(answer) => answer,
            None => self.0.remember_assertion(w, id, until).await,
        }
    }
}

fn directory_with_jdoe() -> MemoryDirectory {
    let dir = MemoryDirectory::new();
    dir.add_workspace(Workspace::new("ws-1", "Contoso"));
    let doc = serde_json::json!({"userName": "jdoe@contoso.com"}).as_object().unwrap().clone();
    let user = UserRecord::new("ws-1", "u1", "Project Manager", UserState::Active, OffsetDateTime::UNIX_EPOCH, doc);
    now_or_never(dir.insert_user(&user)).unwrap().unwrap();
    dir
}

#[test]
fn a_store_failure_is_an_error_that_keeps_the_host_error_and_allows_nothing() {
    let idp = TestKey::load("idp");
    let sp = ServiceProvider::new(settings(&idp)).unwrap();
    let dir = Hooked(directory_with_jdoe(), Box::new(|_, _| Some(Err(StoreError::failed(Down)))));
    let identity = sp.validate_response(Spec::default().signed(&idp), NOW, Some(REQUEST_ID)).unwrap();
    let err = now_or_never(decide(&dir, "ws-1", &sp, &identity)).unwrap().unwrap_err();
    assert_eq!(err.code(), ErrorCode::StoreFailed);
    let LoginError::Store(mut store) = err else { panic!("a store error") };
    assert!(store.take_host_error().unwrap().downcast_ref::<Down>().is_some());
}

#[test]
fn sp_initiated_round_trip_uses_the_request_id() {
    let idp = TestKey::load("idp");
    let mut s = settings(&idp);
    s.idp_sso_url = Some("https://login.microsoftonline.com/0d9a7d32/saml2".into());
    let sp = ServiceProvider::new(s).unwrap();
    let request = sp.authn_request(NOW, Some("/projects")).unwrap();
    let spec = Spec {
        in_response_to: Some(request.id.clone()),
        confirmation_in_response_to: Some(request.id.clone()),
        ..Spec::default()
    };
    let dir = directory_with_jdoe();
    let xml = form_value(&spec.signed(&idp));
    let decision = now_or_never(sign_in(&dir, "ws-1", &sp, xml.as_bytes(), NOW, Some(&request.id))).unwrap().unwrap();
    let LoginDecision::Allowed(user) = decision else { panic!("{decision:?}") };
    assert_eq!(user.user_name, "jdoe@contoso.com");
    assert!(!password_login_allowed(&user), "SSO users never sign in with a password");
    // Another browser's request id does not match.
    let err = now_or_never(sign_in(&dir, "ws-1", &sp, xml.as_bytes(), NOW, Some("_another"))).unwrap().unwrap_err();
    assert_eq!(err.code(), ErrorCode::InResponseToMismatch);
}

#[test]
fn replay_memory_outlives_the_assertion_by_the_skew() {
    let idp = TestKey::load("idp");
    let sp = ServiceProvider::new(settings(&idp)).unwrap();
    let identity = sp.validate_response(Spec::default().signed(&idp), NOW, Some(REQUEST_ID)).unwrap();

    let remembered = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = remembered.clone();
    let spy = Hooked(
        directory_with_jdoe(),
        Box::new(move |id, until| {
            log.lock().unwrap().push((id.to_owned(), until));
            None
        }),
    );
    now_or_never(decide(&spy, "ws-1", &sp, &identity)).unwrap().unwrap();
    let remembered = remembered.lock().unwrap().clone();
    assert_eq!(remembered.len(), 1);
    assert_eq!(
        remembered[0].0,
        format!("{IDP_ENTITY} {}", Spec::default().assertion_id),
        "keyed by issuer and assertion ID"
    );
    assert_eq!(remembered[0].1, identity.not_on_or_after + time::Duration::seconds(180));
}
