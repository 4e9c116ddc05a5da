//! Whether a JSON value the core really produced has the declared shape, in a binding's key
//! case: every key declared, every required key present, every value of its declared type.
//! It keeps the declarations honest where the core builds a value with `json!` and where the
//! generator reads serde's attributes itself.

use serde_json::Value;

use crate::model::{Field, Shape, Ty};
use crate::{Binding, Model};

/// Check `value` (as `binding`'s hosts see it) against the declaration `rust`.
pub fn check(model: &Model, rust: &str, value: &Value, binding: Binding) -> Result<(), String> {
    conforms(model, &Ty::Named(rust.to_owned()), value, binding, false, rust)
}

/// Check `value` against any wire type (`at` names it in the message).
pub fn check_ty(model: &Model, ty: &Ty, value: &Value, binding: Binding, at: &str) -> Result<(), String> {
    conforms(model, ty, value, binding, false, at)
}

fn conforms(model: &Model, ty: &Ty, v: &Value, binding: Binding, filled: bool, at: &str) -> Result<(), String> {
    let fail = |want: &str| Err(format!("{at}: expected {want}, found {v}"));
    match ty {
        Ty::Str | Ty::ErrorCode => {
            if v.is_string() {
                Ok(())
            } else {
                fail("a string")
            }
        }
        Ty::Int => {
            if v.is_u64() || v.is_i64() {
                Ok(())
            } else {
                fail("an integer")
            }
        }
        Ty::Float => {
            if v.is_number() {
                Ok(())
            } else {
                fail("a number")
            }
        }
        Ty::Bool => {
            if v.is_boolean() {
                Ok(())
            } else {
                fail("a boolean")
            }
        }
        Ty::Null => {
            if v.is_null() {
                Ok(())
            } else {
                fail("null")
            }
        }
        Ty::Json | Ty::Unknown => Ok(()),
        Ty::Bytes | Ty::Instant | Ty::Undefined => fail("no JSON value (a host-only type)"),
        Ty::Option(t) | Ty::Stored(t) => {
            if v.is_null() {
                Ok(())
            } else {
                conforms(model, t, v, binding, false, at)
            }
        }
        Ty::OneOrMany(t) => match v {
            Value::Array(items) => each(model, t, items, binding, at),
            _ => conforms(model, t, v, binding, false, at),
        },
        Ty::List(t) => match v {
            Value::Array(items) => each(model, t, items, binding, at),
            _ => fail("an array"),
        },
        Ty::Tuple(ts) => match v {
            Value::Array(items) if items.len() == ts.len() => {
                ts.iter().zip(items).try_for_each(|(t, v)| conforms(model, t, v, binding, false, at))
            }
            _ => fail("a fixed-length array"),
        },
        Ty::Map(t) => match v {
            Value::Object(map) => {
                map.iter().try_for_each(|(k, v)| conforms(model, t, v, binding, false, &format!("{at}[{k}]")))
            }
            _ => fail("an object"),
        },
        Ty::Filled(t) => conforms(model, t, v, binding, true, at),
        Ty::Named(rust) => match &model.decl(rust).shape {
            Shape::Object(fields) => object(model, rust, fields, v, binding, filled, at, None),
            Shape::Literals(values) => match v {
                Value::String(s) if values.contains(s) => Ok(()),
                _ => fail(&format!("one of {values:?}")),
            },
            Shape::Tagged { tag, variants } => {
                let key = model.key(rust, tag, binding);
                let value = v.get(&key).and_then(Value::as_str).unwrap_or_default();
                let variant = variants.iter().find(|x| x.value == value);
                match variant {
                    Some(x) => object(model, rust, &x.fields, v, binding, filled, at, Some(&key)),
                    None => fail(&format!("`{key}` naming a variant")),
                }
            }
            Shape::Union(ts) => {
                if ts.iter().any(|t| conforms(model, t, v, binding, false, at).is_ok()) {
                    Ok(())
                } else {
                    fail(&format!("a {rust}"))
                }
            }
            Shape::Alias(t) => conforms(model, t, v, binding, filled, at),
        },
    }
}

fn each(model: &Model, t: &Ty, items: &[Value], binding: Binding, at: &str) -> Result<(), String> {
    items.iter().enumerate().try_for_each(|(i, v)| conforms(model, t, v, binding, false, &format!("{at}[{i}]")))
}

#[allow(clippy::too_many_arguments)]
fn object(
    model: &Model,
    owner: &str,
    fields: &[Field],
    v: &Value,
    binding: Binding,
    filled: bool,
    at: &str,
    tag: Option<&str>,
) -> Result<(), String> {
    let Value::Object(map) = v else { return Err(format!("{at}: expected an object, found {v}")) };
    let keyed: Vec<(String, &Field)> = fields.iter().map(|f| (model.key(owner, &f.name, binding), f)).collect();
    if let Some(extra) = map.keys().find(|k| Some(k.as_str()) != tag && !keyed.iter().any(|(key, _)| key == *k)) {
        return Err(format!("{at}: key `{extra}` is not declared"));
    }
    for (key, f) in keyed {
        match map.get(&key) {
            Some(value) => conforms(model, &f.ty, value, binding, false, &format!("{at}.{key}"))?,
            None if f.optional && !filled => {}
            None => return Err(format!("{at}: required key `{key}` is missing")),
        }
    }
    Ok(())
}
