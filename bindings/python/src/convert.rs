//! Python objects ↔ the JSON wire form of the bridge, and the small argument types every
//! entry point shares (`now`, SAML input).
//!
//! Our own converter rather than `pythonize`: values a host hands over are untrusted in
//! shape, so this one accepts exactly the JSON types (no sets, bytes, dataclasses or other
//! mappings that would round-trip differently), refuses non-finite floats and non-string keys
//! with a message naming where, and bounds the nesting so a self-referencing host answer is
//! an error instead of a stack overflow.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};
use sso_scim_core::bridge::json::parse_instant;
use time::OffsetDateTime;

use crate::errors::argument_error;

/// Deepest nesting accepted from Python: far above any record, query or settings object
/// (SCIM bodies are capped at 32 levels by default), low enough to stop a cycle.
pub const MAX_DEPTH: usize = 128;

/// Why a Python value is not JSON, with the path to the offending member.
#[derive(Debug)]
pub struct NotJson(pub String);

/// A JSON value as a Python object: `dict`, `list`, `str`, `int`, `float`, `bool`, `None`.
pub fn to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(PyString::new(py, k), to_py(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

/// A Python object as JSON.
pub fn from_py(obj: &Bound<'_, PyAny>) -> Result<Value, NotJson> {
    convert(obj, 0).map_err(|mut e| {
        if e.path.is_empty() {
            NotJson(e.message)
        } else {
            e.path.reverse();
            NotJson(format!("at {}: {}", e.path.concat(), e.message))
        }
    })
}

/// What went wrong, and the path to it, collected innermost first on the way out so the
/// success path builds no strings.
struct Failure {
    path: Vec<String>,
    message: String,
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure { path: Vec::new(), message }
    }
}

/// The Python type name of `obj`, for error messages.
pub fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".to_owned())
}

fn convert(obj: &Bound<'_, PyAny>, depth: usize) -> Result<Value, Failure> {
    if depth > MAX_DEPTH {
        return Err(format!("nested deeper than {MAX_DEPTH} levels (a value that contains itself?)").into());
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_cow().map_err(|e| format!("a str that is not UTF-8: {e}"))?.into_owned()));
    }
    // bool before int: Python's bool is an int subclass.
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(i) = obj.cast::<PyInt>() {
        if let Ok(v) = i.extract::<i64>() {
            return Ok(Value::from(v));
        }
        if let Ok(v) = i.extract::<u64>() {
            return Ok(Value::from(v));
        }
        return Err(format!("the int {i} does not fit in 64 bits").into());
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        let v = f.value();
        return Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| format!("the float {v} is not a JSON number").into());
    }
    if let Ok(dict) = obj.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in dict.iter() {
            let Ok(key) = k.cast::<PyString>() else {
                return Err(format!("a dict key of type {} (JSON object keys are str)", type_name(&k)).into());
            };
            let key = key.to_cow().map_err(|e| format!("a dict key that is not UTF-8: {e}"))?.into_owned();
            match convert(&v, depth + 1) {
                Ok(value) => {
                    map.insert(key, value);
                }
                Err(mut e) => {
                    e.path.push(format!("[{key:?}]"));
                    return Err(e);
                }
            }
        }
        return Ok(Value::Object(map));
    }
    let items: Vec<Bound<'_, PyAny>> = if let Ok(list) = obj.cast::<PyList>() {
        list.iter().collect()
    } else if let Ok(tuple) = obj.cast::<PyTuple>() {
        tuple.iter().collect()
    } else {
        return Err(
            format!("a {} (JSON values are dict, list, tuple, str, int, float, bool or None)", type_name(obj)).into()
        );
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match convert(item, depth + 1) {
            Ok(value) => out.push(value),
            Err(mut e) => {
                e.path.push(format!("[{i}]"));
                return Err(e);
            }
        }
    }
    Ok(Value::Array(out))
}

/// A host-given argument as JSON, or `InvalidArgumentError` naming the argument.
pub fn argument(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Value> {
    from_py(obj).map_err(|NotJson(e)| argument_error(obj.py(), &format!("{name}: {e}")))
}

/// Refuse a settings object (`what`: `"SAML settings"`, `"SCIM settings"`) holding a number
/// that is not a whole number from 0 to 2^64 − 1, naming where: every number setting is a
/// count, a size or seconds, and the core's own message for `-1` would not name the field.
/// (An int past 64 bits is refused earlier, by [`argument`].)
pub fn check_setting_numbers(py: Python<'_>, value: &Value, what: &str) -> PyResult<()> {
    fn find(value: &Value, path: &mut Vec<String>) -> Option<Number> {
        match value {
            Value::Number(n) if n.as_u64().is_none() => Some(n.clone()),
            Value::Array(items) => items.iter().enumerate().find_map(|(i, v)| {
                path.push(format!("[{i}]"));
                let found = find(v, path);
                if found.is_none() {
                    path.pop();
                }
                found
            }),
            Value::Object(map) => map.iter().find_map(|(k, v)| {
                path.push(if path.is_empty() { k.clone() } else { format!(".{k}") });
                let found = find(v, path);
                if found.is_none() {
                    path.pop();
                }
                found
            }),
            _ => None,
        }
    }
    let mut path = Vec::new();
    match find(value, &mut path) {
        Some(n) => Err(crate::errors::error(
            py,
            sso_scim_core::ErrorCode::InvalidSettings,
            &format!("{what}: {} must be a whole number from 0 to {}, got {n}", path.concat(), u64::MAX),
        )),
        None => Ok(()),
    }
}

/// `now`: `None` (the current time), an aware `datetime`, or an RFC 3339 string.
pub fn instant(now: Option<&Bound<'_, PyAny>>) -> PyResult<OffsetDateTime> {
    let Some(now) = now.filter(|n| !n.is_none()) else {
        return Ok(OffsetDateTime::now_utc());
    };
    let py = now.py();
    let text = if let Ok(s) = now.cast::<PyString>() {
        s.to_cow()?.into_owned()
    } else if now.hasattr("utcoffset")? && now.hasattr("isoformat")? {
        if now.call_method0("utcoffset")?.is_none() {
            return Err(argument_error(
                py,
                "now: a naive datetime; pass an aware one (tzinfo set) or an RFC 3339 string",
            ));
        }
        now.call_method0("isoformat")?.extract::<String>()?
    } else {
        return Err(argument_error(
            py,
            &format!("now: expected an aware datetime or an RFC 3339 string, got {}", type_name(now)),
        ));
    };
    parse_instant(&text).map_err(|e| argument_error(py, &format!("now: {}", e.message())))
}

/// A SAMLResponse as given: `str` (the base64 form value or raw XML) or `bytes`.
pub fn saml_input(input: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(s) = input.cast::<PyString>() {
        return Ok(s.to_cow()?.as_bytes().to_vec());
    }
    if let Ok(b) = input.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    Err(argument_error(input.py(), &format!("saml_response: expected str or bytes, got {}", type_name(input))))
}
