//! SQL pushdown: list queries translated into SQL that answers exactly as
//! [`Filter::matches`](crate::query::Filter::matches) and [`SortSpec::sort`](crate::query::SortSpec::sort)
//! would over the same records, for SQLite and PostgreSQL.
//!
//! A [`Layout`] says where each attribute lives: a column of the resource's row (holding the
//! key the core computes, [`text_key`] / [`fold_key`], so SQL and core agree on non-ASCII
//! case), a values table of one row per value ([`value_rows`]) for everything else, or
//! nowhere. [`filter_to_sql`] gives a condition with bind parameters and says whether it is
//! exact; [`order_by`] gives the `ORDER BY` terms. sso-scim's own stores use
//! [`store_users`] and [`store_groups`], where every attribute is placed and every
//! translation is exact; a host on its own schema builds a [`Layout`] of its columns and
//! re-checks rows with `Filter::matches` when a translation is not exact
//! (docs/ARCHITECTURE.md, "SQL pushdown").

mod cond;
mod filter;
mod keys;
mod layout;
mod order;
mod rows;

pub use filter::filter_to_sql;
pub use keys::{ValueKeys, fold_key, text_key, time_key};
pub use layout::{Column, ColumnKind, Layout, LayoutError, ValuesTable, store_groups, store_users};
pub use order::order_by;
pub use rows::{UserKeys, ValueRow, column_key, value_rows};

use serde::Serialize;

/// The SQL dialect written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    /// SQLite 3.35 or newer: `?N` parameters.
    Sqlite,
    /// PostgreSQL 12 or newer: `$N` parameters, text ordered `COLLATE "C"`.
    Postgres,
}

impl Dialect {
    /// The placeholder of parameter `n` (1-based).
    pub fn placeholder(self, n: usize) -> String {
        match self {
            Dialect::Sqlite => format!("?{n}"),
            Dialect::Postgres => format!("${n}"),
        }
    }
}

/// A bind parameter.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum SqlValue {
    /// Text.
    Text(String),
    /// A 64-bit integer.
    Int(i64),
    /// A double.
    Real(f64),
}

/// A filter as SQL.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Translation {
    /// A condition over the layout's row, never NULL; `1 = 1` when everything matches.
    pub sql: String,
    /// The parameters, numbered from the first one asked for.
    pub params: Vec<SqlValue>,
    /// Whether the condition selects exactly the matching resources; when `false` it selects
    /// a superset, and the host keeps the rows for which `Filter::matches` holds.
    pub exact: bool,
}
