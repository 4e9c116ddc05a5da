use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::schema::{CORE_USER_URN, ENTERPRISE_USER_URN};

/// The key under which a store indexes `userName`: uniqueness, `find_by_user_name` and the
/// `userName` filter all compare through this one function, so they can never disagree.
pub fn user_name_key(user_name: &str) -> String {
    user_name.to_lowercase()
}

/// Where a user stands in the product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserState {
    /// A member who may sign in.
    Active,
    /// Disabled (`active:false`): kept in the workspace and visible to SCIM, cannot sign in.
    Archived,
    /// Deleted through SCIM: archived in the product and gone for SCIM (404, never listed)
    /// until a POST with the same userName re-links and restores it.
    Deprovisioned,
}

impl UserState {
    /// Whether SCIM can see the user at all.
    pub fn visible_to_scim(self) -> bool {
        self != UserState::Deprovisioned
    }
}

/// One user as the product sees it: typed fields for the product, plus the full SCIM document
/// so that every advertised SCIM attribute round-trips even when the host uses only the typed
/// fields.
///
/// The SCIM document (`resource`) holds `schemas` and every SCIM attribute except `id`, `meta`
/// and `active`: those come from the typed fields (`state` is the single source of `active`).
/// The typed `user_name`, `external_id`, names and `email` are projections of the document
/// that the core keeps in step on every write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRecord {
    /// Server-issued, stable, case-exact id (the SCIM `id`).
    pub id: String,
    /// The workspace the user belongs to.
    pub workspace_id: String,
    /// SCIM `userName`, as sent by the IdP.
    pub user_name: String,
    /// SCIM `externalId` (case-exact, not unique).
    #[serde(default)]
    pub external_id: Option<String>,
    /// `name.givenName`.
    #[serde(default)]
    pub given_name: Option<String>,
    /// `name.familyName`.
    #[serde(default)]
    pub family_name: Option<String>,
    /// The primary e-mail (else the `work` one, else the first).
    #[serde(default)]
    pub email: Option<String>,
    /// The product role; set from the workspace default on creation only.
    pub role: String,
    /// Active, archived or deprovisioned.
    pub state: UserState,
    /// Incremented on every change; the store's optimistic-concurrency check and the ETag.
    pub version: u64,
    /// When the user was created (SCIM `meta.created`).
    #[serde(with = "time::serde::rfc3339")]
    pub created: OffsetDateTime,
    /// When the user last changed (SCIM `meta.lastModified`).
    #[serde(with = "time::serde::rfc3339")]
    pub last_modified: OffsetDateTime,
    /// The SCIM document: `schemas` and attributes, without `id`, `meta` and `active`.
    pub resource: Map<String, Value>,
}

impl UserRecord {
    /// A user at version 1, created and last modified at `now`, with the typed fields taken
    /// from the SCIM document `resource` (which must hold `userName`).
    pub fn new(
        workspace_id: &str,
        id: &str,
        role: &str,
        state: UserState,
        now: OffsetDateTime,
        resource: Map<String, Value>,
    ) -> Self {
        let mut user = UserRecord {
            id: id.to_owned(),
            workspace_id: workspace_id.to_owned(),
            user_name: String::new(),
            external_id: None,
            given_name: None,
            family_name: None,
            email: None,
            role: role.to_owned(),
            state,
            version: 1,
            created: now,
            last_modified: now,
            resource,
        };
        user.sync_from_resource();
        user
    }

    /// The key a store indexes this user's userName under (see [`user_name_key`]).
    pub fn user_name_key(&self) -> String {
        user_name_key(&self.user_name)
    }

    /// Whether the user may sign in at all (only active users may).
    pub fn can_sign_in(&self) -> bool {
        self.state == UserState::Active
    }

    /// The weak entity tag of the current version, as sent in `ETag` and `meta.version`.
    pub fn etag(&self) -> String {
        format!("W/\"{}\"", self.version)
    }

    /// Recompute the typed projections (`user_name`, `external_id`, names, `email`) and the
    /// `schemas` list from the SCIM document.
    pub fn sync_from_resource(&mut self) {
        let doc = &self.resource;
        if let Some(Value::String(user_name)) = doc.get("userName") {
            self.user_name.clone_from(user_name);
        }
        self.external_id = string_at(doc, &["externalId"]);
        self.given_name = string_at(doc, &["name", "givenName"]);
        self.family_name = string_at(doc, &["name", "familyName"]);
        self.email = preferred_email(doc);
        let mut schemas = vec![Value::from(CORE_USER_URN)];
        if doc.get(ENTERPRISE_USER_URN).is_some_and(|ext| ext.as_object().is_some_and(|m| !m.is_empty())) {
            schemas.push(Value::from(ENTERPRISE_USER_URN));
        }
        self.resource.insert("schemas".to_owned(), Value::Array(schemas));
    }
}

fn string_at(doc: &Map<String, Value>, path: &[&str]) -> Option<String> {
    let (last, parents) = path.split_last()?;
    let mut map = doc;
    for key in parents {
        map = map.get(*key)?.as_object()?;
    }
    map.get(*last)?.as_str().map(str::to_owned)
}

fn preferred_email(doc: &Map<String, Value>) -> Option<String> {
    let emails = doc.get("emails")?.as_array()?;
    let value_of = |v: &Value| v.get("value").and_then(Value::as_str).map(str::to_owned);
    let pick = |pred: &dyn Fn(&Value) -> bool| emails.iter().filter(|v| pred(v)).find_map(value_of);
    pick(&|v| v.get("primary") == Some(&Value::Bool(true)))
        .or_else(|| pick(&|v| v.get("type").and_then(Value::as_str).is_some_and(|t| t.eq_ignore_ascii_case("work"))))
        .or_else(|| pick(&|_| true))
}

#[cfg(test)]
impl UserRecord {
    /// An active user at version 1 with the given document, for unit tests.
    pub(crate) fn for_test(workspace_id: &str, id: &str, doc: Value) -> Self {
        let doc = doc.as_object().cloned().unwrap_or_default();
        UserRecord::new(workspace_id, id, "Project Manager", UserState::Active, OffsetDateTime::UNIX_EPOCH, doc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(doc: Value) -> UserRecord {
        UserRecord::for_test("w", "u1", doc)
    }

    #[test]
    fn typed_fields_follow_the_document() {
        let r = record(json!({
            "userName": "JDoe@Contoso.com",
            "externalId": "jdoe",
            "name": {"givenName": "John", "familyName": "Doe"},
            "emails": [{"value": "home@x.com", "type": "home"}, {"value": "work@x.com", "type": "work"}],
            ENTERPRISE_USER_URN: {"department": "Retail"}
        }));
        assert_eq!(r.user_name, "JDoe@Contoso.com");
        assert_eq!(r.user_name_key(), "jdoe@contoso.com");
        assert_eq!(r.external_id.as_deref(), Some("jdoe"));
        assert_eq!(r.given_name.as_deref(), Some("John"));
        assert_eq!(r.family_name.as_deref(), Some("Doe"));
        assert_eq!(r.email.as_deref(), Some("work@x.com"), "work beats first when none is primary");
        assert_eq!(r.resource["schemas"], json!([CORE_USER_URN, ENTERPRISE_USER_URN]));
    }

    #[test]
    fn primary_email_wins_and_empty_extension_is_not_listed() {
        let r = record(json!({
            "userName": "a",
            "emails": [{"value": "w@x.com", "type": "work"}, {"value": "p@x.com", "primary": true}],
            ENTERPRISE_USER_URN: {}
        }));
        assert_eq!(r.email.as_deref(), Some("p@x.com"));
        assert_eq!(r.resource["schemas"], json!([CORE_USER_URN]));
        assert!(r.can_sign_in());
        assert_eq!(r.etag(), "W/\"1\"");
    }

    #[test]
    fn only_active_users_sign_in() {
        let mut r = record(json!({"userName": "a"}));
        for (state, allowed) in
            [(UserState::Active, true), (UserState::Archived, false), (UserState::Deprovisioned, false)]
        {
            r.state = state;
            assert_eq!(r.can_sign_in(), allowed, "{state:?}");
        }
    }

    #[test]
    fn record_round_trips_through_json() {
        let r = record(json!({"userName": "a", "name": {"givenName": "Ann"}}));
        let text = serde_json::to_string(&r).unwrap();
        assert!(text.contains("\"state\":\"active\""));
        let back: UserRecord = serde_json::from_str(&text).unwrap();
        assert_eq!(back, r);
    }
}
