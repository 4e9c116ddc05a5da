//! Key case of the wire form: snake_case (the serde form; C and Python) or camelCase (Node).

use serde_json::{Map, Value};

/// Keys whose values are data, never recased: SCIM documents (`resource`), SAML attribute
/// names (`attributes`) and the filter AST (`filter_ast`), whose keys are SCIM's own.
const OPAQUE: &[&str] = &["resource", "attributes", "filter_ast", "filterAst"];

/// How object keys are spelled on the wire to and from the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyCase {
    /// `user_name`, `start_index` (the serde form of the core's types).
    #[default]
    Snake,
    /// `userName`, `startIndex`. Answers may use either spelling: snake_case keys pass as
    /// they are.
    Camel,
}

impl KeyCase {
    /// Spell the keys of `value` (recursively, but never inside opaque data) for the host.
    pub fn to_host(self, value: Value) -> Value {
        match self {
            KeyCase::Snake => value,
            KeyCase::Camel => recase(value, &snake_to_camel),
        }
    }

    /// Spell the keys of a host's `value` as the core's serde form expects.
    pub fn from_host(self, value: Value) -> Value {
        match self {
            KeyCase::Snake => value,
            KeyCase::Camel => recase(value, &camel_to_snake),
        }
    }

    /// One key as the host spells it (method names, error fields).
    pub fn key(self, snake: &str) -> String {
        match self {
            KeyCase::Snake => snake.to_owned(),
            KeyCase::Camel => snake_to_camel(snake),
        }
    }

    /// One key of the host's spelling as the core's serde form names it (the inverse of
    /// [`KeyCase::key`]): what a binding quotes when it names a field the core refused.
    pub fn core_key(self, host: &str) -> String {
        match self {
            KeyCase::Snake => host.to_owned(),
            KeyCase::Camel => camel_to_snake(host),
        }
    }
}

fn recase(value: Value, rename: &dyn Fn(&str) -> String) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::with_capacity(map.len());
            for (key, inner) in map {
                let opaque = OPAQUE.contains(&key.as_str());
                let inner = if opaque { inner } else { recase(inner, rename) };
                out.insert(rename(&key), inner);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(|v| recase(v, rename)).collect()),
        other => other,
    }
}

fn snake_to_camel(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn camel_to_snake(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn one_key_goes_to_the_host_and_back() {
        for snake in ["max_response_bytes", "xml_limits", "id"] {
            assert_eq!(KeyCase::Camel.core_key(&KeyCase::Camel.key(snake)), snake);
            assert_eq!(KeyCase::Snake.core_key(snake), snake);
        }
        assert_eq!(KeyCase::Camel.core_key("maxNamespaceUriBytes"), "max_namespace_uri_bytes");
    }

    #[test]
    fn keys_recase_both_ways_except_inside_data() {
        let wire = json!({
            "user_name": "a", "last_modified": "t", "id": "1",
            "resource": {"userName": "a", "name": {"given_name": "kept"}},
            "attributes": {"given_name": ["kept"]},
            "users": [{"workspace_id": "w"}],
            "sort": {"attribute": "name.familyName", "descending": false}
        });
        let camel = KeyCase::Camel.to_host(wire.clone());
        assert_eq!(
            camel,
            json!({
                "userName": "a", "lastModified": "t", "id": "1",
                "resource": {"userName": "a", "name": {"given_name": "kept"}},
                "attributes": {"given_name": ["kept"]},
                "users": [{"workspaceId": "w"}],
                "sort": {"attribute": "name.familyName", "descending": false}
            })
        );
        assert_eq!(KeyCase::Camel.from_host(camel), wire);
        assert_eq!(KeyCase::Camel.from_host(wire.clone()), wire, "snake_case answers pass as they are");
        assert_eq!(KeyCase::Snake.to_host(wire.clone()), wire);
        assert_eq!(KeyCase::Camel.key("find_group_by_display_name"), "findGroupByDisplayName");
    }
}
