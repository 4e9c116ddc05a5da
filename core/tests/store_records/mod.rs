//! Records and queries the stores' tests build, the same for every store (included with
//! `#[path]` by sqlite/tests and postgres/tests).
#![allow(dead_code)]

use serde_json::{Value, json};
use sso_scim_core::internal::filter::{FilterLimits, FilterOptions, parse_filter_in};
use sso_scim_core::internal::schema::{GROUP, ResourceType, USER};
use sso_scim_core::query::SortSpec;
use sso_scim_core::{GroupRecord, ListQuery, StoreError, StoreErrorKind, UserRecord, UserState};
use time::OffsetDateTime;

/// An active user at version 1 (what the core's `for_test` builds).
pub fn user(ws: &str, id: &str, name: &str, external: Option<&str>) -> UserRecord {
    let mut doc = json!({"userName": name});
    if let Some(e) = external {
        doc["externalId"] = json!(e);
    }
    record(ws, id, doc)
}

pub fn record(ws: &str, id: &str, doc: Value) -> UserRecord {
    let doc = doc.as_object().cloned().unwrap();
    UserRecord::new(ws, id, "Project Manager", UserState::Active, OffsetDateTime::UNIX_EPOCH, doc)
}

/// A list query, the filter resolved against `rt`'s schema as the handler does.
pub fn list_query(
    rt: &'static ResourceType,
    filter: Option<&str>,
    sort: Option<SortSpec>,
    start_index: usize,
    count: usize,
) -> ListQuery {
    let filter = filter.map(|f| parse_filter_in(rt, f, FilterLimits::default(), FilterOptions::default()).unwrap());
    ListQuery { filter, sort, start_index, count }
}

pub fn filter_query(filter: Option<&str>, sort: Option<SortSpec>, start_index: usize, count: usize) -> ListQuery {
    list_query(&USER, filter, sort, start_index, count)
}

/// A group at version 1, created at the epoch, with these member ids.
pub fn group(ws: &str, id: &str, name: &str, external: Option<&str>, members: &[&str]) -> GroupRecord {
    let mut doc = json!({"displayName": name});
    if let Some(e) = external {
        doc["externalId"] = json!(e);
    }
    if !members.is_empty() {
        doc["members"] = members.iter().map(|m| json!({"value": m})).collect();
    }
    GroupRecord::new(ws, id, OffsetDateTime::UNIX_EPOCH, doc.as_object().cloned().unwrap())
}

pub fn group_filter_query(filter: Option<&str>, sort: Option<SortSpec>, start_index: usize, count: usize) -> ListQuery {
    list_query(&GROUP, filter, sort, start_index, count)
}

/// Outcomes compared across stores: the value, or only the kind of error (messages differ).
pub fn outcome<T>(r: Result<T, StoreError>) -> Result<T, StoreErrorKind> {
    r.map_err(|e| e.kind())
}
