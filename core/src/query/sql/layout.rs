//! Where a resource's attributes live in SQL: a [`Layout`] places each attribute in a column
//! of the resource's row, in a values table (one row per value, for everything else), or
//! nowhere (a host's schema without it: translations over it are not exact).

use std::fmt;
use std::sync::OnceLock;

use super::Dialect;
use crate::query::path::{AttrRef, resolve_attr_in};
use crate::schema::{AttrType, COMMON_ATTRIBUTES, GROUP, ResourceType, USER};

/// What a column holds for its attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnKind {
    /// Text: the attribute's one string value as [`text_key`](super::text_key) keys it (folded
    /// by [`fold_key`](super::fold_key) unless the attribute is caseExact); NULL without one.
    Key,
    /// A boolean attribute, as two SQL predicates over the row: one true exactly when the value
    /// is `true`, one exactly when it is `false` (both false, never NULL, without a value).
    Boolean {
        /// True when the attribute's value is `true`.
        is_true: String,
        /// True when the attribute's value is `false`.
        is_false: String,
    },
    /// A dateTime as whole milliseconds since the Unix epoch (an integer).
    EpochMillis,
}

/// One attribute's column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The SQL of the column (qualified by the row's alias, `r.user_name_key`) or of an
    /// expression over the row.
    pub sql: String,
    /// What it holds.
    pub kind: ColumnKind,
    /// Whether it may be NULL (comparisons then guard it so that `not` stays exact).
    pub nullable: bool,
}

impl Column {
    /// A key column (see [`ColumnKind::Key`]).
    pub fn key(sql: impl Into<String>, nullable: bool) -> Column {
        Column { sql: sql.into(), kind: ColumnKind::Key, nullable }
    }

    /// A boolean column in the dialect's boolean type, NULL when the attribute has no value.
    pub fn boolean(sql: impl Into<String>) -> Column {
        let sql = sql.into();
        let kind = ColumnKind::Boolean {
            is_true: format!("({sql} IS NOT NULL AND {sql} = TRUE)"),
            is_false: format!("({sql} IS NOT NULL AND {sql} = FALSE)"),
        };
        Column { sql, kind, nullable: true }
    }

    /// A dateTime column in epoch milliseconds.
    pub fn epoch_millis(sql: impl Into<String>, nullable: bool) -> Column {
        Column { sql: sql.into(), kind: ColumnKind::EpochMillis, nullable }
    }
}

/// The table holding one row per value of the attributes that have no column, as
/// [`value_rows`](super::value_rows) computes them. Its columns: `owner` (the resource row's
/// [`ValuesTable::owner`]), `path`, `elem`, `present`, `key_text`, `key_num`, `key_int`, and
/// the scope column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValuesTable {
    /// The table's name.
    pub table: String,
    /// The SQL of the resource row's key that the values' `owner` column holds (`r.seq`).
    pub owner: String,
    /// The values table's column that scopes rows (`workspace_id`) …
    pub scope_column: String,
    /// … and the SQL it must equal (the store's placeholder for the workspace, `?1`).
    pub scope_value: String,
}

/// Why a layout was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct LayoutError(pub String);

/// Where an attribute lives.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Place<'a> {
    /// In a column of the row.
    Column(&'a Column),
    /// Nowhere, but the same for every resource of the type: `meta` and `meta.resourceType`
    /// are its name, `meta.location` has no value in a record.
    Constant(Option<&'static str>),
    /// In the values table.
    Values(&'a ValuesTable),
    /// Nowhere: a translation over it is a superset, not exact.
    Unmapped,
}

/// How one resource type is stored: which attribute is in which column, the values table for
/// the rest, and the order among equal sort keys.
#[derive(Debug, Clone)]
pub struct Layout {
    pub(crate) resource: &'static ResourceType,
    pub(crate) dialect: Dialect,
    pub(crate) columns: Vec<(AttrRef, Column)>,
    pub(crate) values: Option<ValuesTable>,
    pub(crate) tie_break: Option<String>,
    /// What [`Layout::values_attrs`] answers, computed once: every write of a record asks.
    values_attrs: OnceLock<Vec<AttrRef>>,
}

impl Layout {
    /// A layout for resources of `resource` (`"User"` or `"Group"`) with no columns yet.
    pub fn new(resource: &str, dialect: Dialect) -> Result<Layout, LayoutError> {
        let resource = match resource {
            r if r.eq_ignore_ascii_case("User") => &USER,
            r if r.eq_ignore_ascii_case("Group") => &GROUP,
            other => return Err(LayoutError(format!("unknown resource type \"{other}\"; use \"User\" or \"Group\""))),
        };
        Ok(Layout {
            resource,
            dialect,
            columns: Vec::new(),
            values: None,
            tie_break: None,
            values_attrs: OnceLock::new(),
        })
    }

    /// Place the attribute at `path` (`userName`, `name.familyName`, `active`,
    /// `meta.lastModified`, an enterprise attribute by its URN) in `column`. A column holds
    /// one value: multi-valued attributes and complex ones cannot have one, key columns hold
    /// textual attributes, boolean and epoch columns boolean and dateTime ones.
    pub fn column(mut self, path: &str, column: Column) -> Result<Layout, LayoutError> {
        let attr = resolve_attr_in(self.resource, path).map_err(|e| LayoutError(format!("column for {path}: {e}")))?;
        let def = attr.target();
        let fits = match column.kind {
            ColumnKind::Key => matches!(def.ty, AttrType::String | AttrType::Reference | AttrType::Binary),
            ColumnKind::Boolean { .. } => def.ty == AttrType::Boolean,
            ColumnKind::EpochMillis => def.ty == AttrType::DateTime,
        };
        if attr.attr.multi_valued || def.ty == AttrType::Complex || !fits {
            return Err(LayoutError(format!(
                "attribute {attr} ({}{}) cannot have a {} column",
                if attr.attr.multi_valued { "multi-valued " } else { "" },
                def.ty.as_str(),
                column.kind
            )));
        }
        if self.columns.iter().any(|(a, _)| same_ref(a, &attr)) {
            return Err(LayoutError(format!("attribute {attr} has two columns")));
        }
        self.columns.push((attr, column));
        self.values_attrs = OnceLock::new();
        Ok(self)
    }

    /// Keep every attribute without a column in `values`.
    pub fn values(mut self, values: ValuesTable) -> Layout {
        self.values = Some(values);
        self.values_attrs = OnceLock::new();
        self
    }

    /// Order resources with equal sort keys by `sql` ascending (the store's insertion order),
    /// as the core's stable sort keeps the store's order.
    pub fn tie_break(mut self, sql: impl Into<String>) -> Layout {
        self.tie_break = Some(sql.into());
        self
    }

    /// The `ORDER BY` term of the tie-break, if there is one.
    pub(crate) fn tie_break_term(&self) -> Option<String> {
        self.tie_break.as_ref().map(|t| format!("{t} ASC"))
    }

    /// The dialect the layout's SQL is written in.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Where `attr` lives.
    pub(crate) fn place(&self, attr: &AttrRef) -> Place<'_> {
        if let Some((_, column)) = self.columns.iter().find(|(a, _)| same_ref(a, attr)) {
            return Place::Column(column);
        }
        if attr.is_common() && attr.attr.name == "meta" {
            match attr.sub.map(|s| s.name) {
                None | Some("resourceType") => return Place::Constant(Some(self.resource.name)),
                Some("location") => return Place::Constant(None),
                _ => {}
            }
        }
        match &self.values {
            Some(values) => Place::Values(values),
            None => Place::Unmapped,
        }
    }

    /// Every attribute reference of the resource type whose values go to the values table:
    /// each top-level attribute, and each sub-attribute of a complex one.
    pub(crate) fn values_attrs(&self) -> &[AttrRef] {
        self.values_attrs.get_or_init(|| self.compute_values_attrs())
    }

    fn compute_values_attrs(&self) -> Vec<AttrRef> {
        let mut out = Vec::new();
        for schema in self.resource.schemas {
            let common = if schema.is_extension { &[][..] } else { COMMON_ATTRIBUTES };
            for attr in schema.attributes.iter().chain(common) {
                let whole = AttrRef { schema, attr, sub: None };
                out.push(whole);
                out.extend(attr.sub_attributes.iter().map(|s| whole.with_sub(s)));
            }
        }
        out.retain(|a| matches!(self.place(a), Place::Values(_)));
        out
    }
}

/// Whether two references name the same attribute: by identity, since the schema tables are
/// statics (a derived `==` would compare whole schema tables, field by field).
pub(crate) fn same_ref(a: &AttrRef, b: &AttrRef) -> bool {
    std::ptr::eq(a.schema, b.schema)
        && std::ptr::eq(a.attr, b.attr)
        && match (a.sub, b.sub) {
            (Some(x), Some(y)) => std::ptr::eq(x, y),
            (None, None) => true,
            _ => false,
        }
}

impl fmt::Display for ColumnKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ColumnKind::Key => "key",
            ColumnKind::Boolean { .. } => "boolean",
            ColumnKind::EpochMillis => "epoch-milliseconds",
        })
    }
}

/// The layout of the `users` table of sso-scim's own stores (SQLite and PostgreSQL), aliased
/// `r`, with `user_values` scoped by the workspace bound as the first parameter.
pub fn store_users(dialect: Dialect) -> Layout {
    let layout = Layout::new("User", dialect).expect("a known resource type");
    let layout = store_common(layout, "user_values")
        .and_then(|l| l.column("userName", Column::key("r.user_name_key", false)))
        .and_then(|l| l.column("displayName", Column::key("r.display_name_key", true)))
        .and_then(|l| l.column("name.givenName", Column::key("r.given_name_key", true)))
        .and_then(|l| l.column("name.familyName", Column::key("r.family_name_key", true)))
        .and_then(|l| {
            // The stores list visible users only, so `false` is exactly `archived`: an equality
            // the (workspace_id, state, seq) index answers.
            let kind =
                ColumnKind::Boolean { is_true: "r.state = 'active'".into(), is_false: "r.state = 'archived'".into() };
            l.column("active", Column { sql: "r.state".into(), kind, nullable: false })
        });
    layout.expect("the store layout is valid")
}

/// The layout of the `groups` table of sso-scim's own stores, like [`store_users`].
pub fn store_groups(dialect: Dialect) -> Layout {
    let layout = Layout::new("Group", dialect).expect("a known resource type");
    let layout = store_common(layout, "group_values")
        .and_then(|l| l.column("displayName", Column::key("r.display_name_key", false)));
    layout.expect("the store layout is valid")
}

/// What users and groups share in sso-scim's stores: id, externalId, meta times and version
/// as columns, the values table and insertion order.
fn store_common(layout: Layout, values_table: &str) -> Result<Layout, LayoutError> {
    let dialect = layout.dialect;
    let first = dialect.placeholder(1);
    layout
        .values(ValuesTable {
            table: values_table.into(),
            owner: "r.seq".into(),
            scope_column: "workspace_id".into(),
            scope_value: first,
        })
        .tie_break("r.seq")
        .column("id", Column::key("r.id", false))?
        .column("externalId", Column::key("r.external_id", true))?
        .column("meta.created", Column::epoch_millis("r.created_ms", false))?
        .column("meta.lastModified", Column::epoch_millis("r.last_modified_ms", false))?
        // The entity tag W/"<version>", built from the version column in SQL.
        .column("meta.version", Column::key("('W/\"' || r.version || '\"')", false))
}
