//! `attributes` and `excludedAttributes` (RFC 7644 §3.9, §3.4.2.5): which attributes a
//! response carries. `id` and `schemas` are `returned: always` and survive both.

use serde_json::{Map, Value};

use crate::error::ErrorCode;
use crate::query::path::{Resolved, resolve_in};
use crate::schema::ResourceType;
use crate::scim::error::ScimError;

/// One selected attribute: its key in the rendered resource (top level or inside an
/// extension object) and optionally one sub-attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Selector {
    extension: Option<&'static str>,
    name: Option<&'static str>,
    sub: Option<&'static str>,
}

/// A parsed projection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Projection {
    include: Option<Vec<Selector>>,
    exclude: Vec<Selector>,
}

impl Projection {
    /// Parse the two lists (each comma-separated, or already split). In lenient mode a value
    /// filter in a name (`emails[type eq "work"]`, sent by Microsoft's test collection) selects
    /// the whole attribute, and unknown names are ignored.
    pub fn parse(
        rt: &'static ResourceType,
        attributes: &[&str],
        excluded: &[&str],
        lenient: bool,
        max_paths: usize,
    ) -> Result<Projection, ScimError> {
        let split = |list: &[&str]| -> Vec<String> {
            list.iter().flat_map(|l| l.split(',')).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
        };
        let (inc, exc) = (split(attributes), split(excluded));
        if inc.len() + exc.len() > max_paths {
            return Err(ScimError::new(
                ErrorCode::InvalidValue,
                format!(
                    "attributes and excludedAttributes name {} paths; the limit is {max_paths}",
                    inc.len() + exc.len()
                ),
            ));
        }
        let selectors = |names: Vec<String>| -> Result<Vec<Selector>, ScimError> {
            let mut out = Vec::new();
            for name in names {
                match selector(rt, &name, lenient)? {
                    Some(s) => out.push(s),
                    None => continue,
                }
            }
            Ok(out)
        };
        let include = if inc.is_empty() { None } else { Some(selectors(inc)?) };
        Ok(Projection { include, exclude: selectors(exc)? })
    }

    /// Whether the projection changes nothing.
    pub fn is_identity(&self) -> bool {
        self.include.is_none() && self.exclude.is_empty()
    }

    /// Apply to a rendered resource.
    pub fn apply(&self, resource: Map<String, Value>) -> Map<String, Value> {
        let mut resource = resource;
        if let Some(include) = &self.include {
            resource = keep(resource, include);
        }
        for sel in &self.exclude {
            remove(&mut resource, sel);
        }
        resource
    }
}

fn selector(rt: &'static ResourceType, name: &str, lenient: bool) -> Result<Option<Selector>, ScimError> {
    let bare = match name.find('[') {
        Some(i) if lenient => {
            let rest = name[i..].rfind(']').map(|j| &name[i + j + 1..]).unwrap_or("");
            format!("{}{rest}", &name[..i])
        }
        _ => name.to_owned(),
    };
    match resolve_in(rt, &bare) {
        Ok(Resolved::Extension(s)) => Ok(Some(Selector { extension: Some(s.id), name: None, sub: None })),
        Ok(Resolved::Attr(a)) => Ok(Some(Selector {
            extension: a.in_extension().then_some(a.schema.id),
            name: Some(a.attr.name),
            sub: a.sub.map(|s| s.name),
        })),
        Err(_) if lenient => Ok(None),
        Err(e) => Err(ScimError::new(ErrorCode::InvalidPath, format!("in attributes/excludedAttributes: {e}"))),
    }
}

const ALWAYS: [&str; 2] = ["schemas", "id"];

fn keep(mut resource: Map<String, Value>, include: &[Selector]) -> Map<String, Value> {
    let mut out = Map::new();
    for key in ALWAYS {
        if let Some(v) = resource.remove(key) {
            out.insert(key.to_owned(), v);
        }
    }
    for (key, value) in resource {
        let top: Vec<&Selector> =
            include.iter().filter(|s| s.extension.is_none() && s.name == Some(key.as_str())).collect();
        let ext: Vec<&Selector> = include.iter().filter(|s| s.extension == Some(key.as_str())).collect();
        let kept = if !top.is_empty() {
            narrow(value, top.iter().map(|s| s.sub).collect())
        } else if ext.iter().any(|s| s.name.is_none()) {
            Some(value)
        } else if !ext.is_empty() {
            match value {
                Value::Object(inner) => {
                    let mut kept = Map::new();
                    for (k, v) in inner {
                        let subs: Vec<_> = ext.iter().filter(|s| s.name == Some(k.as_str())).map(|s| s.sub).collect();
                        if !subs.is_empty()
                            && let Some(v) = narrow(v, subs)
                        {
                            kept.insert(k, v);
                        }
                    }
                    (!kept.is_empty()).then_some(Value::Object(kept))
                }
                _ => None,
            }
        } else {
            None
        };
        if let Some(v) = kept {
            out.insert(key, v);
        }
    }
    out
}

/// Keep only the listed sub-attributes (all of them if any selector names the whole attribute).
fn narrow(value: Value, subs: Vec<Option<&'static str>>) -> Option<Value> {
    if subs.contains(&None) {
        return Some(value);
    }
    let pick = |v: Value| match v {
        Value::Object(o) => {
            let kept: Map<String, Value> = o.into_iter().filter(|(k, _)| subs.contains(&Some(k.as_str()))).collect();
            (!kept.is_empty()).then_some(Value::Object(kept))
        }
        _ => None,
    };
    match value {
        Value::Array(items) => {
            let kept: Vec<Value> = items.into_iter().filter_map(pick).collect();
            (!kept.is_empty()).then_some(Value::Array(kept))
        }
        other => pick(other),
    }
}

fn remove(resource: &mut Map<String, Value>, sel: &Selector) {
    let container = match sel.extension {
        None => Some(&mut *resource),
        Some(ext) if sel.name.is_none() => {
            resource.remove(ext);
            return;
        }
        Some(ext) => resource.get_mut(ext).and_then(Value::as_object_mut),
    };
    let (Some(container), Some(name)) = (container, sel.name) else { return };
    if ALWAYS.contains(&name) && sel.extension.is_none() {
        return;
    }
    match sel.sub {
        None => {
            container.remove(name);
        }
        Some(sub) => {
            if let Some(v) = container.get_mut(name) {
                match v {
                    Value::Array(items) => items.iter_mut().filter_map(Value::as_object_mut).for_each(|o| {
                        o.remove(sub);
                    }),
                    Value::Object(o) => {
                        o.remove(sub);
                    }
                    _ => {}
                }
            }
        }
    }
    if let Some(ext) = sel.extension
        && resource.get(ext).and_then(Value::as_object).is_some_and(Map::is_empty)
    {
        resource.remove(ext);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::ENTERPRISE_USER_URN;
    use serde_json::json;

    fn resource() -> Map<String, Value> {
        json!({
            "schemas": ["s"], "id": "1", "userName": "a", "title": "t",
            "name": {"givenName": "A", "familyName": "B"},
            "emails": [{"value": "a@x", "type": "work"}, {"value": "b@x", "type": "home"}],
            "active": true,
            ENTERPRISE_USER_URN: {"department": "D", "manager": {"value": "m", "$ref": "r"}},
            "meta": {"resourceType": "User"}
        })
        .as_object()
        .unwrap()
        .clone()
    }

    fn project(inc: &str, exc: &str) -> Value {
        let p = Projection::parse(&crate::schema::USER, &[inc], &[exc], true, 64).unwrap();
        Value::Object(p.apply(resource()))
    }

    #[test]
    fn attributes_keep_only_what_is_asked_plus_id_and_schemas() {
        assert_eq!(project("userName", ""), json!({"schemas": ["s"], "id": "1", "userName": "a"}));
        assert_eq!(
            project("NAME.givenName, emails.value", ""),
            json!({"schemas": ["s"], "id": "1", "name": {"givenName": "A"}, "emails": [{"value": "a@x"}, {"value": "b@x"}]})
        );
        assert_eq!(
            project(&format!("{ENTERPRISE_USER_URN}:manager.value"), ""),
            json!({"schemas": ["s"], "id": "1", ENTERPRISE_USER_URN: {"manager": {"value": "m"}}})
        );
        assert_eq!(
            project(ENTERPRISE_USER_URN, ""),
            json!({"schemas": ["s"], "id": "1", ENTERPRISE_USER_URN: {"department": "D", "manager": {"value": "m", "$ref": "r"}}})
        );
        assert_eq!(project("meta.resourceType", "")["meta"], json!({"resourceType": "User"}));
    }

    #[test]
    fn excluded_attributes_remove_but_never_id_or_schemas() {
        let v = project("", "emails, id, schemas, name.familyName");
        assert!(v.get("emails").is_none());
        assert_eq!(v["id"], "1");
        assert_eq!(v["schemas"], json!(["s"]));
        assert_eq!(v["name"], json!({"givenName": "A"}));
        let v = project("", &format!("{ENTERPRISE_USER_URN}:department,{ENTERPRISE_USER_URN}:manager"));
        assert!(v.get(ENTERPRISE_USER_URN).is_none(), "an emptied extension disappears");
    }

    #[test]
    fn filters_in_names_are_lenient_only_and_unknown_names_strict_only() {
        let v = project(r#"emails[type eq "work"]"#, "");
        assert_eq!(v["emails"].as_array().unwrap().len(), 2);
        assert!(Projection::parse(&crate::schema::USER, &[r#"emails[type eq "work"]"#], &[], false, 64).is_err());
        assert!(Projection::parse(&crate::schema::USER, &["nope"], &[], false, 64).is_err());
        assert!(
            Projection::parse(&crate::schema::USER, &["nope"], &[], true, 64)
                .unwrap()
                .apply(resource())
                .contains_key("id")
        );
        assert!(Projection::parse(&crate::schema::USER, &["a,b,c"], &["d"], true, 3).is_err());
    }
}
