//! Filter evaluation for stores that keep users in memory (and for PATCH value selection).
//!
//! Semantics (RFC 7644 §3.4.2.2): a multi-valued attribute matches if any value does;
//! `ne` is the negation of `eq` (so it also matches an absent attribute); `eq null` means
//! "not present". Strings compare case-insensitively unless the attribute is caseExact, using
//! the same folding as [`user_name_key`](crate::user_name_key), so the `userName` filter and
//! the uniqueness check agree.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::{Number, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::path::AttrRef;
use super::{CompValue, CompareOp, Filter};
use crate::model::{GroupRecord, UserRecord, UserState};
use crate::schema::{AttrType, AttributeDef};

/// One value handed to a filter: a JSON value from the document, or a timestamp the record
/// keeps typed.
#[derive(Debug, Clone, Copy)]
pub enum Val<'a> {
    /// A value from the SCIM document.
    Json(&'a Value),
    /// A typed timestamp (`meta.created`, `meta.lastModified`).
    Time(OffsetDateTime),
}

/// Where a filter finds attribute values.
pub trait ValueSource {
    /// Call `visit` with each value of `attr` — each element of a multi-valued attribute,
    /// narrowed to `attr.sub` when set, nulls skipped — until it returns `true`; return whether
    /// it did.
    fn any_value(&self, attr: &AttrRef, visit: &mut dyn FnMut(Val<'_>) -> bool) -> bool;
}

/// The common attributes (`id`, `meta.*`) every resource answers the same way; `None` when
/// `attr` is not one of them.
fn common_value(
    attr: &AttrRef,
    id: &str,
    created: OffsetDateTime,
    last_modified: OffsetDateTime,
    resource_type: &'static str,
    etag: impl FnOnce() -> String,
    visit: &mut dyn FnMut(Val<'_>) -> bool,
) -> Option<bool> {
    if !attr.is_common() {
        return None;
    }
    Some(match (attr.attr.name, attr.sub.map(|s| s.name)) {
        ("id", _) => visit(Val::Json(&Value::from(id))),
        ("meta", Some("created")) => visit(Val::Time(created)),
        ("meta", Some("lastModified")) => visit(Val::Time(last_modified)),
        ("meta", Some("resourceType")) | ("meta", None) => visit(Val::Json(&Value::from(resource_type))),
        ("meta", Some("version")) => visit(Val::Json(&Value::String(etag()))),
        // The location depends on the host's base URL, which a record does not know.
        ("meta", Some(_)) => false,
        _ => return None,
    })
}

/// A borrowed record answers like the record, so stores can filter and sort references.
impl<T: ValueSource + ?Sized> ValueSource for &T {
    fn any_value(&self, attr: &AttrRef, visit: &mut dyn FnMut(Val<'_>) -> bool) -> bool {
        (**self).any_value(attr, visit)
    }
}

impl ValueSource for UserRecord {
    fn any_value(&self, attr: &AttrRef, visit: &mut dyn FnMut(Val<'_>) -> bool) -> bool {
        if let Some(found) =
            common_value(attr, &self.id, self.created, self.last_modified, "User", || self.etag(), visit)
        {
            return found;
        }
        if attr.is_plain("active") && !attr.in_extension() {
            return visit(Val::Json(&Value::Bool(self.state == UserState::Active)));
        }
        let Some(value) = attr.container(&self.resource).and_then(|c| c.get(attr.attr.name)) else {
            return false;
        };
        visit_values(value, attr.sub, visit)
    }
}

impl ValueSource for GroupRecord {
    fn any_value(&self, attr: &AttrRef, visit: &mut dyn FnMut(Val<'_>) -> bool) -> bool {
        if let Some(found) =
            common_value(attr, &self.id, self.created, self.last_modified, "Group", || self.etag(), visit)
        {
            return found;
        }
        let Some(value) = attr.container(&self.resource).and_then(|c| c.get(attr.attr.name)) else {
            return false;
        };
        visit_values(value, attr.sub, visit)
    }
}

/// Visit `value` (each element if it is an array), narrowed to `sub`.
pub(crate) fn visit_values(value: &Value, sub: Option<&AttributeDef>, visit: &mut dyn FnMut(Val<'_>) -> bool) -> bool {
    let mut one = |v: &Value| match sub {
        Some(sub) => v.get(sub.name).is_some_and(|s| !s.is_null() && visit(Val::Json(s))),
        None => !v.is_null() && visit(Val::Json(v)),
    };
    match value {
        Value::Array(items) => items.iter().any(one),
        other => one(other),
    }
}

/// One value of a multi-valued attribute, as seen by the filter inside `attr[…]`.
pub(crate) struct Element<'a>(pub &'a Value);

impl ValueSource for Element<'_> {
    fn any_value(&self, attr: &AttrRef, visit: &mut dyn FnMut(Val<'_>) -> bool) -> bool {
        match attr.sub {
            Some(sub) => self.0.get(sub.name).is_some_and(|v| !v.is_null() && visit(Val::Json(v))),
            None => visit(Val::Json(self.0)),
        }
    }
}

impl Filter {
    /// Whether `source` (usually a [`UserRecord`]) satisfies the filter.
    pub fn matches<S: ValueSource + ?Sized>(&self, source: &S) -> bool {
        match self {
            Filter::Present { attr } => source.any_value(attr, &mut is_present),
            Filter::Compare { attr, op: CompareOp::Eq, value: CompValue::Null } => {
                !source.any_value(attr, &mut is_present)
            }
            Filter::Compare { attr, op: CompareOp::Ne, value: CompValue::Null } => {
                source.any_value(attr, &mut is_present)
            }
            Filter::Compare { attr, op: CompareOp::Ne, value } => {
                !source.any_value(attr, &mut |v| compare(attr.target(), CompareOp::Eq, v, value))
            }
            Filter::Compare { attr, op, value } => {
                source.any_value(attr, &mut |v| compare(attr.target(), *op, v, value))
            }
            Filter::Not { filter } => !filter.matches(source),
            Filter::And { filters } => filters.iter().all(|f| f.matches(source)),
            Filter::Or { filters } => filters.iter().any(|f| f.matches(source)),
            Filter::ValuePath { attr, filter } => source.any_value(attr, &mut |v| match v {
                Val::Json(element) => filter.matches(&Element(element)),
                Val::Time(_) => false,
            }),
        }
    }

    /// Whether one value of a multi-valued attribute satisfies this value filter (the part
    /// inside `attr[…]`).
    pub fn matches_value(&self, element: &Value) -> bool {
        self.matches(&Element(element))
    }
}

pub(crate) fn is_present(v: Val<'_>) -> bool {
    match v {
        Val::Time(_) => true,
        Val::Json(Value::Null) => false,
        Val::Json(Value::String(s)) => !s.is_empty(),
        Val::Json(Value::Array(a)) => !a.is_empty(),
        Val::Json(Value::Object(o)) => !o.is_empty(),
        Val::Json(_) => true,
    }
}

/// Fold case the way userName keys are folded; borrows when nothing changes.
pub(crate) fn fold(s: &str) -> Cow<'_, str> {
    if s.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.to_lowercase())
    }
}

pub(crate) fn compare(def: &AttributeDef, op: CompareOp, v: Val<'_>, value: &CompValue) -> bool {
    match (def.ty, v, value) {
        (AttrType::Boolean, Val::Json(Value::Bool(b)), CompValue::Bool(c)) => op == CompareOp::Eq && b == c,
        (AttrType::Integer | AttrType::Decimal, Val::Json(Value::Number(n)), CompValue::Number(m)) => {
            compare_numbers(n, m).is_some_and(|ord| ordering_holds(op, ord))
        }
        (AttrType::DateTime, v, CompValue::String(s)) => match (as_time(v), OffsetDateTime::parse(s, &Rfc3339)) {
            (Some(a), Ok(b)) => ordering_holds(op, a.cmp(&b)),
            _ => false,
        },
        (_, Val::Json(Value::String(a)), CompValue::String(b)) => compare_strings(def.case_exact, op, a, b),
        _ => false,
    }
}

pub(crate) fn as_time(v: Val<'_>) -> Option<OffsetDateTime> {
    match v {
        Val::Time(t) => Some(t),
        Val::Json(Value::String(s)) => OffsetDateTime::parse(s, &Rfc3339).ok(),
        Val::Json(_) => None,
    }
}

pub(crate) fn compare_numbers(a: &Number, b: &Number) -> Option<Ordering> {
    match (a.as_i64(), b.as_i64()) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

fn ordering_holds(op: CompareOp, ord: Ordering) -> bool {
    match op {
        CompareOp::Eq => ord == Ordering::Equal,
        CompareOp::Ne => ord != Ordering::Equal,
        CompareOp::Gt => ord == Ordering::Greater,
        CompareOp::Ge => ord != Ordering::Less,
        CompareOp::Lt => ord == Ordering::Less,
        CompareOp::Le => ord != Ordering::Greater,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

fn compare_strings(case_exact: bool, op: CompareOp, a: &str, b: &str) -> bool {
    let (a, b) = if case_exact { (Cow::Borrowed(a), Cow::Borrowed(b)) } else { (fold(a), fold(b)) };
    match op {
        CompareOp::Co => a.contains(&*b),
        CompareOp::Sw => a.starts_with(&*b),
        CompareOp::Ew => a.ends_with(&*b),
        _ => ordering_holds(op, a.cmp(&b)),
    }
}
