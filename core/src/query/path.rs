//! Attribute references: `userName`, `name.givenName`, `emails.value`, `meta.lastModified`,
//! `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`. Names resolve
//! case-insensitively to the canonical definitions, so every later stage works with one
//! spelling.

use std::fmt;

use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

#[cfg(test)]
use crate::schema::USER;
use crate::schema::{AttributeDef, COMMON_ATTRIBUTES, ResourceType, SchemaDef, find};

/// A resolved attribute, optionally narrowed to one sub-attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttrRef {
    /// The schema holding the attribute (the core URN for core and common attributes).
    pub schema: &'static SchemaDef,
    /// The attribute.
    pub attr: &'static AttributeDef,
    /// The sub-attribute, for `name.givenName` or `emails.value`.
    pub sub: Option<&'static AttributeDef>,
}

impl AttrRef {
    /// The definition this reference finally names (the sub-attribute if there is one).
    pub fn target(&self) -> &'static AttributeDef {
        self.sub.unwrap_or(self.attr)
    }

    /// Whether the attribute lives in an extension object rather than at the top level.
    pub fn in_extension(&self) -> bool {
        self.schema.is_extension
    }

    /// Whether this is one of the common attributes (`id`, `externalId`, `meta`, `schemas`).
    pub fn is_common(&self) -> bool {
        COMMON_ATTRIBUTES.iter().any(|c| std::ptr::eq(c, self.attr))
    }

    /// Whether this names the common attribute called `name` with no sub-attribute.
    pub fn is_plain(&self, name: &str) -> bool {
        self.sub.is_none() && self.attr.name == name
    }

    /// The same attribute narrowed to `sub`.
    pub fn with_sub(self, sub: &'static AttributeDef) -> AttrRef {
        AttrRef { sub: Some(sub), ..self }
    }

    /// The object holding this attribute in a stored document: the document itself, or the
    /// extension object.
    pub fn container<'a>(&self, doc: &'a Map<String, Value>) -> Option<&'a Map<String, Value>> {
        if self.in_extension() { doc.get(self.schema.id).and_then(Value::as_object) } else { Some(doc) }
    }

    /// The mutable container, created on demand for an extension.
    pub fn container_mut<'a>(&self, doc: &'a mut Map<String, Value>) -> &'a mut Map<String, Value> {
        if !self.in_extension() {
            return doc;
        }
        let slot = doc.entry(self.schema.id.to_owned()).or_insert_with(|| Value::Object(Map::new()));
        if !slot.is_object() {
            *slot = Value::Object(Map::new());
        }
        slot.as_object_mut().expect("just made an object")
    }
}

impl fmt::Display for AttrRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.in_extension() {
            write!(f, "{}:", self.schema.id)?;
        }
        f.write_str(self.attr.name)?;
        if let Some(sub) = self.sub {
            write!(f, ".{}", sub.name)?;
        }
        Ok(())
    }
}

impl Serialize for AttrRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// What an attribute path names: one attribute, or a whole extension schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolved {
    /// An attribute (maybe narrowed to a sub-attribute).
    Attr(AttrRef),
    /// An extension schema URN on its own, naming the whole extension object.
    Extension(&'static SchemaDef),
}

/// Why a name did not resolve. The message names the input, for the SCIM error's `detail`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// The attribute is not in any schema of the resource.
    #[error("unknown attribute \"{0}\"")]
    UnknownAttribute(String),
    /// A `urn:` prefix that names no schema of the resource.
    #[error("unknown schema in \"{0}\"")]
    UnknownSchema(String),
    /// A sub-attribute that the attribute does not have.
    #[error("attribute \"{attr}\" has no sub-attribute \"{sub}\"")]
    UnknownSubAttribute {
        /// The attribute.
        attr: String,
        /// The sub-attribute asked for.
        sub: String,
    },
    /// Not of the form `[urn:]name[.sub]`.
    #[error("\"{0}\" is not an attribute path")]
    Syntax(String),
}

/// Split a leading schema URN off `text`: `(schema, rest)` where `rest` follows the URN's
/// `:`. The URN is matched as a whole against the known schemas, longest first, because the
/// enterprise URN itself contains a `.` ("2.0") and a `:` would be ambiguous.
fn split_urn<'t>(rt: &'static ResourceType, text: &'t str) -> Result<(Option<&'static SchemaDef>, &'t str), PathError> {
    if !text.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:")) {
        return Ok((None, text));
    }
    let longest = rt
        .schemas
        .iter()
        .filter(|s| {
            let n = s.id.len();
            text.len() >= n
                && text.is_char_boundary(n)
                && text[..n].eq_ignore_ascii_case(s.id)
                && matches!(text.as_bytes().get(n), None | Some(b':'))
        })
        .max_by_key(|s| s.id.len());
    match longest {
        Some(schema) => Ok((Some(schema), text.get(schema.id.len() + 1..).unwrap_or(""))),
        None => Err(PathError::UnknownSchema(text.to_owned())),
    }
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some('$') => name == "$ref",
        Some(c) if c.is_ascii_alphabetic() => chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
        _ => false,
    }
}

/// Resolve `[urn:]attr[.sub]` against the User schemas and the common attributes.
#[cfg(test)]
fn resolve(text: &str) -> Result<Resolved, PathError> {
    resolve_in(&USER, text)
}

/// Resolve `[urn:]attr[.sub]` against the schemas of `rt` and the common attributes.
pub fn resolve_in(rt: &'static ResourceType, text: &str) -> Result<Resolved, PathError> {
    let (schema, rest) = split_urn(rt, text)?;
    if rest.is_empty() {
        return match schema {
            Some(s) if s.is_extension => Ok(Resolved::Extension(s)),
            _ => Err(PathError::Syntax(text.to_owned())),
        };
    }
    let (name, sub) = match rest.split_once('.') {
        Some((name, sub)) => (name, Some(sub)),
        None => (rest, None),
    };
    if !valid_name(name) || sub.is_some_and(|s| !valid_name(s)) {
        return Err(PathError::Syntax(text.to_owned()));
    }
    let schema = schema.unwrap_or(rt.core());
    let attr = find(schema.attributes, name)
        .or_else(|| if schema.is_extension { None } else { find(COMMON_ATTRIBUTES, name) })
        .ok_or_else(|| PathError::UnknownAttribute(text.to_owned()))?;
    let attr_ref = AttrRef { schema, attr, sub: None };
    match sub {
        None => Ok(Resolved::Attr(attr_ref)),
        Some(sub) => resolve_sub(attr_ref, sub).map(Resolved::Attr),
    }
}

/// Resolve an attribute reference of a User, refusing a bare extension URN.
#[cfg(test)]
fn resolve_attr(text: &str) -> Result<AttrRef, PathError> {
    resolve_attr_in(&USER, text)
}

/// Resolve an attribute reference of `rt`, refusing a bare extension URN.
pub fn resolve_attr_in(rt: &'static ResourceType, text: &str) -> Result<AttrRef, PathError> {
    match resolve_in(rt, text)? {
        Resolved::Attr(a) => Ok(a),
        Resolved::Extension(_) => Err(PathError::Syntax(text.to_owned())),
    }
}

/// Narrow `parent` (which must name no sub-attribute yet) to its sub-attribute `name`.
pub fn resolve_sub(parent: AttrRef, name: &str) -> Result<AttrRef, PathError> {
    let unknown = || PathError::UnknownSubAttribute { attr: parent.to_string(), sub: name.to_owned() };
    if parent.sub.is_some() || !valid_name(name) {
        return Err(unknown());
    }
    parent.attr.sub(name).map(|sub| parent.with_sub(sub)).ok_or_else(unknown)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::ENTERPRISE_USER_URN;

    fn show(text: &str) -> String {
        match resolve(text) {
            Ok(Resolved::Attr(a)) => a.to_string(),
            Ok(Resolved::Extension(s)) => format!("ext {}", s.id),
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn resolves_names_case_insensitively_to_canonical_spelling() {
        assert_eq!(show("username"), "userName");
        assert_eq!(show("Name.FamilyName"), "name.familyName");
        assert_eq!(show("emails.Value"), "emails.value");
        assert_eq!(show("meta.Created"), "meta.created");
        assert_eq!(show("ID"), "id");
        assert_eq!(show("externalid"), "externalId");
        assert_eq!(show("urn:ietf:params:scim:schemas:core:2.0:User:userName"), "userName");
    }

    #[test]
    fn extension_urns_with_dots_resolve_whole() {
        let dept = format!("{ENTERPRISE_USER_URN}:department");
        assert_eq!(show(&dept), dept);
        assert_eq!(show(&dept.to_uppercase()), dept);
        let manager = format!("{ENTERPRISE_USER_URN}:manager.value");
        assert_eq!(show(&manager), manager);
        assert_eq!(show(ENTERPRISE_USER_URN), format!("ext {ENTERPRISE_USER_URN}"));
        let a = resolve_attr(&dept).unwrap();
        assert!(a.in_extension());
    }

    #[test]
    fn refuses_unknown_names_schemas_and_shapes() {
        assert!(matches!(resolve("nope"), Err(PathError::UnknownAttribute(_))));
        assert!(matches!(resolve("password"), Err(PathError::UnknownAttribute(_))));
        assert!(matches!(resolve("name.nope"), Err(PathError::UnknownSubAttribute { .. })));
        assert!(matches!(resolve("userName.x"), Err(PathError::UnknownSubAttribute { .. })));
        assert!(matches!(resolve("urn:acme:User:x"), Err(PathError::UnknownSchema(_))));
        assert!(matches!(resolve(&format!("{ENTERPRISE_USER_URN}x:department")), Err(PathError::UnknownSchema(_))));
        assert!(matches!(resolve(&format!("{ENTERPRISE_USER_URN}:id")), Err(PathError::UnknownAttribute(_))));
        for bad in ["", "1abc", "a b", "name.", ".name", "a.b.c", crate::schema::CORE_USER_URN, "na$me"] {
            assert!(resolve(bad).is_err(), "{bad:?}");
        }
        assert!(resolve_attr(ENTERPRISE_USER_URN).is_err());
        assert_eq!(show(&format!("{ENTERPRISE_USER_URN}:manager.$ref")), format!("{ENTERPRISE_USER_URN}:manager.$ref"));
    }

    #[test]
    fn group_attributes_resolve_against_the_group_schema() {
        use crate::schema::{CORE_GROUP_URN, GROUP};
        let show = |t: &str| match resolve_in(&GROUP, t) {
            Ok(Resolved::Attr(a)) => a.to_string(),
            other => format!("{other:?}"),
        };
        assert_eq!(show("DISPLAYNAME"), "displayName");
        assert_eq!(show("members.Value"), "members.value");
        assert_eq!(show(&format!("{CORE_GROUP_URN}:members")), "members");
        assert_eq!(show("externalId"), "externalId");
        assert!(resolve_in(&GROUP, "userName").is_err(), "a User attribute is not a Group's");
        assert!(resolve_in(&GROUP, &format!("{ENTERPRISE_USER_URN}:department")).is_err());
    }

    #[test]
    fn containers_reach_into_the_extension_object() {
        let mut doc = Map::new();
        let dept = resolve_attr(&format!("{ENTERPRISE_USER_URN}:department")).unwrap();
        assert!(dept.container(&doc).is_none());
        dept.container_mut(&mut doc).insert("department".into(), Value::from("Retail"));
        assert_eq!(dept.container(&doc).unwrap()["department"], "Retail");
        let user = resolve_attr("userName").unwrap();
        assert!(std::ptr::eq(user.container(&doc).unwrap(), &doc));
    }
}
