//! The PatchOp message: `{"schemas":[PatchOp URN], "Operations":[{"op","path","value"}…]}`.

use serde_json::{Map, Value};

use crate::error::ErrorCode;
use crate::query::FilterError;
use crate::query::path::PathError;
use crate::schema::{PATCH_OP_URN, ResourceType};
use crate::scim::config::ScimConfig;
use crate::scim::error::{ScimError, invalid_syntax, invalid_value};
use crate::scim::filter::{PatchPath, parse_patch_path_in};

/// add, remove or replace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpKind {
    Add,
    Remove,
    Replace,
}

/// What an operation's `path` names.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Target {
    /// No path: the value is an object of attributes (add/replace only).
    Whole,
    /// A resolved path.
    Path(PatchPath),
    /// A path naming an attribute no schema has (lenient mode ignores these operations).
    Unknown(String),
}

/// One operation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Operation {
    pub kind: OpKind,
    pub target: Target,
    pub value: Option<Value>,
}

/// Parse and check a PatchOp body; nothing is applied yet.
pub(crate) fn parse_patch(
    rt: &'static ResourceType,
    body: &Value,
    config: &ScimConfig,
) -> Result<Vec<Operation>, ScimError> {
    let lenient = config.profile.lenient();
    let Value::Object(body) = body else { return Err(invalid_syntax("a PATCH body is a PatchOp JSON object")) };
    if !lenient {
        let listed = body
            .get("schemas")
            .and_then(Value::as_array)
            .is_some_and(|s| s.iter().any(|u| u.as_str().is_some_and(|u| u.eq_ignore_ascii_case(PATCH_OP_URN))));
        if !listed {
            return Err(invalid_value(format!("\"schemas\" must list \"{PATCH_OP_URN}\"")));
        }
    }
    let ops = member(body, "Operations", lenient)
        .ok_or_else(|| invalid_value("a PatchOp needs an \"Operations\" array"))?
        .as_array()
        .ok_or_else(|| invalid_syntax("\"Operations\" must be an array"))?;
    if ops.len() > config.limits.max_patch_operations {
        return Err(ScimError::new(
            ErrorCode::TooManyOperations,
            format!("the PATCH has {} operations; the limit is {}", ops.len(), config.limits.max_patch_operations),
        ));
    }
    if ops.is_empty() && !lenient {
        return Err(invalid_value("\"Operations\" must hold at least one operation"));
    }
    ops.iter().enumerate().map(|(i, op)| operation(rt, i, op, config)).collect()
}

/// A member by exact name, or (lenient) ignoring case.
fn member<'a>(object: &'a Map<String, Value>, name: &str, lenient: bool) -> Option<&'a Value> {
    object.get(name).or_else(|| {
        if lenient { object.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v) } else { None }
    })
}

fn operation(rt: &'static ResourceType, index: usize, op: &Value, config: &ScimConfig) -> Result<Operation, ScimError> {
    let lenient = config.profile.lenient();
    let at = |msg: String| format!("Operations[{index}]: {msg}");
    let Value::Object(op) = op else { return Err(invalid_syntax(at("an operation is a JSON object".into()))) };
    let name = member(op, "op", lenient)
        .and_then(Value::as_str)
        .ok_or_else(|| invalid_syntax(at("\"op\" is required".into())))?;
    let matches = |k: &str| if lenient { name.eq_ignore_ascii_case(k) } else { name == k };
    let kind = if matches("add") {
        OpKind::Add
    } else if matches("remove") {
        OpKind::Remove
    } else if matches("replace") {
        OpKind::Replace
    } else {
        return Err(invalid_syntax(at(format!("\"op\" is add, remove or replace, not \"{name}\""))));
    };
    let path = match member(op, "path", lenient) {
        None | Some(Value::Null) => None,
        Some(Value::String(p)) if p.trim().is_empty() && lenient => None,
        Some(Value::String(p)) => Some(p.trim()),
        Some(_) => return Err(invalid_syntax(at("\"path\" must be a string".into()))),
    };
    let value = member(op, "value", lenient).cloned();
    let target = match path {
        None => Target::Whole,
        Some(p) => match parse_patch_path_in(rt, p, config.filter_limits(), config.filter_options()) {
            Ok(path) => Target::Path(path),
            Err(FilterError::Path(
                PathError::UnknownAttribute(_) | PathError::UnknownSchema(_) | PathError::UnknownSubAttribute { .. },
            )) if lenient => Target::Unknown(p.to_owned()),
            Err(e) => return Err(ScimError::new(ErrorCode::InvalidPath, at(format!("path \"{p}\": {e}")))),
        },
    };
    match (kind, &target, &value) {
        (OpKind::Remove, Target::Whole, _) => {
            return Err(ScimError::new(ErrorCode::NoTarget, at("remove needs a \"path\"".into())));
        }
        (OpKind::Add | OpKind::Replace, _, None) => {
            return Err(invalid_value(at(format!("{name} needs a \"value\""))));
        }
        (OpKind::Add | OpKind::Replace, Target::Whole, Some(v)) if !v.is_object() => {
            return Err(invalid_value(at("without a \"path\", the value must be an object of attributes".into())));
        }
        _ => {}
    }
    Ok(Operation { kind, target, value })
}
