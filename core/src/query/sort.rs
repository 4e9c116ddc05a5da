//! `sortBy` / `sortOrder` (RFC 7644 §3.4.2.3).

use std::cmp::Ordering;

use serde_json::Value;

use super::FilterError;
use super::eval::{Val, ValueSource, as_time, compare_numbers, fold};
use super::path::{AttrRef, resolve_attr_in};
use crate::schema::{AttrType, ResourceType, USER};

/// A resolved sort order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortSpec {
    /// The attribute sorted by (a complex attribute is narrowed to `.value`).
    pub attr: AttrRef,
    /// Descending instead of ascending.
    pub descending: bool,
}

impl SortSpec {
    /// Resolve the `sortBy` and `sortOrder` parameters for Users.
    pub fn parse(sort_by: &str, sort_order: Option<&str>) -> Result<SortSpec, FilterError> {
        SortSpec::parse_in(&USER, sort_by, sort_order)
    }

    /// Resolve the `sortBy` and `sortOrder` parameters for resources of type `rt`.
    pub fn parse_in(
        rt: &'static ResourceType,
        sort_by: &str,
        sort_order: Option<&str>,
    ) -> Result<SortSpec, FilterError> {
        let mut attr = resolve_attr_in(rt, sort_by)?;
        if attr.sub.is_none() && attr.attr.is_complex() {
            let value = attr.attr.sub("value").ok_or_else(|| {
                FilterError::Type(format!("cannot sort by the complex attribute \"{attr}\"; name a sub-attribute"))
            })?;
            attr = attr.with_sub(value);
        }
        let descending = match sort_order {
            None => false,
            Some(o) if o.eq_ignore_ascii_case("ascending") => false,
            Some(o) if o.eq_ignore_ascii_case("descending") => true,
            Some(o) => {
                return Err(FilterError::Type(format!("sortOrder is \"ascending\" or \"descending\", not \"{o}\"")));
            }
        };
        Ok(SortSpec { attr, descending })
    }

    /// Order two users: by the attribute's value (the primary value of a multi-valued one,
    /// else the first); users without a value come last ascending and first descending.
    pub fn compare<S: ValueSource>(&self, a: &S, b: &S) -> Ordering {
        let ord = match (sort_key(a, &self.attr), sort_key(b, &self.attr)) {
            (Some(x), Some(y)) => compare_keys(&self.attr, &x, &y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        if self.descending { ord.reverse() } else { ord }
    }

    /// Sort `resources` in place (stable: equal keys keep the store's order).
    pub fn sort<S: ValueSource>(&self, resources: &mut [S]) {
        resources.sort_by(|a, b| self.compare(a, b));
    }
}

enum Key {
    Json(Value),
    Time(time::OffsetDateTime),
}

fn sort_key<S: ValueSource>(user: &S, attr: &AttrRef) -> Option<Key> {
    if let (true, Some(sub)) = (attr.attr.multi_valued, attr.sub) {
        let whole = AttrRef { sub: None, ..*attr };
        let mut first = None;
        let mut primary = None;
        user.any_value(&whole, &mut |v| {
            if let Val::Json(element) = v {
                if element.get("primary") == Some(&Value::Bool(true)) {
                    primary = Some(element.clone());
                    return true;
                }
                if first.is_none() {
                    first = Some(element.clone());
                }
            }
            false
        });
        let element = primary.or(first)?;
        return element.get(sub.name).filter(|v| !v.is_null()).cloned().map(Key::Json);
    }
    let mut key = None;
    user.any_value(attr, &mut |v| {
        key = Some(match v {
            Val::Json(j) => Key::Json(j.clone()),
            Val::Time(t) => Key::Time(t),
        });
        true
    });
    key
}

fn compare_keys(attr: &AttrRef, a: &Key, b: &Key) -> Ordering {
    let def = attr.target();
    let as_val = |k: &Key| -> Option<time::OffsetDateTime> {
        match k {
            Key::Time(t) => Some(*t),
            Key::Json(j) => as_time(Val::Json(j)),
        }
    };
    if def.ty == AttrType::DateTime {
        return as_val(a).cmp(&as_val(b));
    }
    match (a, b) {
        (Key::Json(Value::String(x)), Key::Json(Value::String(y))) => {
            if def.case_exact {
                x.cmp(y)
            } else {
                fold(x).cmp(&fold(y))
            }
        }
        (Key::Json(Value::Number(x)), Key::Json(Value::Number(y))) => compare_numbers(x, y).unwrap_or(Ordering::Equal),
        (Key::Json(Value::Bool(x)), Key::Json(Value::Bool(y))) => x.cmp(y),
        _ => Ordering::Equal,
    }
}
