//! What a store writes beside each record so that the translated SQL can answer: the key of
//! each column-placed attribute, and the values-table rows of the rest.

use serde_json::Value;

use super::keys::{ValueKeys, text_key};
use super::layout::{Layout, same_ref};
use crate::model::UserRecord;
use crate::query::eval::{Val, ValueSource, is_present};
use crate::query::path::{AttrRef, resolve_attr_in};
use crate::schema::USER;

/// One row of a values table: one value of one attribute of a record.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueRow {
    /// The attribute's canonical path (`emails.value`, `name`, an enterprise attribute with
    /// its URN).
    pub path: String,
    /// Which value of the attribute: the position among its non-null values (0 for a
    /// single-valued one). A sub-attribute's row carries its element's position, so a value
    /// filter (`emails[type eq "work" and value eq "x"]`) joins the rows of one element.
    pub elem: i64,
    /// Whether the value counts as present (`pr`): not an empty string, array or object.
    pub present: bool,
    /// The keys the value is compared and sorted by.
    pub keys: ValueKeys,
}

/// The values-table rows of `record` under `layout` (none when the layout has no values
/// table), in a stable order.
pub fn value_rows<S: ValueSource>(layout: &Layout, record: &S) -> Vec<ValueRow> {
    let attrs = layout.values_attrs();
    let mut rows = Vec::new();
    for attr in attrs.iter().filter(|a| a.sub.is_none() || a.is_common()) {
        push_visited(&mut rows, record, attr);
    }
    // Sub-attributes of ordinary complex attributes: walk the elements, so each row carries
    // its element's position among the visited (non-null) values.
    for whole in attrs.iter().filter(|a| a.sub.is_none() && !a.is_common() && !a.attr.sub_attributes.is_empty()) {
        let subs: Vec<&AttrRef> =
            attrs.iter().filter(|a| a.sub.is_some() && same_ref(&AttrRef { sub: None, ..**a }, whole)).collect();
        if subs.is_empty() {
            continue;
        }
        push_sub_values(&mut rows, record, whole, &subs);
    }
    // Complex attributes whose whole value has a column or no place: their sub-attributes.
    for sub in attrs.iter().filter(|a| a.sub.is_some() && !a.is_common()) {
        let whole = AttrRef { sub: None, ..*sub };
        if !attrs.iter().any(|a| same_ref(a, &whole)) {
            push_sub_values(&mut rows, record, &whole, &[sub]);
        }
    }
    rows
}

/// One row per value `any_value` visits for `attr`, numbered in visiting order.
fn push_visited<S: ValueSource>(rows: &mut Vec<ValueRow>, record: &S, attr: &AttrRef) {
    let path = attr.to_string();
    let mut elem = 0;
    record.any_value(attr, &mut |v| {
        rows.push(ValueRow { path: path.clone(), elem, present: is_present(v), keys: ValueKeys::of(attr.target(), v) });
        elem += 1;
        false
    });
}

/// The rows of `subs` (sub-attributes of `whole`), element by element.
fn push_sub_values<S: ValueSource>(rows: &mut Vec<ValueRow>, record: &S, whole: &AttrRef, subs: &[&AttrRef]) {
    let paths: Vec<String> = subs.iter().map(|s| s.to_string()).collect();
    let mut elem = 0;
    record.any_value(whole, &mut |v| {
        if let Val::Json(Value::Object(element)) = v {
            for (sub, path) in subs.iter().zip(&paths) {
                let def = sub.target();
                if let Some(value) = element.get(def.name).filter(|x| !x.is_null()) {
                    let v = Val::Json(value);
                    rows.push(ValueRow {
                        path: path.clone(),
                        elem,
                        present: is_present(v),
                        keys: ValueKeys::of(def, v),
                    });
                }
            }
        }
        elem += 1;
        false
    });
}

/// The key a key column holds for `attr` of `record`: the [`text_key`] of its first string
/// value, `None` without one.
pub fn column_key<S: ValueSource>(record: &S, attr: &AttrRef) -> Option<String> {
    let mut key = None;
    record.any_value(attr, &mut |v| {
        if let Val::Json(Value::String(s)) = v {
            key = Some(text_key(attr.target(), s));
        }
        true
    });
    key
}

/// The shadow key columns of the `users` table of sso-scim's stores (see
/// [`store_users`](super::store_users)); `userName`'s key is
/// [`UserRecord::user_name_key`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserKeys {
    /// `display_name_key`: the key of `displayName`.
    pub display_name: Option<String>,
    /// `given_name_key`: the key of `name.givenName`.
    pub given_name: Option<String>,
    /// `family_name_key`: the key of `name.familyName`.
    pub family_name: Option<String>,
}

impl UserKeys {
    /// The shadow keys of `user`.
    pub fn of(user: &UserRecord) -> UserKeys {
        let key = |path: &str| {
            let attr = resolve_attr_in(&USER, path).expect("a User attribute");
            column_key(user, &attr)
        };
        UserKeys {
            display_name: key("displayName"),
            given_name: key("name.givenName"),
            family_name: key("name.familyName"),
        }
    }
}
