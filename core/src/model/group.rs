use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::schema::CORE_GROUP_URN;

/// The key under which a store indexes a Group's `displayName`: uniqueness, lookups and the
/// `displayName` filter compare through it.
pub fn display_name_key(display_name: &str) -> String {
    display_name.to_lowercase()
}

/// One SCIM Group: typed fields plus the full SCIM document (`schemas`, `displayName`,
/// `externalId`, `members`; without `id` and `meta`). Deleting a Group deletes it: unlike
/// users, groups carry no product history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupRecord {
    /// Server-issued id.
    pub id: String,
    /// The workspace the group belongs to.
    pub workspace_id: String,
    /// `displayName` (unique per workspace, case-insensitively).
    pub display_name: String,
    /// `externalId`.
    #[serde(default)]
    pub external_id: Option<String>,
    /// Incremented on every change (optimistic concurrency and the ETag).
    pub version: u64,
    /// `meta.created`.
    #[serde(with = "time::serde::rfc3339")]
    pub created: OffsetDateTime,
    /// `meta.lastModified`.
    #[serde(with = "time::serde::rfc3339")]
    pub last_modified: OffsetDateTime,
    /// The SCIM document.
    pub resource: Map<String, Value>,
}

impl GroupRecord {
    /// A group at version 1 with typed fields taken from `resource` (which holds `displayName`).
    pub fn new(workspace_id: &str, id: &str, now: OffsetDateTime, resource: Map<String, Value>) -> Self {
        let mut group = GroupRecord {
            id: id.to_owned(),
            workspace_id: workspace_id.to_owned(),
            display_name: String::new(),
            external_id: None,
            version: 1,
            created: now,
            last_modified: now,
            resource,
        };
        group.sync_from_resource();
        group
    }

    /// The key a store indexes this group's displayName under.
    pub fn display_name_key(&self) -> String {
        display_name_key(&self.display_name)
    }

    /// The weak entity tag of the current version.
    pub fn etag(&self) -> String {
        format!("W/\"{}\"", self.version)
    }

    /// The member ids (`members[].value`), in order.
    pub fn member_ids(&self) -> impl Iterator<Item = &str> {
        self.resource
            .get("members")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|m| m.get("value").and_then(Value::as_str))
    }

    /// Recompute the typed fields and `schemas` from the document.
    pub fn sync_from_resource(&mut self) {
        if let Some(Value::String(name)) = self.resource.get("displayName") {
            self.display_name.clone_from(name);
        }
        self.external_id = self.resource.get("externalId").and_then(Value::as_str).map(str::to_owned);
        self.resource.insert("schemas".to_owned(), Value::Array(vec![Value::from(CORE_GROUP_URN)]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn typed_fields_follow_the_document() {
        let doc = json!({"displayName": "Sales EMEA", "externalId": "g1", "members": [{"value": "u1"}, {"value": "u2", "display": "B"}]});
        let g = GroupRecord::new("w", "g", OffsetDateTime::UNIX_EPOCH, doc.as_object().unwrap().clone());
        assert_eq!(g.display_name, "Sales EMEA");
        assert_eq!(g.display_name_key(), "sales emea");
        assert_eq!(g.external_id.as_deref(), Some("g1"));
        assert_eq!(g.member_ids().collect::<Vec<_>>(), ["u1", "u2"]);
        assert_eq!(g.resource["schemas"], json!([CORE_GROUP_URN]));
        assert_eq!(g.etag(), "W/\"1\"");
        let back: GroupRecord = serde_json::from_str(&serde_json::to_string(&g).unwrap()).unwrap();
        assert_eq!(back, g);
    }
}
