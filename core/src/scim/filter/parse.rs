//! Recursive-descent parser for filters and PATCH paths. Precedence, loosest first: `or`,
//! `and`, then `not (…)`, `( … )` and single comparisons. Recursion happens only through
//! parentheses, `not` and value paths, and each level is counted against the depth limit
//! before it is entered, so no input can exhaust the stack.

use serde_json::Number;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::lex::{Kind, Token, tokenize};
use super::{FilterLimits, FilterOptions};
use crate::query::path::{AttrRef, PathError, Resolved, resolve_attr_in, resolve_in, resolve_sub};
use crate::query::{CompValue, CompareOp, Filter, FilterError};
use crate::schema::{AttrType, AttributeDef, ResourceType, SchemaDef, USER};

/// Parse a filter over Users (the `filter` query parameter or SearchRequest member).
pub fn parse_filter(text: &str, limits: FilterLimits, options: FilterOptions) -> Result<Filter, FilterError> {
    parse_filter_in(&USER, text, limits, options)
}

/// Parse a filter over resources of type `rt`.
pub fn parse_filter_in(
    rt: &'static ResourceType,
    text: &str,
    limits: FilterLimits,
    options: FilterOptions,
) -> Result<Filter, FilterError> {
    if text.len() > limits.max_len {
        return Err(FilterError::TooLong { len: text.len(), limit: limits.max_len });
    }
    let tokens = tokenize(text)?;
    let mut p = Parser { rt, tokens, pos: 0, limits, options, end: text.len() };
    if p.tokens.is_empty() {
        return Err(FilterError::syntax(0, "the filter is empty"));
    }
    let filter = p.or_expr(None, 1)?;
    p.expect_end()?;
    Ok(filter)
}

/// A parsed PATCH `path` (RFC 7644 §3.5.2): `attrPath`, `valuePath`, `valuePath.subAttr`, or a
/// bare extension URN naming the whole extension object.
#[derive(Debug, Clone, PartialEq)]
pub enum PatchPath {
    /// The whole extension object, e.g. `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`.
    Extension(&'static SchemaDef),
    /// An attribute, optionally filtered and narrowed to a sub-attribute.
    Attr {
        /// The attribute, never narrowed (`attr.sub` is `None`).
        attr: AttrRef,
        /// A value filter, for `emails[type eq "work"]`.
        filter: Option<Filter>,
        /// The sub-attribute, for `name.givenName` or `emails[type eq "work"].value`.
        sub: Option<&'static AttributeDef>,
    },
}

/// Parse a PATCH operation's `path` on a User.
pub fn parse_patch_path(text: &str, limits: FilterLimits, options: FilterOptions) -> Result<PatchPath, FilterError> {
    parse_patch_path_in(&USER, text, limits, options)
}

/// Parse a PATCH operation's `path` on a resource of type `rt`.
pub fn parse_patch_path_in(
    rt: &'static ResourceType,
    text: &str,
    limits: FilterLimits,
    options: FilterOptions,
) -> Result<PatchPath, FilterError> {
    if text.len() > limits.max_len {
        return Err(FilterError::TooLong { len: text.len(), limit: limits.max_len });
    }
    let tokens = tokenize(text)?;
    let mut p = Parser { rt, tokens, pos: 0, limits, options, end: text.len() };
    let Some(Token { kind: Kind::Word(word), .. }) = p.next() else {
        return Err(FilterError::syntax(0, "a path starts with an attribute name"));
    };
    if !p.peek_is(&Kind::OpenBracket) {
        p.expect_end()?;
        return Ok(match resolve_in(rt, word)? {
            Resolved::Extension(schema) => PatchPath::Extension(schema),
            Resolved::Attr(a) => PatchPath::Attr { attr: AttrRef { sub: None, ..a }, filter: None, sub: a.sub },
        });
    }
    let attr = value_path_attr(rt, word)?;
    p.pos += 1;
    let filter = p.or_expr(Some(attr), 2)?;
    p.expect(&Kind::CloseBracket, "]")?;
    let sub = match p.sub_attr_suffix(attr)? {
        Some(a) => a.sub,
        None => None,
    };
    p.expect_end()?;
    Ok(PatchPath::Attr { attr, filter: Some(filter), sub })
}

/// The attribute in front of `[`: complex, not narrowed to a sub-attribute.
fn value_path_attr(rt: &'static ResourceType, word: &str) -> Result<AttrRef, FilterError> {
    let attr = resolve_attr_in(rt, word)?;
    if attr.sub.is_some() || !attr.attr.is_complex() {
        return Err(FilterError::Type(format!("\"{word}\" is not a complex attribute, so it cannot take a [filter]")));
    }
    Ok(attr)
}

struct Parser<'a> {
    rt: &'static ResourceType,
    tokens: Vec<Token<'a>>,
    pos: usize,
    limits: FilterLimits,
    options: FilterOptions,
    end: usize,
}

impl<'a> Parser<'a> {
    fn next(&mut self) -> Option<Token<'a>> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn peek(&self) -> Option<&Token<'a>> {
        self.tokens.get(self.pos)
    }

    fn peek_is(&self, kind: &Kind<'_>) -> bool {
        self.peek().is_some_and(|t| &t.kind == kind)
    }

    fn peek_keyword(&self, keyword: &str) -> bool {
        matches!(self.peek(), Some(Token { kind: Kind::Word(w), .. }) if w.eq_ignore_ascii_case(keyword))
    }

    fn here(&self) -> usize {
        self.peek().map_or(self.end, |t| t.at)
    }

    fn expect(&mut self, kind: &Kind<'_>, shown: &str) -> Result<(), FilterError> {
        if self.peek_is(kind) {
            self.pos += 1;
            Ok(())
        } else {
            Err(FilterError::syntax(self.here(), format!("expected \"{shown}\"")))
        }
    }

    fn expect_end(&self) -> Result<(), FilterError> {
        match self.peek() {
            None => Ok(()),
            Some(t) => Err(FilterError::syntax(t.at, "unexpected text after the end of the expression")),
        }
    }

    fn enter(&self, depth: usize) -> Result<(), FilterError> {
        if depth > self.limits.max_depth { Err(FilterError::TooDeep { limit: self.limits.max_depth }) } else { Ok(()) }
    }

    fn or_expr(&mut self, ctx: Option<AttrRef>, depth: usize) -> Result<Filter, FilterError> {
        self.enter(depth)?;
        let mut items = vec![self.and_expr(ctx, depth)?];
        while self.peek_keyword("or") {
            self.pos += 1;
            items.push(self.and_expr(ctx, depth)?);
        }
        Ok(combine(items, false))
    }

    fn and_expr(&mut self, ctx: Option<AttrRef>, depth: usize) -> Result<Filter, FilterError> {
        let mut items = vec![self.unary(ctx, depth)?];
        while self.peek_keyword("and") {
            self.pos += 1;
            items.push(self.unary(ctx, depth)?);
        }
        Ok(combine(items, true))
    }

    fn unary(&mut self, ctx: Option<AttrRef>, depth: usize) -> Result<Filter, FilterError> {
        let at = self.here();
        if self.peek_keyword("not") && self.tokens.get(self.pos + 1).is_some_and(|t| t.kind == Kind::Open) {
            self.pos += 2;
            let inner = self.or_expr(ctx, depth + 1)?;
            self.expect(&Kind::Close, ")")?;
            return Ok(Filter::Not { filter: Box::new(inner) });
        }
        match self.next() {
            Some(Token { kind: Kind::Open, .. }) => {
                let inner = self.or_expr(ctx, depth + 1)?;
                self.expect(&Kind::Close, ")")?;
                Ok(inner)
            }
            Some(Token { kind: Kind::Word(word), .. }) => self.atom(word, at, ctx, depth),
            Some(t) => Err(FilterError::syntax(t.at, "expected an attribute name, \"not\" or \"(\"")),
            None => Err(FilterError::syntax(at, "the expression ends too early")),
        }
    }

    fn atom(&mut self, word: &str, at: usize, ctx: Option<AttrRef>, depth: usize) -> Result<Filter, FilterError> {
        if word.eq_ignore_ascii_case("not") {
            return Err(FilterError::syntax(at, "\"not\" must be followed by \"(\""));
        }
        if self.peek_is(&Kind::OpenBracket) {
            if ctx.is_some() {
                return Err(FilterError::syntax(self.here(), "value paths cannot nest"));
            }
            let attr = value_path_attr(self.rt, word)?;
            self.pos += 1;
            let inner = self.or_expr(Some(attr), depth + 1)?;
            self.expect(&Kind::CloseBracket, "]")?;
            // Entra's `emails[type eq "work"].value eq "x"` (outside the ABNF): the trailing
            // comparison applies to the same value as the bracketed filter.
            let filter = match self.sub_attr_suffix(attr)? {
                None => inner,
                Some(sub) => combine(vec![inner, self.comparison(sub)?], true),
            };
            return Ok(Filter::ValuePath { attr, filter: Box::new(filter) });
        }
        let attr = match ctx {
            Some(parent) => resolve_sub(parent, word)?,
            None => resolve_attr_in(self.rt, word)?,
        };
        self.comparison(attr)
    }

    /// `.sub` right after a `]`.
    fn sub_attr_suffix(&mut self, attr: AttrRef) -> Result<Option<AttrRef>, FilterError> {
        match self.peek() {
            Some(Token { kind: Kind::Word(w), at }) if w.starts_with('.') => {
                let (w, at) = (*w, *at);
                self.pos += 1;
                resolve_sub(attr, &w[1..]).map(Some).map_err(|e| match e {
                    PathError::Syntax(_) => FilterError::syntax(at, "expected a sub-attribute name"),
                    other => other.into(),
                })
            }
            _ => Ok(None),
        }
    }

    /// `pr`, or an operator and a value, after an attribute.
    fn comparison(&mut self, attr: AttrRef) -> Result<Filter, FilterError> {
        let at = self.here();
        let Some(Token { kind: Kind::Word(word), .. }) = self.next() else {
            return Err(FilterError::syntax(at, format!("expected an operator after \"{attr}\"")));
        };
        if word.eq_ignore_ascii_case("pr") {
            return Ok(Filter::Present { attr });
        }
        let op = CompareOp::from_keyword(word)
            .ok_or_else(|| FilterError::syntax(at, format!("unknown operator \"{word}\"")))?;
        let value = self.comp_value()?;
        let (attr, value) = check_comparison(attr, op, value, self.options)?;
        Ok(Filter::Compare { attr, op, value })
    }

    fn comp_value(&mut self) -> Result<CompValue, FilterError> {
        let at = self.here();
        match self.next() {
            Some(Token { kind: Kind::Str(s), .. }) => Ok(CompValue::String(s)),
            Some(Token { kind: Kind::Word(w), .. }) => {
                let literal = |name: &str| {
                    if self.options.lenient { w.eq_ignore_ascii_case(name) } else { w == name }
                };
                if literal("true") {
                    Ok(CompValue::Bool(true))
                } else if literal("false") {
                    Ok(CompValue::Bool(false))
                } else if literal("null") {
                    Ok(CompValue::Null)
                } else if let Ok(n) = serde_json::from_str::<Number>(w) {
                    Ok(CompValue::Number(n))
                } else if self.options.lenient {
                    Ok(CompValue::String(w.to_owned()))
                } else {
                    Err(FilterError::syntax(
                        at,
                        format!("expected a quoted string, number, true, false or null, not {w}"),
                    ))
                }
            }
            _ => Err(FilterError::syntax(at, "expected a value")),
        }
    }
}

fn combine(mut items: Vec<Filter>, and: bool) -> Filter {
    if items.len() == 1 {
        return items.pop().expect("one item");
    }
    let mut flat = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Filter::And { filters } if and => flat.extend(filters),
            Filter::Or { filters } if !and => flat.extend(filters),
            other => flat.push(other),
        }
    }
    if and { Filter::And { filters: flat } } else { Filter::Or { filters: flat } }
}

/// Check an operator and value against the attribute's type (RFC 7644 §3.4.2.2), narrowing a
/// complex attribute to its `value` sub-attribute (`emails co "x"` means `emails.value`).
fn check_comparison(
    attr: AttrRef,
    op: CompareOp,
    value: CompValue,
    options: FilterOptions,
) -> Result<(AttrRef, CompValue), FilterError> {
    let attr = if attr.sub.is_none() && attr.attr.is_complex() {
        let value_sub = attr
            .attr
            .sub("value")
            .ok_or_else(|| FilterError::Type(format!("\"{attr}\" is complex; compare one of its sub-attributes")))?;
        attr.with_sub(value_sub)
    } else {
        attr
    };
    let ty = attr.target().ty;
    let shown = format!("\"{attr} {} {value}\"", op.as_str());
    let refuse = |why: &str| Err(FilterError::Type(format!("{shown}: {why}")));
    if value == CompValue::Null {
        return if matches!(op, CompareOp::Eq | CompareOp::Ne) {
            Ok((attr, value))
        } else {
            refuse("null can only be compared with eq or ne")
        };
    }
    let value = match (ty, value) {
        (AttrType::Boolean, _) if op != CompareOp::Eq && op != CompareOp::Ne => {
            return refuse("a boolean can only be compared with eq or ne");
        }
        (AttrType::Boolean, CompValue::Bool(b)) => CompValue::Bool(b),
        (AttrType::Boolean, CompValue::String(s)) if options.lenient && s.eq_ignore_ascii_case("true") => {
            CompValue::Bool(true)
        }
        (AttrType::Boolean, CompValue::String(s)) if options.lenient && s.eq_ignore_ascii_case("false") => {
            CompValue::Bool(false)
        }
        (AttrType::Boolean, _) => return refuse("the attribute is a boolean"),
        (AttrType::Integer | AttrType::Decimal, _) if op.is_substring() => {
            return refuse("co, sw and ew compare strings");
        }
        (AttrType::Integer | AttrType::Decimal, CompValue::Number(n)) => CompValue::Number(n),
        (AttrType::Integer | AttrType::Decimal, _) => return refuse("the attribute is a number"),
        (AttrType::DateTime, _) if op.is_substring() => {
            return refuse("a dateTime compares with eq, ne, gt, ge, lt, le");
        }
        (AttrType::DateTime, CompValue::String(s)) => {
            if OffsetDateTime::parse(&s, &Rfc3339).is_err() {
                return refuse("the value is not an RFC 3339 date-time");
            }
            CompValue::String(s)
        }
        (AttrType::DateTime, _) => return refuse("the attribute is a dateTime"),
        (AttrType::Binary, _) if op.is_ordering() => return refuse("binary values cannot be ordered"),
        (_, CompValue::String(s)) => CompValue::String(s),
        (_, CompValue::Number(n)) if options.lenient => CompValue::String(n.to_string()),
        (_, _) => return refuse("the attribute is a string"),
    };
    Ok((attr, value))
}
