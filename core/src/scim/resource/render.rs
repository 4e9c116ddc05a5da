//! Rendering a stored user as the SCIM resource clients read.

use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::model::{UserRecord, UserState};

/// `base/Users/{id}`: `Location` and `meta.location`.
pub(crate) fn user_location(base: &str, id: &str) -> String {
    format!("{base}/Users/{id}")
}

/// RFC 3339 text of a timestamp.
fn format_time(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// The SCIM representation: `schemas`, `id`, the document's attributes, `active` (from the
/// state), extensions, then `meta`.
pub(crate) fn render_user(user: &UserRecord, base: &str) -> Map<String, Value> {
    let mut out = Map::with_capacity(user.resource.len() + 4);
    out.insert("schemas".into(), user.resource.get("schemas").cloned().unwrap_or_else(|| Value::Array(vec![])));
    out.insert("id".into(), Value::String(user.id.clone()));
    let mut extensions = Vec::new();
    for (key, value) in &user.resource {
        match key.as_str() {
            "schemas" | "id" | "meta" | "active" => {}
            k if k.starts_with("urn:") => extensions.push((key, value)),
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    out.insert("active".into(), Value::Bool(user.state == UserState::Active));
    for (key, value) in extensions {
        out.insert(key.clone(), value.clone());
    }
    out.insert(
        "meta".into(),
        serde_json::json!({
            "resourceType": "User",
            "created": format_time(user.created),
            "lastModified": format_time(user.last_modified),
            "location": user_location(base, &user.id),
            "version": user.etag(),
        }),
    );
    out
}
