//! Input normalisation: every value that enters a stored document passes through here, so a
//! document always holds canonical attribute names, JSON types matching the schema, no nulls,
//! no empty containers, at most one `primary: true` per multi-valued attribute and, for a
//! Group, one member per `value`.

use std::collections::HashMap;
use std::fmt;

use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::query::path::{Resolved, resolve_in};
use crate::schema::{AttrType, AttributeDef, Mutability, ResourceType, SchemaDef, USER, schema_by_urn};
use crate::scim::error::{ScimError, invalid_syntax, invalid_value};

/// Normalises values according to the attribute definitions and the compatibility profile.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Normalizer {
    pub lenient: bool,
}

impl Normalizer {
    /// A whole User from POST or PUT: the stored document (without `active`) and the
    /// `active` flag if the client sent one.
    pub fn user(&self, input: &Value) -> Result<(Map<String, Value>, Option<bool>), ScimError> {
        self.resource(&USER, input)
    }

    /// A whole resource of type `rt` from POST or PUT: the stored document (for a User,
    /// without `active`) and the User's `active` flag if the client sent one. `password` and
    /// `groups` (User) are accepted and dropped: SSO users have no password, and a User's
    /// groups are read-only.
    pub fn resource(
        &self,
        rt: &'static ResourceType,
        input: &Value,
    ) -> Result<(Map<String, Value>, Option<bool>), ScimError> {
        let Value::Object(input) = input else {
            return Err(invalid_syntax(format!("a {} is a JSON object", rt.name)));
        };
        if self.lenient {
            refuse_foreign_schemas(rt, input)?;
        } else {
            self.check_schemas(rt, input)?;
        }
        let mut doc = Map::new();
        let mut active = None;
        for (key, value) in input {
            if key.eq_ignore_ascii_case("schemas") || rt.discards(key) {
                continue;
            }
            match resolve_in(rt, key) {
                Ok(Resolved::Extension(schema)) => {
                    if let Some(ext) = self.extension(schema, value)? {
                        for (name, v) in ext {
                            insert_once(nested(&mut doc, schema.id), &name, v)?;
                        }
                    }
                }
                Ok(Resolved::Attr(a)) if a.sub.is_none() && !a.in_extension() => {
                    if a.attr.mutability == Mutability::ReadOnly {
                        continue; // id, meta: the server's to set (RFC 7644 §3.3).
                    }
                    let Some(v) = self.value(a.attr, value, &a.attr.name)? else { continue };
                    if a.attr.name == "active" && std::ptr::eq(rt, &USER) {
                        active = v.as_bool();
                    } else if let (Value::Object(subs), Some(Value::Object(_))) = (&v, doc.get(a.attr.name)) {
                        for (name, sub) in subs {
                            insert_once(nested(&mut doc, a.attr.name), name, sub.clone())?;
                        }
                    } else {
                        insert_once(&mut doc, a.attr.name, v)?;
                    }
                }
                // Flattened keys some provisioning templates send in a body:
                // `urn:…:enterprise:2.0:User:department`, `name.givenName`.
                Ok(Resolved::Attr(a)) if self.lenient && a.attr.mutability != Mutability::ReadOnly => {
                    let container = if a.in_extension() { nested(&mut doc, a.schema.id) } else { &mut doc };
                    match a.sub {
                        None => {
                            if let Some(v) = self.value(a.attr, value, &a)? {
                                insert_once(container, a.attr.name, v)?;
                            }
                        }
                        Some(sub) if !a.attr.multi_valued => {
                            if let Some(v) = self.single(sub, value, &a)? {
                                insert_once(nested(container, a.attr.name), sub.name, v)?;
                            }
                        }
                        Some(_) => {} // `emails.value` names no single value to set
                    }
                }
                _ if self.lenient => {} // unknown attribute or schema URI: ignored
                _ => return Err(invalid_value(format!("unknown attribute \"{key}\""))),
            }
        }
        doc.retain(|_, v| !v.as_object().is_some_and(Map::is_empty));
        settle_document(rt, &mut doc)?;
        Ok((doc, active))
    }

    fn check_schemas(&self, rt: &'static ResourceType, input: &Map<String, Value>) -> Result<(), ScimError> {
        let core = rt.core().id;
        let Some(Value::Array(schemas)) = input.get("schemas") else {
            return Err(invalid_value(format!("\"schemas\" must list \"{core}\"")));
        };
        let mut has_core = false;
        for s in schemas {
            match s.as_str().and_then(|s| rt.schema(s)) {
                Some(d) => has_core |= d.id == core,
                None => return Err(invalid_value(format!("unknown schema {s} in \"schemas\""))),
            }
        }
        if has_core { Ok(()) } else { Err(invalid_value(format!("\"schemas\" must list \"{core}\""))) }
    }

    /// An extension object (`{"department": …, "manager": …}`); `None` when it holds nothing.
    pub fn extension(
        &self,
        schema: &'static SchemaDef,
        value: &Value,
    ) -> Result<Option<Map<String, Value>>, ScimError> {
        let object = match value {
            Value::Null => return Ok(None),
            Value::Object(o) => o,
            _ => return Err(invalid_value(format!("\"{}\" must be an object", schema.id))),
        };
        self.sub_attributes(schema.attributes, object, &schema.id)
    }

    /// Normalise the members of `object` against `defs`, in definition order.
    fn sub_attributes(
        &self,
        defs: &'static [AttributeDef],
        object: &Map<String, Value>,
        path: &dyn fmt::Display,
    ) -> Result<Option<Map<String, Value>>, ScimError> {
        let mut out = Map::new();
        for (key, value) in object {
            // Microsoft's test collection names a member's `display` `displayName`.
            let alias = || {
                (self.lenient && key.eq_ignore_ascii_case("displayName"))
                    .then(|| crate::schema::find(defs, "display"))
                    .flatten()
            };
            let Some(def) = crate::schema::find(defs, key).or_else(alias) else {
                if self.lenient {
                    continue;
                }
                return Err(invalid_value(format!("unknown attribute \"{path}.{key}\"")));
            };
            if def.mutability == Mutability::ReadOnly {
                continue;
            }
            if let Some(v) = self.value(def, value, &Dotted(path, def.name))? {
                insert_once(&mut out, def.name, v)?;
            }
        }
        if out.is_empty() {
            return Ok(None);
        }
        let ordered = defs.iter().filter_map(|d| out.remove(d.name).map(|v| (d.name.to_owned(), v))).collect();
        Ok(Some(ordered))
    }

    /// A whole attribute value (an array for a multi-valued attribute); `None` = unassigned.
    pub fn value(
        &self,
        def: &'static AttributeDef,
        value: &Value,
        path: &dyn fmt::Display,
    ) -> Result<Option<Value>, ScimError> {
        if !def.multi_valued {
            return self.single(def, value, path);
        }
        let items: &[Value] = match value {
            Value::Null => return Ok(None),
            Value::Array(items) => items,
            single if self.lenient => std::slice::from_ref(single),
            _ => return Err(invalid_value(format!("\"{path}\" is multi-valued; send an array"))),
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            if let Some(v) = self.single(def, item, path)? {
                out.push(v);
            }
        }
        if out.is_empty() {
            return Ok(None);
        }
        self.one_primary(&mut out, path)?;
        Ok(Some(Value::Array(out)))
    }

    /// At most one value may be primary: strict refuses more, lenient keeps the first.
    pub fn one_primary(&self, values: &mut [Value], path: &dyn fmt::Display) -> Result<(), ScimError> {
        let mut seen = false;
        for v in values.iter_mut() {
            if v.get("primary") == Some(&Value::Bool(true)) {
                if seen {
                    if !self.lenient {
                        return Err(invalid_value(format!("more than one value of \"{path}\" is primary")));
                    }
                    v["primary"] = Value::Bool(false);
                }
                seen = true;
            }
        }
        Ok(())
    }

    /// One value of an attribute (an element, for a multi-valued one); `None` = unassigned.
    pub fn single(
        &self,
        def: &'static AttributeDef,
        value: &Value,
        path: &dyn fmt::Display,
    ) -> Result<Option<Value>, ScimError> {
        let wrong = |expected: &str| invalid_value(format!("\"{path}\" must be {expected}, not {value}"));
        match (def.ty, value) {
            (_, Value::Null) => Ok(None),
            (AttrType::Complex, Value::Object(object)) => {
                let normalized = self.sub_attributes(def.sub_attributes, object, path)?;
                Ok(normalized.filter(|o| !(self.lenient && is_blank_reference(o))).map(Value::Object))
            }
            // Entra sets `manager` to a bare id string; OneLogin templates do the same.
            (AttrType::Complex, Value::String(s)) if self.lenient && def.sub("value").is_some() => {
                Ok((!s.is_empty()).then(|| serde_json::json!({ "value": s })))
            }
            (AttrType::Complex, _) => Err(wrong("an object")),
            (AttrType::Boolean, Value::Bool(b)) => Ok(Some(Value::Bool(*b))),
            (AttrType::Boolean, Value::String(s)) if self.lenient && s.eq_ignore_ascii_case("true") => {
                Ok(Some(Value::Bool(true)))
            }
            (AttrType::Boolean, Value::String(s)) if self.lenient && s.eq_ignore_ascii_case("false") => {
                Ok(Some(Value::Bool(false)))
            }
            (AttrType::Boolean, _) => Err(wrong("true or false")),
            (AttrType::Integer, Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(Some(value.clone())),
            (AttrType::Integer, _) => Err(wrong("an integer")),
            (AttrType::Decimal, Value::Number(_)) => Ok(Some(value.clone())),
            (AttrType::Decimal, _) => Err(wrong("a number")),
            (_, Value::String(s)) if s.is_empty() && self.lenient => Ok(None),
            (AttrType::DateTime, Value::String(s)) => match OffsetDateTime::parse(s, &Rfc3339) {
                Ok(_) => Ok(Some(value.clone())),
                Err(_) => Err(wrong("an RFC 3339 date-time")),
            },
            (_, Value::String(_)) => Ok(Some(value.clone())),
            (_, Value::Number(n)) if self.lenient => Ok(Some(Value::String(n.to_string()))),
            _ => Err(wrong("a string")),
        }
    }
}

/// Lenient mode ignores schema URIs it does not know (Entra's ADSCIM URI, OneLogin's SCIM 1.0
/// one), but a schema of another resource type is a client mistake (a User sent to `/Groups`)
/// that would otherwise create the wrong kind of resource from the attributes the two share.
fn refuse_foreign_schemas(rt: &'static ResourceType, input: &Map<String, Value>) -> Result<(), ScimError> {
    let schemas = input.iter().filter(|(k, _)| k.eq_ignore_ascii_case("schemas")).filter_map(|(_, v)| v.as_array());
    for urn in schemas.flatten().filter_map(Value::as_str) {
        if rt.schema(urn).is_none()
            && let Some(other) = schema_by_urn(urn)
        {
            return Err(invalid_value(format!(
                "\"schemas\" lists {}, which is not a {} schema; send {} resources to their own endpoint",
                other.id, rt.name, other.name
            )));
        }
    }
    Ok(())
}

/// `parent.name`, formatted only when an error message needs it.
struct Dotted<'a>(&'a dyn fmt::Display, &'a str);

impl fmt::Display for Dotted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.0, self.1)
    }
}

/// `{"value": ""}` (after dropping other blanks) means "unassigned" for Entra's manager.
fn is_blank_reference(object: &Map<String, Value>) -> bool {
    object.len() == 1 && object.get("value").is_some_and(|v| v.as_str() == Some(""))
}

fn insert_once(doc: &mut Map<String, Value>, name: &str, value: Value) -> Result<(), ScimError> {
    if doc.insert(name.to_owned(), value).is_some() {
        return Err(invalid_syntax(format!("attribute \"{name}\" is given twice (names ignore case)")));
    }
    Ok(())
}

/// The object at `doc[name]`, created if missing (a non-object there is replaced).
fn nested<'a>(doc: &'a mut Map<String, Value>, name: &str) -> &'a mut Map<String, Value> {
    let slot = doc.entry(name.to_owned()).or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut().expect("just made an object")
}

/// The attributes that name a resource to people and to other systems: shown in admin
/// consoles and audit logs, written to log lines, matched by filters. A control character in
/// one (an ESC starting a terminal sequence, a newline forging a log line, a NUL cutting a C
/// string) is never a real name, so it is refused rather than stored. Other attributes keep
/// them (a multi-line `addresses.formatted` is valid).
const NAMING_ATTRIBUTES: [&str; 3] = ["userName", "externalId", "displayName"];

/// Whether `text` holds a C0 control character (U+0000–U+001F) or DEL (U+007F). Bytes suffice:
/// in UTF-8 every byte of a multi-byte character is 0x80 or above.
fn has_control_character(text: &str) -> bool {
    text.bytes().any(|b| b < 0x20 || b == 0x7f)
}

/// The last checks of every document about to be stored, whether it came whole (POST, PUT)
/// or from a PATCH: members settled by identity, no control character in a naming
/// attribute, and the key attribute (`userName`, `displayName`) present.
pub(crate) fn settle_document(rt: &ResourceType, doc: &mut Map<String, Value>) -> Result<(), ScimError> {
    settle_identities(rt, doc)?;
    // Before the key check, so that a userName of only "\n" is refused for what it holds.
    for name in NAMING_ATTRIBUTES {
        if doc.get(name).and_then(Value::as_str).is_some_and(has_control_character) {
            return Err(invalid_value(format!("{name} must not contain control characters (U+0000–U+001F, U+007F)")));
        }
    }
    if key_of(rt, doc).is_none() {
        return Err(invalid_value(format!("{} is required and must be a non-empty string", rt.key_attribute)));
    }
    Ok(())
}

/// Every value of a multi-valued attribute with an identity (a Group's `members`, by `value`)
/// must carry it, and carry it once. A member without a `value` names nothing: it could never
/// be removed by `members[value eq …]`, nor stored by a host that keeps members by id. A
/// repeated identity is merged into its first value, as a PATCH add merges it.
fn settle_identities(rt: &ResourceType, doc: &mut Map<String, Value>) -> Result<(), ScimError> {
    for def in rt.core().attributes.iter().filter(|d| d.multi_valued) {
        let Some(key) = def.identity else { continue };
        let Some(Value::Array(items)) = doc.get_mut(def.name) else { continue };
        let mut first: HashMap<&str, usize> = HashMap::with_capacity(items.len());
        let mut repeats = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let Some(id) = item.get(key).and_then(Value::as_str).filter(|s| !s.is_empty()) else {
                return Err(invalid_value(format!("every value of \"{}\" needs a \"{key}\"", def.name)));
            };
            match first.get(id) {
                Some(&j) => repeats.push((i, j)),
                None => {
                    first.insert(id, i);
                }
            }
        }
        for &(i, j) in &repeats {
            if let (Value::Object(later), Value::Object(earlier)) = (std::mem::take(&mut items[i]), &mut items[j]) {
                earlier.extend(later);
            }
        }
        if !repeats.is_empty() {
            items.retain(|v| !v.is_null());
        }
    }
    Ok(())
}

/// The non-empty userName of a stored User document.
pub(crate) fn user_name_of(doc: &Map<String, Value>) -> Option<&str> {
    key_of(&USER, doc)
}

/// The non-empty key attribute (`userName`, `displayName`) of a stored document.
pub(crate) fn key_of<'d>(rt: &ResourceType, doc: &'d Map<String, Value>) -> Option<&'d str> {
    doc.get(rt.key_attribute).and_then(Value::as_str).filter(|s| !s.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{CORE_USER_URN, ENTERPRISE_USER_URN};
    use serde_json::json;

    const LENIENT: Normalizer = Normalizer { lenient: true };
    const STRICT: Normalizer = Normalizer { lenient: false };

    #[test]
    fn entra_create_payload_normalises() {
        let input = json!({
            "schemas": [CORE_USER_URN, ENTERPRISE_USER_URN, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/User"],
            "externalId": "jdoe", "UserName": "jdoe@contoso.com", "active": "True",
            "emails": [{"Primary": "true", "type": "work", "value": "jdoe@contoso.com"}],
            "meta": {"resourceType": "User"}, "id": "client-chosen",
            "name": {"formatted": "John Doe", "familyName": "Doe", "givenName": "John"},
            "roles": [], "title": null, "addresses": null, "password": "secret",
            ENTERPRISE_USER_URN: {"manager": "boss-id", "department": "", "employeeNumber": 42}
        });
        let (doc, active) = LENIENT.user(&input).unwrap();
        assert_eq!(active, Some(true));
        assert_eq!(
            Value::Object(doc),
            json!({
                "externalId": "jdoe", "userName": "jdoe@contoso.com",
                "name": {"formatted": "John Doe", "familyName": "Doe", "givenName": "John"},
                "emails": [{"value": "jdoe@contoso.com", "type": "work", "primary": true}],
                ENTERPRISE_USER_URN: {"employeeNumber": "42", "manager": {"value": "boss-id"}}
            })
        );
        assert!(STRICT.user(&input).is_err(), "strict refuses the ADSCIM schema and string booleans");
    }

    #[test]
    fn strict_mode_refuses_each_deviation() {
        let base = json!({"schemas": [CORE_USER_URN], "userName": "a"});
        assert!(STRICT.user(&base).is_ok());
        let with = |k: &str, v: Value| {
            let mut b = base.clone();
            b[k] = v;
            STRICT.user(&b).map(|_| ()).map_err(|e| e.code().as_str())
        };
        assert_eq!(with("active", json!("True")), Err("invalid_value"));
        assert_eq!(with("adreses", json!([])), Err("invalid_value"));
        assert_eq!(with("emails", json!({"value": "x"})), Err("invalid_value"));
        assert_eq!(
            with("emails", json!([{"value": "a", "primary": true}, {"value": "b", "primary": true}])),
            Err("invalid_value")
        );
        assert_eq!(with("emails", json!([{"value": "a", "kind": "x"}])), Err("invalid_value"));
        assert_eq!(with("schemas", json!(["urn:x"])), Err("invalid_value"));
        assert_eq!(with("schemas", json!([ENTERPRISE_USER_URN])), Err("invalid_value"));
        assert_eq!(with("title", json!(5)), Err("invalid_value"));
        assert_eq!(with("password", json!("x")), Ok(()), "password is always accepted and dropped");
        assert!(STRICT.user(&json!({"userName": "a"})).is_err(), "schemas required");
    }

    #[test]
    fn lenient_mode_repairs_what_it_can() {
        let (doc, _) = LENIENT
            .user(&json!({
                "userName": "a",
                "emails": {"value": "single@x"},
                "phoneNumbers": [{"value": "1", "primary": true}, {"value": "2", "primary": true}],
                "nickName": "",
                "adreses": [{"street": "x"}]
            }))
            .unwrap();
        assert_eq!(doc["emails"], json!([{"value": "single@x"}]));
        assert_eq!(doc["phoneNumbers"], json!([{"value": "1", "primary": true}, {"value": "2", "primary": false}]));
        assert!(!doc.contains_key("nickName"));
        assert!(!doc.contains_key("adreses"));
    }

    #[test]
    fn user_name_is_required_and_case_duplicates_refused() {
        for bad in [json!({}), json!({"userName": ""}), json!({"userName": "  "}), json!({"userName": null}), json!([])]
        {
            assert!(LENIENT.user(&bad).is_err(), "{bad}");
        }
        assert!(STRICT.user(&json!({"schemas": [CORE_USER_URN], "userName": 5})).is_err());
        assert_eq!(LENIENT.user(&json!({"userName": 5})).unwrap().0["userName"], "5", "OneLogin renders numbers");
        let err = LENIENT.user(&json!({"userName": "a", "USERNAME": "b"})).unwrap_err();
        assert_eq!(err.code().as_str(), "invalid_syntax");
    }

    #[test]
    fn flattened_keys_are_folded_in_leniently() {
        let input = json!({
            "userName": "a",
            "name.givenName": "Ann",
            "name": {"familyName": "Lee"},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Retail",
            ENTERPRISE_USER_URN: {"costCenter": "7"}
        });
        let (doc, _) = LENIENT.user(&input).unwrap();
        assert_eq!(doc["name"], json!({"givenName": "Ann", "familyName": "Lee"}));
        assert_eq!(doc[ENTERPRISE_USER_URN], json!({"department": "Retail", "costCenter": "7"}));
        let twice = json!({"userName": "a", "name.givenName": "Ann", "name": {"givenName": "Bea"}});
        assert_eq!(LENIENT.user(&twice).unwrap_err().code().as_str(), "invalid_syntax");
        let mut strict = input.clone();
        strict["schemas"] = json!([CORE_USER_URN]);
        assert_eq!(STRICT.user(&strict).unwrap_err().code().as_str(), "invalid_value");
    }

    #[test]
    fn group_members_need_a_value_and_repeats_merge() {
        use crate::schema::{CORE_GROUP_URN, GROUP};
        let group = |members: Value| json!({"schemas": [CORE_GROUP_URN], "displayName": "G", "members": members});
        for n in [LENIENT, STRICT] {
            let (doc, _) = n
                .resource(&GROUP, &group(json!([{"value": "u1"}, {"value": "u2"}, {"value": "u1", "display": "A"}])))
                .unwrap();
            assert_eq!(doc["members"], json!([{"value": "u1", "display": "A"}, {"value": "u2"}]));
            let err = n.resource(&GROUP, &group(json!([{"value": "u1"}, {"display": "B"}]))).unwrap_err();
            assert_eq!(err.code().as_str(), "invalid_value");
        }
        assert!(STRICT.resource(&GROUP, &group(json!([{"value": ""}]))).is_err());
        let (doc, _) = LENIENT.resource(&GROUP, &group(json!([{"value": ""}]))).unwrap();
        assert!(!doc.contains_key("members"), "lenient: a blank member is unassigned");
    }

    #[test]
    fn lenient_mode_refuses_another_resource_types_schema() {
        use crate::schema::{CORE_GROUP_URN, GROUP};
        let adscim = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";
        assert!(LENIENT.resource(&GROUP, &json!({"schemas": [CORE_GROUP_URN, adscim], "displayName": "G"})).is_ok());
        assert!(LENIENT.resource(&GROUP, &json!({"schemas": "junk", "displayName": "G"})).is_ok());
        for wrong in [CORE_USER_URN, ENTERPRISE_USER_URN] {
            let err = LENIENT.resource(&GROUP, &json!({"Schemas": [wrong], "displayName": "G"})).unwrap_err();
            assert_eq!(err.code().as_str(), "invalid_value", "{wrong}");
        }
        let err = LENIENT.user(&json!({"schemas": [CORE_USER_URN, CORE_GROUP_URN], "userName": "a"})).unwrap_err();
        assert_eq!(err.code().as_str(), "invalid_value");
    }

    #[test]
    fn control_characters_are_refused_in_naming_attributes_only() {
        use crate::schema::{CORE_GROUP_URN, GROUP};
        for n in [LENIENT, STRICT] {
            for attr in ["userName", "externalId", "displayName"] {
                for bad in ["a\u{1b}[31m", "a\u{7}", "a\nb", "a\u{0}", "a\u{7f}", "\n", "\t"] {
                    let mut user = json!({"schemas": [CORE_USER_URN], "userName": "a"});
                    user[attr] = json!(bad);
                    let err = n.user(&user).unwrap_err();
                    assert_eq!(err.code().as_str(), "invalid_value", "{attr}: {bad:?}");
                    assert_eq!(
                        err.detail(),
                        format!("{attr} must not contain control characters (U+0000–U+001F, U+007F)")
                    );
                }
            }
            for attr in ["displayName", "externalId"] {
                let mut group = json!({"schemas": [CORE_GROUP_URN], "displayName": "G"});
                group[attr] = json!("G\u{1b}");
                let err = n.resource(&GROUP, &group).unwrap_err();
                assert!(err.detail().starts_with(attr), "{}", err.detail());
            }
            let fine = json!({
                "schemas": [CORE_USER_URN], "userName": "José 日本\u{a0}", "displayName": "Zoë",
                "addresses": [{"formatted": "1 Main St\nSpringfield"}], "title": "tab\there"
            });
            let (doc, _) = n.user(&fine).unwrap();
            assert_eq!(doc["addresses"][0]["formatted"], "1 Main St\nSpringfield");
        }
    }

    #[test]
    fn types_are_checked() {
        let ok = |v: Value| {
            LENIENT
                .user(&json!({"userName": "a", "meta": {}, "x509Certificates": [{"value": "AA=="}], "active": v}))
                .is_ok()
        };
        assert!(ok(json!(false)));
        assert!(ok(json!("FALSE")));
        assert!(!ok(json!("no")));
        assert!(!ok(json!(0)));
        assert!(LENIENT.user(&json!({"userName": "a", "name": "John"})).is_err());
        assert!(LENIENT.user(&json!({"userName": "a", ENTERPRISE_USER_URN: "x"})).is_err());
        let (doc, _) =
            LENIENT.user(&json!({"userName": "a", ENTERPRISE_USER_URN: {"manager": {"value": ""}}})).unwrap();
        assert!(!doc.contains_key(ENTERPRISE_USER_URN), "blank manager is unassigned");
    }
}
