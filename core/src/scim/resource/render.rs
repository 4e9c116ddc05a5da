//! Rendering a stored user as the SCIM resource clients read.
//!
//! The common answer (no `attributes`/`excludedAttributes`) serialises straight from the
//! stored record, in schema order, without copying the document; a projection works on an
//! owned map.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::Projection;
use crate::model::{UserRecord, UserState};
use crate::scim::schema::{COMMON_ATTRIBUTES, CORE_USER_ATTRIBUTES, USER_SCHEMAS};

/// `base/Users/{id}`: `Location` and `meta.location`.
pub(crate) fn user_location(base: &str, id: &str) -> String {
    format!("{base}/Users/{id}")
}

/// RFC 3339 text of a timestamp.
fn format_time(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// A user as a response carries it: borrowed and streamed, or projected.
pub(crate) enum Rendered<'a> {
    /// The whole resource, serialised from the record.
    Full(UserView<'a>),
    /// The resource after `attributes` / `excludedAttributes`.
    Projected(Map<String, Value>),
}

impl<'a> Rendered<'a> {
    pub fn new(user: &'a UserRecord, base: &'a str, projection: &Projection) -> Self {
        if projection.is_identity() {
            Rendered::Full(UserView { user, base })
        } else {
            Rendered::Projected(projection.apply(render_user(user, base)))
        }
    }

    pub fn to_vec(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a JSON document always serialises")
    }
}

impl Serialize for Rendered<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Rendered::Full(view) => view.serialize(s),
            Rendered::Projected(map) => map.serialize(s),
        }
    }
}

/// The SCIM representation of a record: `schemas`, `id`, the document's attributes in schema
/// order with `active` (from the state) in its place, extensions, then `meta`.
pub(crate) struct UserView<'a> {
    user: &'a UserRecord,
    base: &'a str,
}

struct Meta<'a>(&'a UserRecord, &'a str);

impl Serialize for Meta<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(5))?;
        m.serialize_entry("resourceType", "User")?;
        m.serialize_entry("created", &format_time(self.0.created))?;
        m.serialize_entry("lastModified", &format_time(self.0.last_modified))?;
        m.serialize_entry("location", &user_location(self.1, &self.0.id))?;
        m.serialize_entry("version", &self.0.etag())?;
        m.end()
    }
}

impl Serialize for UserView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let doc = &self.user.resource;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("schemas", doc.get("schemas").unwrap_or(&Value::Array(Vec::new())))?;
        m.serialize_entry("id", &self.user.id)?;
        let known = COMMON_ATTRIBUTES.iter().chain(CORE_USER_ATTRIBUTES).map(|a| a.name);
        for name in known.chain(USER_SCHEMAS.iter().filter(|s| s.is_extension).map(|s| s.id)) {
            match name {
                "id" | "meta" | "schemas" => {}
                "active" => m.serialize_entry("active", &(self.user.state == UserState::Active))?,
                _ => {
                    if let Some(v) = doc.get(name) {
                        m.serialize_entry(name, v)?;
                    }
                }
            }
        }
        m.serialize_entry("meta", &Meta(self.user, self.base))?;
        m.end()
    }
}

/// The representation as an owned map (for projections and tests).
pub(crate) fn render_user(user: &UserRecord, base: &str) -> Map<String, Value> {
    match serde_json::to_value(UserView { user, base }) {
        Ok(Value::Object(map)) => map,
        _ => unreachable!("a user view serialises to an object"),
    }
}
