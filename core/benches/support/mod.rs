//! What every SCIM benchmark shares — the core's (`benches/scim.rs`), the C ABI's
//! (`ffi/benches/abi.rs`) and the Python binding's Rust baseline
//! (`bindings/python/bench/bridge_baseline.rs`), which include this file by path — so their
//! figures compare the same requests against the same no-work store.
#![allow(dead_code)]

use serde_json::{Value, json};
use sso_scim_core::TokenGrant;
use sso_scim_core::token::TokenHash;
use sso_scim_core::{Directory, ListQuery, StoreError, UserPage, UserRecord};
use time::OffsetDateTime;

/// The PATCH message schema.
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// The user Entra's provisioning service creates, numbered.
pub fn entra_user(i: u64) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": format!("user{i}"),
        "userName": format!("user{i}@contoso.com"),
        "active": true,
        "emails": [{"primary": true, "type": "work", "value": format!("user{i}@contoso.com")}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": format!("User {i}"), "familyName": "Number", "givenName": format!("User{i}")},
        "roles": [], "title": null, "addresses": null,
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Retail", "employeeNumber": format!("{i}")}
    })
}

/// A store that does no work: every lookup hands back a copy of one prepared user, so a
/// request's time is the core's own (plus whatever boundary is measured around it).
pub struct NullDirectory {
    /// The grant every token lookup answers.
    pub grant: TokenGrant,
    /// The user every id lookup and query answers.
    pub user: UserRecord,
}

impl Directory for NullDirectory {
    async fn workspace_for_token(&self, _: &TokenHash) -> Result<Option<TokenGrant>, StoreError> {
        Ok(Some(self.grant.clone()))
    }
    async fn get_user(&self, _: &str, _: &str) -> Result<Option<UserRecord>, StoreError> {
        Ok(Some(self.user.clone()))
    }
    async fn find_by_user_name(&self, _: &str, _: &str) -> Result<Option<UserRecord>, StoreError> {
        Ok(None)
    }
    async fn query_users(&self, _: &str, _: &ListQuery) -> Result<UserPage, StoreError> {
        Ok(UserPage { total_results: 1, users: vec![self.user.clone()] })
    }
    async fn insert_user(&self, user: &UserRecord) -> Result<UserRecord, StoreError> {
        Ok(user.clone())
    }
    async fn update_user(&self, user: &UserRecord, _: u64) -> Result<UserRecord, StoreError> {
        Ok(user.clone())
    }
    async fn remember_assertion(&self, _: &str, _: &str, _: OffsetDateTime) -> Result<bool, StoreError> {
        Ok(true)
    }
}
