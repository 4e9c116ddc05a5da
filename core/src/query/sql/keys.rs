//! The keys SQL compares and orders by, computed here so that SQL and [`Filter::matches`]
//! agree byte for byte: case folding is the core's own (not SQL's `lower()`, which is
//! ASCII-only in SQLite and collation-dependent in PostgreSQL), and times become text whose
//! byte order is their chronological order.
//!
//! [`Filter::matches`]: crate::query::Filter::matches

use serde_json::{Number, Value};
use time::OffsetDateTime;

use crate::query::eval::{Val, as_time, fold};
use crate::schema::{AttrType, AttributeDef};

/// The key a string value of an attribute is compared by: the value folded as
/// [`user_name_key`](crate::user_name_key) folds it, unless the attribute is caseExact.
pub fn text_key(def: &AttributeDef, value: &str) -> String {
    if def.case_exact { value.to_owned() } else { fold(value).into_owned() }
}

/// Fold `value` as the core folds every case-insensitive string (the same as
/// [`user_name_key`](crate::user_name_key)): what a host writes into a key column of a
/// case-insensitive attribute so that [`filter_to_sql`](super::filter_to_sql) is exact.
pub fn fold_key(value: &str) -> String {
    fold(value).into_owned()
}

/// A time as 32 lower-case hex digits whose byte order is chronological: the Unix time in
/// nanoseconds, offset so that negative times sort first.
pub fn time_key(t: OffsetDateTime) -> String {
    let offset = (t.unix_timestamp_nanos() as u128) ^ (1u128 << 127);
    format!("{offset:032x}")
}

/// The typed keys of one value, as the filter compares it for an attribute of type `def.ty`.
/// At most one of text or number keys is set; a value the attribute's comparisons never
/// match (a number in a string attribute, say) has none.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ValueKeys {
    /// Strings (folded unless caseExact) and dateTimes ([`time_key`]).
    pub text: Option<String>,
    /// Numbers as `f64`.
    pub num: Option<f64>,
    /// Numbers that are exact `i64`s, and booleans as 0 / 1.
    pub int: Option<i64>,
}

impl ValueKeys {
    /// The keys of `value` for the attribute `def`, by the rules of the core's comparison:
    /// dateTimes chronologically, booleans only as booleans, numbers only in numeric
    /// attributes, every other string as text.
    pub(crate) fn of(def: &AttributeDef, value: Val<'_>) -> ValueKeys {
        let none = ValueKeys::default();
        match (def.ty, value) {
            (AttrType::DateTime, v) => ValueKeys { text: as_time(v).map(time_key), ..none },
            (AttrType::Boolean, Val::Json(Value::Bool(b))) => ValueKeys { int: Some(i64::from(*b)), ..none },
            (AttrType::Integer | AttrType::Decimal, Val::Json(Value::Number(n))) => number_keys(n),
            (_, Val::Json(Value::String(s))) => ValueKeys { text: Some(text_key(def, s)), ..none },
            _ => none,
        }
    }
}

/// A number's keys: exact when it is an `i64`, as `f64` always (the core compares two `i64`s
/// exactly and anything else as `f64`).
pub(crate) fn number_keys(n: &Number) -> ValueKeys {
    ValueKeys { text: None, num: n.as_f64(), int: n.as_i64() }
}

/// The smallest string greater than every string that starts with `prefix`, in byte (code
/// point) order, if there is one: `prefix` with its last character incremented, dropping
/// trailing `char::MAX`es. `s` starts with `prefix` exactly when `prefix <= s < successor`.
pub(crate) fn prefix_successor(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = match last {
            '\u{D7FF}' => Some('\u{E000}'),
            c => char::from_u32(c as u32 + 1),
        };
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn time_keys_sort_chronologically_across_the_epoch() {
        let times = [
            datetime!(0000-01-01 00:00 UTC),
            datetime!(1969-12-31 23:59:59.999_999_999 UTC),
            datetime!(1970-01-01 00:00 UTC),
            datetime!(1970-01-01 00:00:00.000_000_001 UTC),
            datetime!(2024-02-29 12:00 UTC),
            datetime!(9999-12-31 23:59:59.999_999_999 UTC),
        ];
        let keys: Vec<String> = times.iter().map(|t| time_key(*t)).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
        assert!(keys.iter().all(|k| k.len() == 32));
    }

    #[test]
    fn successors_bound_exactly_the_strings_with_the_prefix() {
        assert_eq!(prefix_successor("ab").as_deref(), Some("ac"));
        assert_eq!(prefix_successor("a\u{D7FF}").as_deref(), Some("a\u{E000}"));
        assert_eq!(prefix_successor("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_successor("\u{10FFFF}"), None);
        assert_eq!(prefix_successor(""), None);
        let succ = prefix_successor("ab").unwrap();
        for s in ["ab", "ab\u{10FFFF}", "abzzz", "ab\u{0}"] {
            assert!("ab" <= s && s < succ.as_str(), "{s:?}");
        }
        for s in ["aa", "ac", "b", "a"] {
            assert!(!("ab" <= s && s < succ.as_str()), "{s:?}");
        }
    }

    #[test]
    fn keys_follow_the_attribute_type() {
        use crate::schema::{COMMON_ATTRIBUTES, USER, find};
        let user_name = find(USER.core().attributes, "userName").unwrap();
        let active = find(USER.core().attributes, "active").unwrap();
        let id = find(COMMON_ATTRIBUTES, "id").unwrap();
        let s = Value::from("ÄbC");
        assert_eq!(ValueKeys::of(user_name, Val::Json(&s)).text.as_deref(), Some("äbc"));
        assert_eq!(ValueKeys::of(id, Val::Json(&s)).text.as_deref(), Some("ÄbC"));
        assert_eq!(ValueKeys::of(active, Val::Json(&Value::Bool(true))).int, Some(1));
        assert_eq!(ValueKeys::of(user_name, Val::Json(&Value::from(3))), ValueKeys::default());
        assert_eq!(number_keys(&Number::from(i64::MAX)).int, Some(i64::MAX));
        assert_eq!(number_keys(&Number::from(u64::MAX)).int, None);
    }
}
