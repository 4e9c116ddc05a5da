//! Strict JSON input: the only way request bodies enter the core.
//!
//! On top of `serde_json` it refuses duplicate object keys (two parsers that keep different
//! duplicates are a classic smuggling vector) and nesting beyond a limit, in the same single
//! pass that builds the value, so a hostile body costs no more than its size.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Why a body was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonError {
    /// Not JSON (or not UTF-8, or trailing data).
    #[error("the body is not valid JSON: {0}")]
    Syntax(String),
    /// Nested deeper than the limit.
    #[error("the body nests objects and arrays deeper than {limit} levels")]
    TooDeep {
        /// The configured limit.
        limit: usize,
    },
    /// The same key twice in one object.
    #[error("the key {0:?} appears twice in one object")]
    DuplicateKey(String),
}

/// Parse `bytes` as one JSON value, nested at most `max_depth` containers deep, with no object
/// repeating a key.
pub fn parse_strict(bytes: &[u8], max_depth: usize) -> Result<Value, JsonError> {
    let violation = Cell::new(None);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let seed = Strict { depth_left: max_depth, limit: max_depth, violation: &violation };
    let result = seed.deserialize(&mut de).and_then(|v| de.end().map(|()| v));
    match result {
        Ok(value) => Ok(value),
        Err(e) => Err(violation.take().unwrap_or_else(|| JsonError::Syntax(e.to_string()))),
    }
}

#[derive(Clone, Copy)]
struct Strict<'a> {
    depth_left: usize,
    limit: usize,
    violation: &'a Cell<Option<JsonError>>,
}

impl Strict<'_> {
    fn nested<E: de::Error>(self) -> Result<Self, E> {
        if self.depth_left == 0 {
            self.violation.set(Some(JsonError::TooDeep { limit: self.limit }));
            return Err(E::custom("too deep"));
        }
        Ok(Strict { depth_left: self.depth_left - 1, ..self })
    }
}

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v).map(Value::Number).ok_or_else(|| E::custom("number out of range"))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let inner = self.nested()?;
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(inner)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let inner = self.nested()?;
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(inner)?;
            match out.entry(key) {
                serde_json::map::Entry::Vacant(slot) => {
                    slot.insert(value);
                }
                serde_json::map::Entry::Occupied(slot) => {
                    self.violation.set(Some(JsonError::DuplicateKey(slot.key().clone())));
                    return Err(de::Error::custom("duplicate key"));
                }
            }
        }
        Ok(Value::Object(out))
    }
}

/// How deeply `value` nests containers (a scalar is 0, `{}` is 1).
pub fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_ordinary_json_like_serde_json() {
        let text = br#"{"a":[1,-2,3.5,true,null,"x\u00e9"],"b":{"c":{}}}"#;
        assert_eq!(parse_strict(text, 8).unwrap(), serde_json::from_slice::<Value>(text).unwrap());
        assert_eq!(parse_strict(b" 12 ", 0).unwrap(), json!(12));
    }

    #[test]
    fn depth_limit_is_exact() {
        let nest = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(parse_strict(nest(4).as_bytes(), 4).is_ok());
        assert_eq!(parse_strict(nest(5).as_bytes(), 4), Err(JsonError::TooDeep { limit: 4 }));
        let objects = r#"{"a":{"b":{"c":1}}}"#;
        assert!(parse_strict(objects.as_bytes(), 3).is_ok());
        assert_eq!(parse_strict(objects.as_bytes(), 2), Err(JsonError::TooDeep { limit: 2 }));
        assert_eq!(depth(&parse_strict(objects.as_bytes(), 3).unwrap()), 3);
    }

    #[test]
    fn deep_hostile_input_is_refused_without_stack_overflow() {
        let text = "[".repeat(1_000_000);
        assert_eq!(parse_strict(text.as_bytes(), 32), Err(JsonError::TooDeep { limit: 32 }));
    }

    #[test]
    fn duplicate_keys_are_refused_at_any_level() {
        assert_eq!(parse_strict(br#"{"a":1,"a":2}"#, 8), Err(JsonError::DuplicateKey("a".into())));
        assert_eq!(parse_strict(br#"{"x":[{"k":1,"k":1}]}"#, 8), Err(JsonError::DuplicateKey("k".into())));
        assert!(parse_strict(br#"{"a":1,"A":2}"#, 8).is_ok(), "JSON keys are case-sensitive");
    }

    #[test]
    fn junk_invalid_utf8_and_trailing_data_are_syntax_errors() {
        for bad in [&b"{"[..], b"{\"a\":}", b"\xff\xfe", b"{\"a\":\"\xc3\x28\"}", b"{} {}", b"", b"NaN"] {
            assert!(matches!(parse_strict(bad, 8), Err(JsonError::Syntax(_))), "{bad:?}");
        }
    }
}
