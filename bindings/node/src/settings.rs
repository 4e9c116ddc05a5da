//! Settings refused with the field named. The core bounds every number it reads and names the
//! field when one is out of range; a value serde cannot even read (a JS number past 2^64, such
//! as `2 ** 64 - 1`, is a float; `1e12` for a 32-bit field) is refused by serde with no field
//! in its words. For those, the key is found here by taking keys out one at a time (serde stops
//! at the first entry it cannot read, so the key whose removal changes the refusal is the one),
//! and for a number the core's own range is quoted by trying the largest whole numbers in its
//! place.

use serde_json::Value;
use sso_scim_core::bridge::{BridgeError, KeyCase};

/// Whether `message` is serde's (no field named) rather than the core's own check.
fn is_serde(message: &str) -> bool {
    message.contains("invalid type:") || message.contains("invalid value:")
}

/// `first`, refused by `check` (serde and the core's checks of the settings `value`, in the
/// host's key case), with the offending field named when serde's words did not name it.
/// `check` runs only on this error path.
pub fn explain(value: &Value, first: BridgeError, check: impl Fn(&Value) -> Result<(), BridgeError>) -> BridgeError {
    if !is_serde(first.message()) {
        return first;
    }
    let Some(path) = culprit(value, &[], first.message(), &check) else { return first };
    let name = path.join(".");
    let given = at(value, &path).cloned().unwrap_or(Value::Null);
    if given.is_number() {
        // The core's range for the field: the first whole number serde reads there makes the
        // core name its bounds (or pass, and then serde's words stand).
        for substitute in [u64::MAX, u64::from(u32::MAX), u64::from(u16::MAX), u64::from(u8::MAX)] {
            let mut tried = value.clone();
            if let Some(slot) = at_mut(&mut tried, &path) {
                *slot = Value::from(substitute);
            }
            match check(&tried) {
                Err(e) if !is_serde(e.message()) && e.message().contains(&snake(&path)) => {
                    // From the core's name of the field to its range, without the value tried.
                    let from = e.message().find(&snake(&path)).unwrap_or(0);
                    let range = e.message()[from..].split(", got ").next().unwrap_or_default();
                    return BridgeError::new(first.code(), format!("{name} is {given}: {range}"));
                }
                Err(_) => continue,
                Ok(()) => break,
            }
        }
    }
    let detail = first.message().split_once(": ").map_or(first.message(), |(_, detail)| detail);
    BridgeError::new(first.code(), format!("{name}: {detail}"))
}

/// The path of the key whose removal changes the refusal `message`, as deep as it goes.
fn culprit(
    root: &Value,
    prefix: &[String],
    message: &str,
    check: &impl Fn(&Value) -> Result<(), BridgeError>,
) -> Option<Vec<String>> {
    let Some(Value::Object(map)) = at(root, prefix) else { return None };
    for key in map.keys() {
        let mut path = prefix.to_vec();
        path.push(key.clone());
        let mut without = root.clone();
        if let Some(Value::Object(parent)) = at_mut(&mut without, prefix) {
            parent.remove(key);
        }
        if check(&without).err().is_none_or(|e| e.message() != message) {
            return Some(culprit(root, &path, message, check).unwrap_or(path));
        }
    }
    None
}

/// The core's name of a field: snake_case segments joined with dots.
fn snake(path: &[String]) -> String {
    let segments: Vec<String> = path.iter().map(|key| KeyCase::Camel.core_key(key)).collect();
    segments.join(".")
}

fn at<'v>(value: &'v Value, path: &[String]) -> Option<&'v Value> {
    path.iter().try_fold(value, |v, key| v.get(key))
}

fn at_mut<'v>(value: &'v mut Value, path: &[String]) -> Option<&'v mut Value> {
    path.iter().try_fold(value, |v, key| v.get_mut(key))
}
