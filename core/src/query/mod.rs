//! Queries over stored resources: the filter AST ([`Filter`]) with its attribute references
//! ([`AttrRef`], already resolved against the schema), evaluation over any [`ValueSource`],
//! sort orders ([`SortSpec`]) and the index shortcut a store may take ([`IndexHint`]).
//!
//! This is what a store receives in a list query: SQL hosts translate it, simple stores call
//! [`Filter::matches`] and [`SortSpec::sort`]. It knows nothing of SCIM's wire syntax; the
//! filter text parser (RFC 7644 §3.4.2.2) lives with the protocol, in `scim::filter`, and
//! produces these types.

mod eval;
pub(crate) mod path;
mod sort;
pub mod sql;

use std::fmt;

use serde::Serialize;
use serde_json::Number;

pub use eval::ValueSource;
pub use path::{AttrRef, PathError};
pub use sort::SortSpec;

use crate::schema::{CORE_GROUP_URN, CORE_USER_URN};

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CompareOp {
    /// Equal.
    Eq,
    /// Not equal: true when no value of the attribute is equal.
    Ne,
    /// Contains (strings).
    Co,
    /// Starts with (strings).
    Sw,
    /// Ends with (strings).
    Ew,
    /// Greater than.
    Gt,
    /// Greater than or equal.
    Ge,
    /// Less than.
    Lt,
    /// Less than or equal.
    Le,
}

impl CompareOp {
    /// The operator's keyword.
    pub const fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
        }
    }

    /// The operator a filter keyword names, in any case.
    pub(crate) fn from_keyword(word: &str) -> Option<Self> {
        const ALL: [CompareOp; 9] = [
            CompareOp::Eq,
            CompareOp::Ne,
            CompareOp::Co,
            CompareOp::Sw,
            CompareOp::Ew,
            CompareOp::Gt,
            CompareOp::Ge,
            CompareOp::Lt,
            CompareOp::Le,
        ];
        ALL.into_iter().find(|op| op.as_str().eq_ignore_ascii_case(word))
    }

    /// Whether this is one of `gt ge lt le`.
    pub const fn is_ordering(self) -> bool {
        matches!(self, CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le)
    }

    /// Whether this is one of `co sw ew`.
    pub const fn is_substring(self) -> bool {
        matches!(self, CompareOp::Co | CompareOp::Sw | CompareOp::Ew)
    }
}

/// A comparison's right-hand side: a JSON scalar.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum CompValue {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A JSON number.
    Number(Number),
    /// A string (for dateTime attributes, already checked to be an RFC 3339 instant).
    String(String),
}

impl fmt::Display for CompValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompValue::Null => f.write_str("null"),
            CompValue::Bool(b) => write!(f, "{b}"),
            CompValue::Number(n) => write!(f, "{n}"),
            CompValue::String(s) => f.write_str(&serde_json::to_string(s).map_err(|_| fmt::Error)?),
        }
    }
}

/// A parsed, resolved filter.
///
/// Attribute references inside [`Filter::ValuePath`] name sub-attributes of that value path's
/// attribute (`emails[type eq "work"]` holds `emails.type eq "work"`) and are evaluated against
/// one value at a time.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Filter {
    /// `attr pr`: the attribute has a non-empty value.
    Present {
        /// The attribute.
        attr: AttrRef,
    },
    /// `attr op value`.
    Compare {
        /// The attribute (a complex multi-valued attribute is already narrowed to `.value`).
        attr: AttrRef,
        /// The operator.
        #[serde(rename = "compare")]
        op: CompareOp,
        /// The value.
        value: CompValue,
    },
    /// `not (f)`.
    Not {
        /// The negated filter.
        filter: Box<Filter>,
    },
    /// `f and g and …` (flattened).
    And {
        /// The operands, at least two.
        filters: Vec<Filter>,
    },
    /// `f or g or …` (flattened).
    Or {
        /// The operands, at least two.
        filters: Vec<Filter>,
    },
    /// `attr[f]`: some value of `attr` satisfies `f`. Entra's
    /// `emails[type eq "work"].value eq "x"` arrives here as
    /// `emails[type eq "work" and value eq "x"]`.
    ValuePath {
        /// The multi-valued (or complex) attribute.
        attr: AttrRef,
        /// The filter applied to each value.
        filter: Box<Filter>,
    },
}

/// A store-index shortcut found at the top of a filter (alone or as one `and` operand): the
/// store may look the candidates up by it and then apply [`Filter::matches`] to them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum IndexHint<'a> {
    /// `id eq "…"`.
    Id(&'a str),
    /// `userName eq "…"` (compare through [`user_name_key`](crate::user_name_key)).
    UserName(&'a str),
    /// `externalId eq "…"` (case-exact).
    ExternalId(&'a str),
    /// A Group's `displayName eq "…"` (compare through
    /// [`display_name_key`](crate::display_name_key)).
    DisplayName(&'a str),
}

impl Filter {
    /// The equality on an indexed attribute that every match must satisfy, if there is one.
    pub fn index_hint(&self) -> Option<IndexHint<'_>> {
        match self {
            Filter::Compare { attr, op: CompareOp::Eq, value: CompValue::String(s) } if attr.sub.is_none() => {
                match attr.attr.name {
                    "id" if attr.is_common() => Some(IndexHint::Id(s)),
                    "externalId" if attr.is_common() => Some(IndexHint::ExternalId(s)),
                    "userName" if attr.schema.id == CORE_USER_URN => Some(IndexHint::UserName(s)),
                    "displayName" if attr.schema.id == CORE_GROUP_URN => Some(IndexHint::DisplayName(s)),
                    _ => None,
                }
            }
            Filter::And { filters } => filters.iter().find_map(Filter::index_hint),
            _ => None,
        }
    }

    /// The text of a value filter (the part inside `attr[…]`), naming sub-attributes only.
    pub fn value_filter_text(&self) -> String {
        struct Inner<'a>(&'a Filter);
        impl fmt::Display for Inner<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt_filter(self.0, f, true)
            }
        }
        Inner(self).to_string()
    }

    /// How deeply the filter nests (a single comparison is 1).
    pub fn depth(&self) -> usize {
        match self {
            Filter::Present { .. } | Filter::Compare { .. } => 1,
            Filter::Not { filter } | Filter::ValuePath { filter, .. } => 1 + filter.depth(),
            Filter::And { filters } | Filter::Or { filters } => {
                1 + filters.iter().map(Filter::depth).max().unwrap_or(0)
            }
        }
    }
}

impl fmt::Display for Filter {
    /// The canonical SCIM text of the filter; parsing it gives the same AST.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_filter(self, f, false)
    }
}

/// Inside a value path, attribute references print only their sub-attribute name.
fn fmt_attr(attr: &AttrRef, f: &mut fmt::Formatter<'_>, inner: bool) -> fmt::Result {
    match (inner, attr.sub) {
        (true, Some(sub)) => f.write_str(sub.name),
        _ => write!(f, "{attr}"),
    }
}

fn fmt_filter(filter: &Filter, f: &mut fmt::Formatter<'_>, inner: bool) -> fmt::Result {
    let group = |filters: &[Filter], sep: &str, f: &mut fmt::Formatter<'_>| -> fmt::Result {
        for (i, item) in filters.iter().enumerate() {
            if i > 0 {
                write!(f, " {sep} ")?;
            }
            let paren = matches!(item, Filter::And { .. } | Filter::Or { .. });
            if paren {
                f.write_str("(")?;
            }
            fmt_filter(item, f, inner)?;
            if paren {
                f.write_str(")")?;
            }
        }
        Ok(())
    };
    match filter {
        Filter::Present { attr } => {
            fmt_attr(attr, f, inner)?;
            f.write_str(" pr")
        }
        Filter::Compare { attr, op, value } => {
            fmt_attr(attr, f, inner)?;
            write!(f, " {} {value}", op.as_str())
        }
        Filter::Not { filter } => {
            f.write_str("not (")?;
            fmt_filter(filter, f, inner)?;
            f.write_str(")")
        }
        Filter::And { filters } => group(filters, "and", f),
        Filter::Or { filters } => group(filters, "or", f),
        Filter::ValuePath { attr, filter } => {
            write!(f, "{attr}[")?;
            fmt_filter(filter, f, true)?;
            f.write_str("]")
        }
    }
}

/// Why a filter (or PATCH path) was refused. `Display` names the position and the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    /// Longer than the limit.
    #[error("the filter is {len} bytes long; the limit is {limit}")]
    TooLong {
        /// The filter's length.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// Nested deeper than the limit.
    #[error("the filter nests deeper than {limit} levels")]
    TooDeep {
        /// The limit.
        limit: usize,
    },
    /// Not valid filter syntax.
    #[error("invalid filter at byte {at}: {message}")]
    Syntax {
        /// Byte offset.
        at: usize,
        /// What is wrong.
        message: String,
    },
    /// An attribute that does not resolve.
    #[error("{0}")]
    Path(#[from] PathError),
    /// An operator or value that the attribute's type does not allow.
    #[error("{0}")]
    Type(String),
}

impl FilterError {
    /// A syntax error at byte `at`.
    pub(crate) fn syntax(at: usize, message: impl Into<String>) -> Self {
        FilterError::Syntax { at, message: message.into() }
    }
}
