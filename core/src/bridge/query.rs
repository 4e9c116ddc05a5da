//! The wire form of a [`ListQuery`], and answering one for a host that keeps its records in
//! memory.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::case::KeyCase;
use super::error::BridgeError;
use crate::directory::{GroupPage, ListQuery, UserPage};
use crate::model::{GroupRecord, UserRecord};
use crate::query::{Filter, IndexHint, SortSpec, ValueSource};
use crate::schema::{GROUP, ResourceType, USER};
use crate::scim::filter::{FilterLimits, FilterOptions, parse_filter_in};

/// Limits for re-reading a filter the core itself wrote: generous (the handler already
/// enforced the configured ones), but still bounded.
const REREAD_LIMITS: FilterLimits = FilterLimits { max_len: 1 << 20, max_depth: 256 };

/// A query as the host receives it (snake_case form):
///
/// ```json
/// {"filter": "userName eq \"bjensen\"", "filter_ast": {"op": "compare", …},
///  "index_hint": {"attribute": "userName", "value": "bjensen"},
///  "sort": {"attribute": "name.familyName", "descending": false},
///  "start_index": 1, "count": 100}
/// ```
///
/// `filter` is the canonical filter text (or `null`), `filter_ast` the same filter as a tree
/// for SQL hosts to translate (`op` is `present`, `compare` — with `attr`, `compare` and
/// `value` —, `not`, `and`, `or` or `value_path`), `index_hint` an equality on an indexed
/// attribute (`id`, `userName` — compare through `user_name_key` —, `externalId`,
/// `displayName`) that every match satisfies, `start_index` 1-based.
pub fn query_to_wire(query: &ListQuery) -> Value {
    let hint = query.filter.as_ref().and_then(|f| f.index_hint()).map(|h| {
        let (attribute, value) = match h {
            IndexHint::Id(v) => ("id", v),
            IndexHint::UserName(v) => ("userName", v),
            IndexHint::ExternalId(v) => ("externalId", v),
            IndexHint::DisplayName(v) => ("displayName", v),
        };
        json!({"attribute": attribute, "value": value})
    });
    json!({
        "filter": query.filter.as_ref().map(ToString::to_string),
        "filter_ast": query.filter,
        "index_hint": hint,
        "sort": query.sort.map(|s| json!({"attribute": s.attr.to_string(), "descending": s.descending})),
        "start_index": query.start_index,
        "count": query.count,
    })
}

#[derive(Deserialize)]
struct WireQuery {
    #[serde(default)]
    filter: Option<String>,
    #[serde(default)]
    sort: Option<WireSort>,
    #[serde(default = "first")]
    start_index: usize,
    count: usize,
}

#[derive(Deserialize)]
pub(super) struct WireSort {
    attribute: String,
    #[serde(default)]
    descending: bool,
}

fn first() -> usize {
    1
}

fn query_from_wire(rt: &'static ResourceType, query: Value) -> Result<ListQuery, BridgeError> {
    let wire: WireQuery =
        serde_json::from_value(query).map_err(|e| BridgeError::argument(format!("not a store query: {e}")))?;
    let (filter, sort) = filter_and_sort(rt, wire.filter, wire.sort)?;
    Ok(ListQuery { filter, sort, start_index: wire.start_index.max(1), count: wire.count })
}

/// The filter text and sort of a wire query, read again against `rt`'s schema.
pub(super) fn filter_and_sort(
    rt: &'static ResourceType,
    filter: Option<String>,
    sort: Option<WireSort>,
) -> Result<(Option<Filter>, Option<SortSpec>), BridgeError> {
    let reread = |what: &str, e: &dyn std::fmt::Display| BridgeError::argument(format!("the query's {what}: {e}"));
    let filter = filter
        .map(|text| parse_filter_in(rt, &text, REREAD_LIMITS, FilterOptions { lenient: true }))
        .transpose()
        .map_err(|e| reread("filter", &e))?;
    let sort = sort
        .map(|s| SortSpec::parse_in(rt, &s.attribute, Some(if s.descending { "descending" } else { "ascending" })))
        .transpose()
        .map_err(|e| reread("sort", &e))?;
    Ok((filter, sort))
}

fn records<R: DeserializeOwned>(what: &str, records: Vec<Value>, case: KeyCase) -> Result<Vec<R>, BridgeError> {
    records
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            serde_json::from_value(case.from_host(r)).map_err(|e| BridgeError::argument(format!("{what} {i}: {e}")))
        })
        .collect()
}

fn select<R: ValueSource + DeserializeOwned>(
    rt: &'static ResourceType,
    case: KeyCase,
    query: Value,
    all: Vec<Value>,
    keep: impl Fn(&R) -> bool,
) -> Result<(usize, Vec<R>), BridgeError> {
    let query = query_from_wire(rt, case.from_host(query))?;
    let all: Vec<R> = records(rt.name, all, case)?;
    Ok(query.select(all.into_iter().filter(keep)))
}

/// Answer `query_users` from every user a simple host keeps for the workspace: filter, sort
/// and page them exactly as the core's own [`MemoryDirectory`](crate::MemoryDirectory) does
/// (deprovisioned users left out). `query` and `users` are what the host received and keeps,
/// in its key case; the answer is the page to return from `query_users`. Hosts with a real
/// database translate `filter_ast` instead.
pub fn select_users(case: KeyCase, query: Value, users: Vec<Value>) -> Result<Value, BridgeError> {
    let (total_results, users) = select(&USER, case, query, users, |u: &UserRecord| u.state.visible_to_scim())?;
    Ok(case.to_host(serde_json::to_value(UserPage { total_results, users }).unwrap_or(Value::Null)))
}

/// [`select_users`] for `query_groups`.
pub fn select_groups(case: KeyCase, query: Value, groups: Vec<Value>) -> Result<Value, BridgeError> {
    let (total_results, groups) = select(&GROUP, case, query, groups, |_: &GroupRecord| true)?;
    Ok(case.to_host(serde_json::to_value(GroupPage { total_results, groups }).unwrap_or(Value::Null)))
}
