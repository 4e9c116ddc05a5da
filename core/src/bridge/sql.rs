//! The SQL pushdown for hosts on their own schema: the query a host's `query_users` (or
//! `query_groups`) received, translated over the host's columns
//! ([`query::sql`](crate::query::sql)), in one JSON shape every binding passes through.
//!
//! Every key of the options and of the answer is one lower-case word, so the shape is the same
//! in every binding's key case.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};

use super::error::BridgeError;
use super::query::{WireSort, filter_and_sort};
use crate::query::sql::{Column, Dialect, Layout, Translation, filter_to_sql as translate, order_by};

/// `{"dialect": "sqlite" | "postgres", "resource": "User" | "Group", "columns": {path: column},
/// "first": n, "tiebreak": sql}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Options {
    dialect: String,
    // Every optional key may also be null (the wire types declare them optional).
    #[serde(default)]
    resource: Option<String>,
    #[serde(default)]
    columns: Option<BTreeMap<String, WireColumn>>,
    #[serde(default)]
    first: Option<usize>,
    #[serde(default)]
    tiebreak: Option<String>,
}

/// A column: its SQL alone (a key column that may be NULL), or `{"column", "type",
/// "nullable"}` with `type` one of `key`, `boolean`, `epoch_ms`.
#[derive(Deserialize)]
#[serde(untagged)]
enum WireColumn {
    Key(String),
    Typed {
        column: String,
        #[serde(rename = "type", default)]
        kind: Option<String>,
        #[serde(default)]
        nullable: Option<bool>,
    },
}

/// The part of the query the translation reads: the filter text and the sort.
#[derive(Deserialize)]
struct WireQuery {
    #[serde(default)]
    filter: Option<String>,
    #[serde(default)]
    sort: Option<WireSort>,
}

fn layout(options: Options) -> Result<Layout, BridgeError> {
    let dialect = match options.dialect.as_str() {
        "sqlite" => Dialect::Sqlite,
        "postgres" => Dialect::Postgres,
        other => return Err(BridgeError::argument(format!("dialect is \"sqlite\" or \"postgres\", not \"{other}\""))),
    };
    let refused = |e: crate::query::sql::LayoutError| BridgeError::argument(e.to_string());
    let mut layout = Layout::new(options.resource.as_deref().unwrap_or("User"), dialect).map_err(refused)?;
    for (path, column) in options.columns.unwrap_or_default() {
        let column = match column {
            WireColumn::Key(sql) => Column::key(sql, true),
            WireColumn::Typed { column, kind, nullable } => match kind.as_deref().unwrap_or("key") {
                "key" => Column::key(column, nullable.unwrap_or(true)),
                "boolean" => Column::boolean(column),
                "epoch_ms" => Column::epoch_millis(column, nullable.unwrap_or(true)),
                other => {
                    return Err(BridgeError::argument(format!(
                        "column type of {path} is \"key\", \"boolean\" or \"epoch_ms\", not \"{other}\""
                    )));
                }
            },
        };
        layout = layout.column(&path, column).map_err(refused)?;
    }
    Ok(match options.tiebreak {
        Some(sql) => layout.tie_break(sql),
        None => layout,
    })
}

/// Translate the filter and sort of `query` (what the host's `query_users` or `query_groups`
/// received, in any key case) over the host's columns in `options`. The answer:
///
/// ```json
/// {"where": "…", "params": ["…", 3], "exact": true, "order": "… ASC, u.id ASC", "sorted": true}
/// ```
///
/// `where` is a condition (`1 = 1` without a filter) whose placeholders are numbered from
/// `first`; `exact: false` means it selects a superset (an attribute without a column), and the
/// host passes the rows it selects to `select_users` / `select_groups`, which re-check, sort and
/// page them as the core does. `order` is the `ORDER BY` terms (or `null` without a sort nor a
/// tie-break); `sorted: false` means the sort attribute has no column, and the host sorts the
/// same way.
pub fn filter_to_sql(query: Value, options: Value) -> Result<Value, BridgeError> {
    let options: Options =
        serde_json::from_value(options).map_err(|e| BridgeError::argument(format!("not SQL options: {e}")))?;
    let query: WireQuery =
        serde_json::from_value(query).map_err(|e| BridgeError::argument(format!("not a store query: {e}")))?;
    let first = match options.first {
        None => 1,
        Some(0) => return Err(BridgeError::argument("first is the number of the first placeholder, from 1")),
        Some(n) => n,
    };
    let layout = layout(options)?;
    let (filter, sort) = filter_and_sort(layout.resource, query.filter, query.sort)?;
    let Translation { sql, params, exact } = match &filter {
        Some(filter) => translate(filter, &layout, first),
        None => Translation { sql: "1 = 1".to_owned(), params: Vec::new(), exact: true },
    };
    let (order, sorted) = match &sort {
        Some(sort) => match order_by(sort, &layout) {
            Some(order) => (Some(order), true),
            None => (layout.tie_break_term(), false),
        },
        None => (layout.tie_break_term(), true),
    };
    Ok(json!({"where": sql, "params": params, "exact": exact, "order": order, "sorted": sorted}))
}
