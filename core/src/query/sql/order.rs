//! `sortBy` / `sortOrder` as `ORDER BY`, ordering exactly as [`SortSpec::compare`] does:
//! by the sort key (the primary value of a multi-valued attribute, else its first), resources
//! without one last ascending and first descending, ties in the store's order.

use super::Dialect;
use super::filter::quote;
use super::layout::{ColumnKind, Layout, Place, ValuesTable};
use crate::query::SortSpec;
use crate::query::path::AttrRef;
use crate::schema::AttrType;

/// The `ORDER BY` terms (without the keywords) that sort as `sort` does over `layout`, the
/// layout's tie-break last; `None` when the layout does not place the attribute (the host then
/// sorts with [`SortSpec::sort`]).
pub fn order_by(sort: &SortSpec, layout: &Layout) -> Option<String> {
    let dir = if sort.descending { "DESC" } else { "ASC" };
    let pg = layout.dialect == Dialect::Postgres;
    let collate = |text: bool| if text && pg { " COLLATE \"C\"" } else { "" };
    let mut terms = Vec::new();
    let mut key = |expr: String, nullable: bool, text: bool| {
        if nullable {
            terms.push(format!("({expr} IS NULL) {dir}"));
        }
        terms.push(format!("{expr}{} {dir}", collate(text)));
    };
    match layout.place(&sort.attr) {
        Place::Column(column) => match &column.kind {
            ColumnKind::Key => key(column.sql.clone(), column.nullable, true),
            ColumnKind::Boolean { is_true, is_false } => {
                key(format!("CASE WHEN {is_true} THEN 1 WHEN {is_false} THEN 0 END"), true, false);
            }
            ColumnKind::EpochMillis => key(column.sql.clone(), column.nullable, false),
        },
        // The same key (or none) for every resource: only the tie-break orders.
        Place::Constant(_) => {}
        Place::Values(table) => {
            let element = sort_element(table, &sort.attr);
            let path = sort.attr.to_string();
            let value = |column: &str| {
                format!(
                    "(SELECT k.{column} FROM {} k WHERE k.{} = {} AND k.owner = {} AND k.path = {} AND k.elem = {element})",
                    table.table,
                    table.scope_column,
                    table.scope_value,
                    table.owner,
                    quote(&path)
                )
            };
            match sort.attr.target().ty {
                AttrType::Boolean => key(value("key_int"), true, false),
                // An f64 order, its ties between i64s broken exactly.
                AttrType::Integer | AttrType::Decimal => {
                    key(value("key_num"), true, false);
                    terms.push(format!("{} {dir}", value("key_int")));
                }
                _ => key(value("key_text"), true, true),
            }
        }
        Place::Unmapped => return None,
    }
    terms.extend(layout.tie_break.iter().map(|t| format!("{t} ASC")));
    Some(terms.join(", "))
}

/// The SQL of the element a resource sorts by: the first with `primary` true for a
/// sub-attribute of a multi-valued attribute that has `primary`, else the first.
fn sort_element(table: &ValuesTable, attr: &AttrRef) -> String {
    let primary = attr.attr.sub("primary").filter(|p| p.ty == AttrType::Boolean);
    match (attr.attr.multi_valued, attr.sub, primary) {
        (true, Some(_), Some(primary)) => format!(
            "coalesce((SELECT min(p.elem) FROM {} p WHERE p.{} = {} AND p.owner = {} AND p.path = {} AND p.key_int = 1), 0)",
            table.table,
            table.scope_column,
            table.scope_value,
            table.owner,
            quote(&attr.with_sub(primary).to_string())
        ),
        _ => "0".to_owned(),
    }
}
