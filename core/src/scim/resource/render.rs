//! Rendering a stored user or group as the SCIM resource clients read.
//!
//! The common answer (no `attributes`/`excludedAttributes`) serialises straight from the
//! stored record, in schema order, without copying the document; a projection works on an
//! owned map. Users and Groups render alike; only a User has `active`.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::Projection;
use crate::model::{GroupRecord, UserRecord, UserState};
use crate::schema::{COMMON_ATTRIBUTES, GROUP, ResourceType, USER};

/// `base/{endpoint}/{id}`: `Location` and `meta.location`.
pub(crate) fn location(rt: &ResourceType, base: &str, id: &str) -> String {
    format!("{base}{}/{id}", rt.endpoint)
}

/// RFC 3339 text of a timestamp.
fn format_time(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// What a rendering needs from a stored record.
pub(crate) struct Source<'a> {
    rt: &'static ResourceType,
    id: &'a str,
    doc: &'a Map<String, Value>,
    active: Option<bool>,
    created: OffsetDateTime,
    last_modified: OffsetDateTime,
    version: u64,
}

impl<'a> From<&'a UserRecord> for Source<'a> {
    fn from(u: &'a UserRecord) -> Self {
        Source {
            rt: &USER,
            id: &u.id,
            doc: &u.resource,
            active: Some(u.state == UserState::Active),
            created: u.created,
            last_modified: u.last_modified,
            version: u.version,
        }
    }
}

impl<'a> From<&'a GroupRecord> for Source<'a> {
    fn from(g: &'a GroupRecord) -> Self {
        Source {
            rt: &GROUP,
            id: &g.id,
            doc: &g.resource,
            active: None,
            created: g.created,
            last_modified: g.last_modified,
            version: g.version,
        }
    }
}

/// A resource as a response carries it: borrowed and streamed, or projected.
pub(crate) enum Rendered<'a> {
    /// The whole resource, serialised from the record.
    Full(View<'a>),
    /// The resource after `attributes` / `excludedAttributes`.
    Projected(Map<String, Value>),
}

impl<'a> Rendered<'a> {
    pub fn new(source: impl Into<Source<'a>>, base: &'a str, projection: &Projection) -> Self {
        let view = View { source: source.into(), base };
        if projection.is_identity() {
            Rendered::Full(view)
        } else {
            Rendered::Projected(projection.apply(view.to_map()))
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
/// order (a User's `active`, from its state, in its place), extensions, then `meta`.
pub(crate) struct View<'a> {
    source: Source<'a>,
    base: &'a str,
}

impl View<'_> {
    fn to_map(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => unreachable!("a resource view serialises to an object"),
        }
    }
}

struct Meta<'a>(&'a Source<'a>, &'a str);

impl Serialize for Meta<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let src = self.0;
        let mut m = s.serialize_map(Some(5))?;
        m.serialize_entry("resourceType", src.rt.name)?;
        m.serialize_entry("created", &format_time(src.created))?;
        m.serialize_entry("lastModified", &format_time(src.last_modified))?;
        m.serialize_entry("location", &location(src.rt, self.1, src.id))?;
        m.serialize_entry("version", &format!("W/\"{}\"", src.version))?;
        m.end()
    }
}

impl Serialize for View<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let src = &self.source;
        let doc = src.doc;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("schemas", doc.get("schemas").unwrap_or(&Value::Array(Vec::new())))?;
        m.serialize_entry("id", src.id)?;
        let known = COMMON_ATTRIBUTES.iter().chain(src.rt.core().attributes).map(|a| a.name);
        for name in known.chain(src.rt.extensions().map(|s| s.id)) {
            match (name, src.active) {
                ("id" | "meta" | "schemas", _) => {}
                ("active", Some(active)) => m.serialize_entry("active", &active)?,
                _ => {
                    if let Some(v) = doc.get(name) {
                        m.serialize_entry(name, v)?;
                    }
                }
            }
        }
        m.serialize_entry("meta", &Meta(src, self.base))?;
        m.end()
    }
}
