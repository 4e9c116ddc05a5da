//! The translation of a [`Filter`] into a SQL condition over a [`Layout`].
//!
//! Every comparison the core makes is reproduced exactly: keys are computed by the core
//! ([`keys`](super::keys)), text compares in byte order (`COLLATE "C"` in PostgreSQL), values
//! are bind parameters only. Attributes the layout does not place make the translation a
//! superset (`exact: false`): an unplaced comparison is true where the filter needs a
//! superset of it and false where (under `not`) it needs a subset.

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::cond::Cond;
use super::keys::{prefix_successor, text_key, time_key};
use super::layout::{Column, ColumnKind, Layout, Place, ValuesTable};
use super::{Dialect, SqlValue, Translation};
use crate::query::eval::{Element, Val, compare};
use crate::query::path::AttrRef;
use crate::query::{CompValue, CompareOp, Filter};
use crate::schema::{AttrType, AttributeDef};

/// Translate `filter` into a condition over `layout`'s row, numbering its parameters from
/// `first_param` (the store binds its own, such as the workspace, before them).
pub fn filter_to_sql(filter: &Filter, layout: &Layout, first_param: usize) -> Translation {
    let mut tr = Translator { layout, params: Vec::new(), exact: true, aliases: 0 };
    let sql = tr.filter(filter, true, None).into_sql();
    let (sql, params) = number_params(&sql, tr.params, layout.dialect, first_param);
    Translation { sql, params, exact: tr.exact }
}

/// Marks a parameter in SQL under construction: parts folded away (`x or true`) take their
/// parameters with them, so placeholders are numbered once the SQL is final.
const MARK: char = '\u{1}';

/// Replace each parameter mark by its placeholder, numbered from `first` in order of
/// appearance, and keep only the parameters the final SQL uses.
fn number_params(sql: &str, params: Vec<SqlValue>, dialect: Dialect, first: usize) -> (String, Vec<SqlValue>) {
    let mut out = String::with_capacity(sql.len());
    let mut numbers: Vec<Option<usize>> = vec![None; params.len()];
    let mut used = Vec::new();
    let mut parts = sql.split(MARK);
    out.push_str(parts.next().unwrap_or(""));
    while let (Some(index), Some(rest)) = (parts.next(), parts.next()) {
        let index: usize = index.parse().expect("marks hold parameter indexes");
        let number = *numbers[index].get_or_insert_with(|| {
            used.push(index);
            first + used.len() - 1
        });
        out.push_str(&dialect.placeholder(number));
        out.push_str(rest);
    }
    let mut params: Vec<Option<SqlValue>> = params.into_iter().map(Some).collect();
    let kept = used.into_iter().map(|i| params[i].take().expect("each parameter is numbered once")).collect();
    (out, kept)
}

/// What an atom tests once `ne` and `eq null` are rewritten as negations.
#[derive(Clone, Copy)]
enum Test<'f> {
    /// Some value is present.
    Present,
    /// Some value compares so (never `ne`).
    Compare(CompareOp, &'f CompValue),
}

/// `(negated, attribute, test)` of a comparison or presence filter.
fn split(filter: &Filter) -> Option<(bool, &AttrRef, Test<'_>)> {
    Some(match filter {
        Filter::Present { attr } => (false, attr, Test::Present),
        Filter::Compare { attr, op: CompareOp::Eq, value: CompValue::Null } => (true, attr, Test::Present),
        Filter::Compare { attr, op: CompareOp::Ne, value: CompValue::Null } => (false, attr, Test::Present),
        Filter::Compare { attr, op: CompareOp::Ne, value } => (true, attr, Test::Compare(CompareOp::Eq, value)),
        Filter::Compare { attr, op, value } => (false, attr, Test::Compare(*op, value)),
        _ => return None,
    })
}

/// The key columns of a values-table row under an alias.
struct Keys {
    text: String,
    num: String,
    int: String,
}

impl Keys {
    fn of(alias: &str) -> Keys {
        Keys { text: format!("{alias}.key_text"), num: format!("{alias}.key_num"), int: format!("{alias}.key_int") }
    }
}

/// Inside `attr[…]` over a values table: the alias of the row whose element the value filter
/// is testing, and that row's path.
struct Elem<'a> {
    table: &'a ValuesTable,
    alias: String,
    path: String,
}

struct Translator<'a> {
    layout: &'a Layout,
    params: Vec<SqlValue>,
    exact: bool,
    aliases: usize,
}

impl Translator<'_> {
    fn dialect(&self) -> Dialect {
        self.layout.dialect
    }

    /// A parameter's mark (see [`number_params`]).
    fn param(&mut self, value: SqlValue) -> String {
        self.params.push(value);
        format!("{MARK}{}{MARK}", self.params.len() - 1)
    }

    fn alias(&mut self) -> String {
        self.aliases += 1;
        format!("v{}", self.aliases)
    }

    /// `positive`: whether `filter` counts positively in the whole (under an even number of
    /// `not`s), which decides whether an unplaced part becomes true or false.
    fn filter(&mut self, filter: &Filter, positive: bool, elem: Option<&Elem<'_>>) -> Cond {
        match filter {
            Filter::Not { filter } => self.filter(filter, !positive, elem).not(),
            Filter::And { filters } => {
                Cond::all(filters.iter().map(|f| self.filter(f, positive, elem)).collect::<Vec<_>>())
            }
            Filter::Or { filters } => {
                Cond::any(filters.iter().map(|f| self.filter(f, positive, elem)).collect::<Vec<_>>())
            }
            Filter::ValuePath { attr, filter } => self.value_path(attr, filter, positive),
            atom => {
                let (negated, attr, test) = split(atom).expect("only atoms are left");
                let cond = match elem {
                    Some(elem) => self.element_test(elem, attr, test),
                    None => self.test(attr, test, positive != negated),
                };
                if negated { cond.not() } else { cond }
            }
        }
    }

    /// Whether some value of `attr` passes `test`; `superset` says which way to err when the
    /// layout cannot say.
    fn test(&mut self, attr: &AttrRef, test: Test<'_>, superset: bool) -> Cond {
        let def = attr.target();
        match self.layout.place(attr) {
            Place::Column(column) => self.column_test(column, def, test),
            Place::Constant(value) => Cond::from_bool(value.is_some_and(|v| {
                let v = Value::from(v);
                match test {
                    Test::Present => !v.as_str().unwrap_or("").is_empty(),
                    Test::Compare(op, lit) => compare(def, op, Val::Json(&v), lit),
                }
            })),
            Place::Values(table) => {
                let alias = self.alias();
                match self.value_test(&alias, def, test) {
                    Cond::False => Cond::False,
                    cond => self.owner_in(table, &alias, &attr.to_string(), cond),
                }
            }
            Place::Unmapped => self.unplaced(superset),
        }
    }

    fn unplaced(&mut self, superset: bool) -> Cond {
        self.exact = false;
        Cond::from_bool(superset)
    }

    /// `owner IN (the owners of rows at path that satisfy cond)`.
    fn owner_in(&mut self, table: &ValuesTable, alias: &str, path: &str, cond: Cond) -> Cond {
        let rows = Cond::all([self.scoped(table, alias, path), cond]).into_sql();
        Cond::Sql(format!("{} IN (SELECT {alias}.owner FROM {} {alias} WHERE {rows})", table.owner, table.table))
    }

    fn scoped(&self, table: &ValuesTable, alias: &str, path: &str) -> Cond {
        Cond::Sql(format!("{alias}.{} = {} AND {alias}.path = {}", table.scope_column, table.scope_value, quote(path)))
    }

    /// A test of one values-table row under `alias`.
    fn value_test(&mut self, alias: &str, def: &AttributeDef, test: Test<'_>) -> Cond {
        match test {
            Test::Present => Cond::Sql(format!("{alias}.present")),
            Test::Compare(op, lit) => self.compare_keys(def, op, lit, &Keys::of(alias)),
        }
    }

    /// The core's comparison of a value with `lit`, over the value's keys.
    fn compare_keys(&mut self, def: &AttributeDef, op: CompareOp, lit: &CompValue, keys: &Keys) -> Cond {
        match (def.ty, lit) {
            (AttrType::DateTime, CompValue::String(s)) => match OffsetDateTime::parse(s, &Rfc3339) {
                Ok(t) if !op.is_substring() => self.text_compare(&keys.text, op, time_key(t)),
                _ => Cond::False,
            },
            (AttrType::DateTime, _) => Cond::False,
            (AttrType::Boolean, CompValue::Bool(b)) if op == CompareOp::Eq => {
                let p = self.param(SqlValue::Int(i64::from(*b)));
                Cond::Sql(format!("{} = {p}", keys.int))
            }
            (AttrType::Integer | AttrType::Decimal, CompValue::Number(n)) if !op.is_substring() => {
                let Some(f) = n.as_f64() else { return Cond::False };
                let sym = symbol(op);
                let pf = self.param(SqlValue::Real(f));
                match n.as_i64() {
                    // Two i64s compare exactly, anything else as f64 (as the core compares).
                    Some(i) => {
                        let pi = self.param(SqlValue::Int(i));
                        let (int, num) = (&keys.int, &keys.num);
                        Cond::Sql(format!(
                            "({int} IS NOT NULL AND {int} {sym} {pi}) OR ({int} IS NULL AND {num} {sym} {pf})"
                        ))
                    }
                    None => Cond::Sql(format!("{} {sym} {pf}", keys.num)),
                }
            }
            (_, CompValue::String(s)) => self.text_compare(&keys.text, op, text_key(def, s)),
            _ => Cond::False,
        }
    }

    /// `expr op key` in byte order, for a text expression that is NULL or a key.
    fn text_compare(&mut self, expr: &str, op: CompareOp, key: String) -> Cond {
        let pg = self.dialect() == Dialect::Postgres;
        let ordered = if pg { format!("{expr} COLLATE \"C\"") } else { expr.to_owned() };
        if key.is_empty() && op.is_substring() {
            // Every string contains, starts and ends with "".
            return Cond::Sql(format!("{expr} IS NOT NULL"));
        }
        let successor = if op == CompareOp::Sw { prefix_successor(&key) } else { None };
        let p = self.param(SqlValue::Text(key));
        Cond::Sql(match op {
            CompareOp::Eq => format!("{expr} = {p}"),
            CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le => {
                format!("{ordered} {} {p}", symbol(op))
            }
            CompareOp::Co if pg => format!("strpos({expr}, {p}) > 0"),
            CompareOp::Co => format!("instr({expr}, {p}) > 0"),
            // A range the text index answers: [prefix, successor).
            CompareOp::Sw => match successor {
                Some(next) => {
                    let q = self.param(SqlValue::Text(next));
                    format!("{ordered} >= {p} AND {ordered} < {q}")
                }
                None if pg => format!("{ordered} >= {p} AND left({expr}, char_length({p})) = {p}"),
                None => format!("{ordered} >= {p} AND substr({expr}, 1, length({p})) = {p}"),
            },
            CompareOp::Ew if pg => format!("right({expr}, char_length({p})) = {p}"),
            CompareOp::Ew => format!("substr({expr}, -length({p})) = {p}"),
            CompareOp::Ne => unreachable!("ne is rewritten as not eq"),
        })
    }

    /// A test of a column-placed attribute; NULL columns are guarded so that `not` is exact.
    fn column_test(&mut self, column: &Column, def: &AttributeDef, test: Test<'_>) -> Cond {
        let cond = match (&column.kind, test) {
            (ColumnKind::Key, Test::Present) => Cond::Sql(format!("{} <> ''", column.sql)),
            (ColumnKind::Key, Test::Compare(op, CompValue::String(s))) => {
                self.text_compare(&column.sql, op, text_key(def, s))
            }
            (ColumnKind::Boolean { is_true, is_false }, Test::Present) => {
                return Cond::Sql(format!("({is_true}) OR ({is_false})"));
            }
            (ColumnKind::Boolean { is_true, is_false }, Test::Compare(CompareOp::Eq, CompValue::Bool(b))) => {
                return Cond::Sql(if *b { is_true.clone() } else { is_false.clone() });
            }
            (ColumnKind::EpochMillis, Test::Present) => Cond::True,
            (ColumnKind::EpochMillis, Test::Compare(op, CompValue::String(s))) => {
                self.millis_compare(&column.sql, op, s)
            }
            _ => Cond::False,
        };
        match cond {
            Cond::False => Cond::False,
            cond if column.nullable => Cond::all([Cond::Sql(format!("{} IS NOT NULL", column.sql)), cond]),
            cond => cond,
        }
    }

    /// `column op time` for a column of whole milliseconds and a time of any precision.
    fn millis_compare(&mut self, column: &str, op: CompareOp, text: &str) -> Cond {
        let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) else { return Cond::False };
        const NANOS_PER_MS: i128 = 1_000_000;
        let nanos = t.unix_timestamp_nanos();
        let floor = nanos.div_euclid(NANOS_PER_MS);
        let exact = nanos.rem_euclid(NANOS_PER_MS) == 0;
        let ceil = if exact { floor } else { floor + 1 };
        // ms * 10^6 > n  ⇔  ms > floor(n / 10^6), and so on for each operator.
        let (sym, bound) = match op {
            CompareOp::Eq if !exact => return Cond::False,
            CompareOp::Eq => ("=", floor),
            CompareOp::Gt => (">", floor),
            CompareOp::Ge => (">=", ceil),
            CompareOp::Lt => ("<", ceil),
            CompareOp::Le => ("<=", floor),
            _ => return Cond::False,
        };
        let Ok(bound) = i64::try_from(bound) else { return Cond::False };
        let p = self.param(SqlValue::Int(bound));
        Cond::Sql(format!("{column} {sym} {p}"))
    }

    /// `attr[filter]`: some value of `attr` satisfies `filter`.
    fn value_path(&mut self, attr: &AttrRef, filter: &Filter, positive: bool) -> Cond {
        let place = self.layout.place(attr);
        if let Place::Constant(value) = place {
            let matches = value.is_some_and(|v| filter.matches(&Element(&Value::from(v))));
            return Cond::from_bool(matches);
        }
        if !attr.attr.multi_valued {
            // One value: the filter over it is the filter over the resource, given a value.
            let exists = match place {
                Place::Column(column) => Cond::Sql(format!("{} IS NOT NULL", column.sql)),
                Place::Values(table) => {
                    let alias = self.alias();
                    self.owner_in(table, &alias, &attr.to_string(), Cond::True)
                }
                _ => self.unplaced(positive),
            };
            let inner = self.filter(filter, positive, None);
            return Cond::all([exists, inner]);
        }
        let Place::Values(table) = place else { return self.unplaced(positive) };
        // Drive from the rows of a sub-attribute the filter requires, when there is one: an
        // indexed lookup instead of a walk over every element.
        let path = driver(filter).map_or_else(|| attr.to_string(), |a| a.to_string());
        let elem = Elem { table, alias: self.alias(), path };
        let inner = self.filter(filter, positive, Some(&elem));
        match inner {
            Cond::False => Cond::False,
            inner => self.owner_in(table, &elem.alias, &elem.path, inner),
        }
    }

    /// An atom inside `attr[…]`, tested on the element under `elem`.
    fn element_test(&mut self, elem: &Elem<'_>, attr: &AttrRef, test: Test<'_>) -> Cond {
        let path = attr.to_string();
        let def = attr.target();
        if path == elem.path {
            return self.value_test(&elem.alias, def, test);
        }
        let x = self.alias();
        let cond = match self.value_test(&x, def, test) {
            Cond::False => return Cond::False,
            cond => cond.into_sql(),
        };
        let (e, t) = (&elem.alias, elem.table);
        let scope = &t.scope_column;
        Cond::Sql(format!(
            "EXISTS (SELECT 1 FROM {} {x} WHERE {x}.{scope} = {e}.{scope} AND {x}.owner = {e}.owner \
             AND {x}.elem = {e}.elem AND {x}.path = {} AND {cond})",
            t.table,
            quote(&path)
        ))
    }
}

/// A sub-attribute some positive comparison of `filter` (or of one of its `and` operands)
/// requires a value of, the most selective first: an equality on a free-form sub-attribute
/// (`value`), then one on a labelling one (`type`, `primary`), then any other comparison.
/// Entra's `emails[type eq "work"].value eq "x"` drives from `emails.value`.
fn driver(filter: &Filter) -> Option<&AttrRef> {
    let operands = match filter {
        Filter::And { filters } => filters.as_slice(),
        one => std::slice::from_ref(one),
    };
    operands
        .iter()
        .filter_map(|f| match split(f) {
            Some((false, attr, test)) if attr.sub.is_some() => Some((selectivity_rank(attr, test), attr)),
            _ => None,
        })
        .min_by_key(|(rank, _)| *rank)
        .map(|(_, attr)| attr)
}

/// Lower is more selective.
fn selectivity_rank(attr: &AttrRef, test: Test<'_>) -> u8 {
    let def = attr.target();
    let labelling = def.ty == AttrType::Boolean || !def.canonical_values.is_empty() || def.name == "type";
    match (test, labelling) {
        (Test::Compare(CompareOp::Eq, _), false) => 0,
        (Test::Compare(CompareOp::Eq, _), true) => 1,
        (Test::Compare(..), _) => 2,
        (Test::Present, _) => 3,
    }
}

fn symbol(op: CompareOp) -> &'static str {
    match op {
        CompareOp::Eq => "=",
        CompareOp::Gt => ">",
        CompareOp::Ge => ">=",
        CompareOp::Lt => "<",
        CompareOp::Le => "<=",
        _ => unreachable!("only comparisons have a symbol"),
    }
}

/// A SQL string literal (attribute paths only: they come from the schema, never from input).
pub(crate) fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}
