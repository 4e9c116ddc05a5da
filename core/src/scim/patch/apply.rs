//! Applying operations to a working copy of a user's document. The handler only stores the
//! result if every operation succeeded, which makes a PATCH atomic.
//!
//! Value semantics follow RFC 7644 §3.5.2.1–3; the Entra profile adds (see
//! [`Profile::Entra`](crate::scim::Profile::Entra)): a filtered path that matches nothing
//! creates the value its `eq` terms describe, `null`/`""` unassign, and `remove` with a value
//! list removes only the listed values.

use serde_json::{Map, Value};

use super::request::{OpKind, Operation, Target};
use crate::error::ErrorCode;
use crate::query::path::{AttrRef, PathError};
use crate::query::{CompValue, CompareOp, Filter, FilterError};
use crate::schema::{AttributeDef, Mutability, ResourceType, SchemaDef, find};
use crate::scim::config::ScimConfig;
use crate::scim::error::{ScimError, invalid_value, mutability};
use crate::scim::filter::{PatchPath, parse_patch_path_in};
use crate::scim::resource::{Normalizer, settle_document};

/// A document while a PATCH is applied to it. A User's `active` is folded in, so that it is
/// patched like any other attribute.
#[derive(Debug, Clone)]
pub(crate) struct Working {
    rt: &'static ResourceType,
    doc: Map<String, Value>,
}

impl Working {
    pub fn new(rt: &'static ResourceType, resource: &Map<String, Value>, active: Option<bool>) -> Self {
        let mut doc = resource.clone();
        if let Some(active) = active {
            doc.insert("active".into(), Value::Bool(active));
        }
        Working { rt, doc }
    }

    /// The finished document (without `active`) and the `active` flag, if one was folded in.
    pub fn finish(mut self) -> Result<(Map<String, Value>, Option<bool>), ScimError> {
        let active = self.doc.remove("active").map(|v| v.as_bool().unwrap_or(true));
        settle_document(self.rt, &mut self.doc)?;
        Ok((self.doc, active))
    }
}

/// Apply every operation in order; the first failure stops and is returned (the caller then
/// drops the working copy, so nothing is half-applied).
pub(crate) fn apply(ops: &[Operation], working: &mut Working, config: &ScimConfig) -> Result<(), ScimError> {
    let engine = Engine { rt: working.rt, n: Normalizer { lenient: config.profile.lenient() }, config };
    for (i, op) in ops.iter().enumerate() {
        engine
            .operation(&mut working.doc, op)
            .map_err(|e| ScimError::new(e.code(), format!("Operations[{i}]: {}", e.detail())))?;
    }
    Ok(())
}

struct Engine<'a> {
    rt: &'static ResourceType,
    n: Normalizer,
    config: &'a ScimConfig,
}

fn no_target(detail: String) -> ScimError {
    ScimError::new(ErrorCode::NoTarget, detail)
}

fn show(attr: &AttrRef, filter: Option<&Filter>, sub: Option<&AttributeDef>) -> String {
    let mut s = attr.to_string();
    if let Some(f) = filter {
        s = format!("{s}[{}]", f.value_filter_text());
    }
    if let Some(sub) = sub {
        s = format!("{s}.{}", sub.name);
    }
    s
}

impl Engine<'_> {
    fn lenient(&self) -> bool {
        self.n.lenient
    }

    fn operation(&self, doc: &mut Map<String, Value>, op: &Operation) -> Result<(), ScimError> {
        let value = op.value.as_ref();
        match &op.target {
            Target::Unknown(_) => Ok(()),
            Target::Whole => self.whole(doc, op.kind, value.unwrap_or(&Value::Null)),
            Target::Path(PatchPath::Extension(schema)) if op.kind == OpKind::Remove => {
                doc.remove(schema.id);
                Ok(())
            }
            Target::Path(PatchPath::Extension(schema)) => {
                self.extension(doc, op.kind, schema, value.unwrap_or(&Value::Null))
            }
            Target::Path(PatchPath::Attr { attr, filter, sub }) => {
                self.at(doc, op.kind, *attr, filter.as_ref(), *sub, value)
            }
        }
    }

    /// A path-less add/replace: every key of the value is a path of its own (Entra sends
    /// `name.givenName` and `urn:…:User:employeeNumber` keys, and even value paths).
    fn whole(&self, doc: &mut Map<String, Value>, kind: OpKind, value: &Value) -> Result<(), ScimError> {
        let Some(object) = value.as_object() else {
            return Err(invalid_value("without a path, the value must be an object of attributes"));
        };
        for (key, v) in object {
            if key.eq_ignore_ascii_case("schemas") || self.rt.discards(key) {
                continue;
            }
            match parse_patch_path_in(self.rt, key, self.config.filter_limits(), self.config.filter_options()) {
                Ok(PatchPath::Extension(schema)) => self.extension(doc, kind, schema, v)?,
                // RFC 7644 §3.5.2: without a path the value holds the resource's own attributes;
                // dotted, extension-qualified and filtered keys are Entra's invention.
                Ok(PatchPath::Attr { attr, filter, sub })
                    if !self.lenient() && (filter.is_some() || sub.is_some() || attr.in_extension()) =>
                {
                    return Err(ScimError::new(
                        ErrorCode::InvalidPath,
                        format!("value key \"{key}\": without a path, name whole attributes (strict profile)"),
                    ));
                }
                Ok(PatchPath::Attr { attr, filter, sub }) => {
                    if attr.attr.mutability == Mutability::ReadOnly && self.lenient() {
                        continue; // Okta sends the read-only `id` along; ignore it.
                    }
                    self.at(doc, kind, attr, filter.as_ref(), sub, Some(v))?;
                }
                Err(FilterError::Path(
                    PathError::UnknownAttribute(_)
                    | PathError::UnknownSchema(_)
                    | PathError::UnknownSubAttribute { .. },
                )) if self.lenient() => {}
                Err(e) => return Err(ScimError::new(ErrorCode::InvalidPath, format!("value key \"{key}\": {e}"))),
            }
        }
        Ok(())
    }

    /// A value for a whole extension object: each member is an attribute of that extension.
    fn extension(
        &self,
        doc: &mut Map<String, Value>,
        kind: OpKind,
        schema: &'static SchemaDef,
        value: &Value,
    ) -> Result<(), ScimError> {
        let object = match value {
            Value::Null if kind == OpKind::Replace || self.lenient() => {
                doc.remove(schema.id);
                return Ok(());
            }
            Value::Object(o) => o,
            _ => return Err(invalid_value(format!("\"{}\" takes an object", schema.id))),
        };
        for (key, v) in object {
            let Some(def) = find(schema.attributes, key) else {
                if self.lenient() {
                    continue;
                }
                return Err(ScimError::new(
                    ErrorCode::InvalidPath,
                    format!("unknown attribute \"{}:{key}\"", schema.id),
                ));
            };
            if def.mutability == Mutability::ReadOnly {
                continue;
            }
            self.at(doc, kind, AttrRef { schema, attr: def, sub: None }, None, None, Some(v))?;
        }
        Ok(())
    }

    fn at(
        &self,
        doc: &mut Map<String, Value>,
        kind: OpKind,
        attr: AttrRef,
        filter: Option<&Filter>,
        sub: Option<&'static AttributeDef>,
        value: Option<&Value>,
    ) -> Result<(), ScimError> {
        let path = show(&attr, filter, sub);
        let def = attr.attr;
        if def.mutability == Mutability::ReadOnly || sub.is_some_and(|s| s.mutability == Mutability::ReadOnly) {
            return Err(mutability(format!("\"{path}\" is read-only")));
        }
        if kind == OpKind::Remove && def.name == "active" && !attr.in_extension() && filter.is_none() {
            return Err(mutability("\"active\" cannot be removed; replace it with false to disable the user"));
        }
        let container = attr.container_mut(doc);
        let value = value.unwrap_or(&Value::Null);
        let result = match (filter, sub, def.multi_valued) {
            (None, None, _) => self.attribute(container, kind, def, value, &path),
            (None, Some(s), false) => self.sub_of_single(container, kind, def, s, value, &path),
            (None, Some(s), true) => self.sub_of_all(container, kind, def, s, value, &path),
            (Some(f), sub, true) => self.filtered_multi(container, kind, def, f, sub, value, &path),
            (Some(f), sub, false) => self.filtered_single(container, kind, def, f, sub, value, &path),
        };
        if container.get(def.name).is_some_and(is_empty) {
            container.remove(def.name);
        }
        if attr.in_extension() && doc.get(attr.schema.id).is_some_and(is_empty) {
            doc.remove(attr.schema.id);
        }
        result
    }

    /// `unassigned` for add: RFC add needs a value; the Entra profile treats null/"" as
    /// "clear it" for add as it does for replace.
    fn unassign(
        &self,
        container: &mut Map<String, Value>,
        kind: OpKind,
        def: &AttributeDef,
        path: &str,
    ) -> Result<(), ScimError> {
        if def.required {
            return Err(mutability(format!("\"{path}\" is required and cannot be cleared")));
        }
        if kind == OpKind::Add && !self.lenient() {
            return Err(invalid_value(format!("add on \"{path}\" needs a non-null value")));
        }
        container.remove(def.name);
        Ok(())
    }

    /// A whole attribute: `userName`, `name`, `emails`, `urn:…:manager`.
    fn attribute(
        &self,
        container: &mut Map<String, Value>,
        kind: OpKind,
        def: &'static AttributeDef,
        value: &Value,
        path: &str,
    ) -> Result<(), ScimError> {
        if kind == OpKind::Remove {
            if def.required {
                return Err(mutability(format!("\"{path}\" is required and cannot be removed")));
            }
            let selectors = selectors(value);
            if def.multi_valued && self.lenient() && !selectors.is_empty() {
                // Entra: {"op":"Remove","path":"members","value":[{"value":"id"}]}.
                if let Some(Value::Array(items)) = container.get_mut(def.name) {
                    items.retain(|el| !selectors.iter().any(|s| selector_matches(def, el, s)));
                }
            } else {
                container.remove(def.name);
            }
            return Ok(());
        }
        if def.is_complex() && !def.multi_valued {
            return self.merge_complex(container, kind, def, value, path);
        }
        let Some(normalized) = self.n.value(def, value, &path)? else {
            return self.unassign(container, kind, def, path);
        };
        match (kind, normalized) {
            (OpKind::Add, Value::Array(new)) => {
                let items = array_mut(container, def.name);
                let mut written = Vec::new();
                for v in new {
                    // A value already there is not added twice; a Group member is the same
                    // member whatever else the add carries (Entra sends `$ref: null`).
                    let same = |el: &Value| match def.identity {
                        Some(key) => el.get(key).is_some() && el.get(key) == v.get(key),
                        None => *el == v,
                    };
                    match items.iter().position(same) {
                        Some(i) => {
                            if let (Value::Object(existing), Value::Object(new)) = (&mut items[i], &v) {
                                existing.extend(new.clone());
                            }
                            written.push(i);
                        }
                        None => {
                            items.push(v);
                            written.push(items.len() - 1);
                        }
                    }
                }
                self.settle_primary(items, &written, path)
            }
            (_, v) => {
                container.insert(def.name.to_owned(), v);
                Ok(())
            }
        }
    }

    /// Add or replace on a single complex attribute: the given sub-attributes are set (or
    /// cleared, for null/""), the others kept (RFC 7644 §3.5.2.3).
    fn merge_complex(
        &self,
        container: &mut Map<String, Value>,
        kind: OpKind,
        def: &'static AttributeDef,
        value: &Value,
        path: &str,
    ) -> Result<(), ScimError> {
        let normalized;
        let object = match value {
            Value::Object(o) => o,
            other => match self.n.single(def, other, &path)? {
                None => return self.unassign(container, kind, def, path),
                Some(v) => {
                    normalized = v;
                    normalized.as_object().expect("a complex value normalises to an object")
                }
            },
        };
        let target = object_mut(container, def.name);
        for (key, v) in object {
            let Some(sub) = def.sub(key) else {
                if self.lenient() {
                    continue;
                }
                return Err(ScimError::new(
                    ErrorCode::InvalidPath,
                    format!("\"{path}\" has no sub-attribute \"{key}\""),
                ));
            };
            if sub.mutability == Mutability::ReadOnly {
                continue;
            }
            put(target, sub.name, self.sub_value(kind, sub, v, &format!("{path}.{}", sub.name))?);
        }
        Ok(())
    }

    /// A sub-attribute's new value (`None` clears it); strict mode refuses to add nothing.
    fn sub_value(
        &self,
        kind: OpKind,
        sub: &'static AttributeDef,
        value: &Value,
        path: &str,
    ) -> Result<Option<Value>, ScimError> {
        let v = self.n.single(sub, value, &path)?;
        if v.is_none() && kind == OpKind::Add && !self.lenient() {
            return Err(invalid_value(format!("add on \"{path}\" needs a non-null value")));
        }
        Ok(v)
    }

    /// `name.givenName`, `urn:…:manager.value`.
    fn sub_of_single(
        &self,
        container: &mut Map<String, Value>,
        kind: OpKind,
        def: &'static AttributeDef,
        sub: &'static AttributeDef,
        value: &Value,
        path: &str,
    ) -> Result<(), ScimError> {
        let v = if kind == OpKind::Remove { None } else { self.sub_value(kind, sub, value, path)? };
        match v {
            Some(v) => put(object_mut(container, def.name), sub.name, Some(v)),
            None => {
                if let Some(Value::Object(o)) = container.get_mut(def.name) {
                    o.remove(sub.name);
                }
            }
        }
        Ok(())
    }

    /// `emails.value` without a filter: every value (a new one if there is none).
    fn sub_of_all(
        &self,
        container: &mut Map<String, Value>,
        kind: OpKind,
        def: &'static AttributeDef,
        sub: &'static AttributeDef,
        value: &Value,
        path: &str,
    ) -> Result<(), ScimError> {
        let normalized = if kind == OpKind::Remove { None } else { self.sub_value(kind, sub, value, path)? };
        let items = array_mut(container, def.name);
        if let (Some(v), true) = (&normalized, items.is_empty()) {
            items.push(Value::Object(Map::from_iter([(sub.name.to_owned(), v.clone())])));
        } else {
            for el in items.iter_mut() {
                set_sub(el, sub, normalized.clone());
            }
            items.retain(|el| !is_empty(el));
        }
        let all: Vec<usize> = (0..items.len()).collect();
        self.settle_primary(items, &all, path)
    }

    /// `emails[type eq "work"]` and `emails[type eq "work"].value`.
    #[allow(clippy::too_many_arguments)]
    fn filtered_multi(
        &self,
        container: &mut Map<String, Value>,
        kind: OpKind,
        def: &'static AttributeDef,
        filter: &Filter,
        sub: Option<&'static AttributeDef>,
        value: &Value,
        path: &str,
    ) -> Result<(), ScimError> {
        let items = array_mut(container, def.name);
        let mut matched: Vec<usize> = (0..items.len()).filter(|i| filter.matches_value(&items[*i])).collect();
        if kind == OpKind::Remove {
            for &i in matched.iter().rev() {
                match sub {
                    Some(s) => set_sub(&mut items[i], s, None),
                    None => {
                        items.remove(i);
                    }
                }
            }
            items.retain(|el| !is_empty(el));
            return Ok(());
        }
        let normalized = match sub {
            Some(s) => self.n.single(s, value, &path)?,
            None => self.n.single(def, value, &path)?,
        };
        // A value created from the filter's `eq` terms keeps them: the value is merged into
        // it, so the same request sent again matches it instead of creating another.
        let mut merge = kind == OpKind::Add;
        if matched.is_empty() {
            let Some(created) = self.created_by(filter) else {
                return Err(no_target(format!("no value matches \"{path}\"")));
            };
            if normalized.is_none() {
                return Ok(()); // Clearing a value that does not exist changes nothing.
            }
            items.push(created);
            matched.push(items.len() - 1);
            merge = true;
        }
        // Entra profile: a replaced value keeps the `eq` terms that selected it, so replacing
        // `emails[type eq "home"]` twice gives the same document (RFC replace would drop `type`
        // and the next cycle would find nothing).
        let keep = if self.lenient() { self.created_by(filter).and_then(|v| v.as_object().cloned()) } else { None };
        for &i in &matched {
            match (sub, &normalized, merge) {
                (Some(s), v, _) => set_sub(&mut items[i], s, v.clone()),
                (None, None, _) => items[i] = Value::Null,
                (None, Some(Value::Object(v)), false) if keep.is_some() => {
                    let mut replaced = keep.clone().expect("checked");
                    replaced.extend(v.clone());
                    items[i] = Value::Object(replaced);
                }
                (None, Some(v), false) => items[i] = v.clone(),
                (None, Some(Value::Object(v)), _) => {
                    if let Value::Object(el) = &mut items[i] {
                        el.extend(v.clone());
                    }
                }
                (None, Some(_), _) => {}
            }
        }
        let written: Vec<usize> = matched.iter().copied().filter(|i| !items[*i].is_null()).collect();
        self.settle_primary(items, &written, path)?;
        items.retain(|el| !el.is_null() && !is_empty(el));
        Ok(())
    }

    /// `urn:…:manager[value eq "x"]`: a value path on a single complex attribute.
    #[allow(clippy::too_many_arguments)]
    fn filtered_single(
        &self,
        container: &mut Map<String, Value>,
        kind: OpKind,
        def: &'static AttributeDef,
        filter: &Filter,
        sub: Option<&'static AttributeDef>,
        value: &Value,
        path: &str,
    ) -> Result<(), ScimError> {
        let matched = container.get(def.name).is_some_and(|v| filter.matches_value(v));
        if kind == OpKind::Remove {
            if matched {
                match sub {
                    Some(s) => set_sub(container.get_mut(def.name).expect("matched"), s, None),
                    None => {
                        container.remove(def.name);
                    }
                }
            }
            return Ok(());
        }
        if !matched {
            match self.created_by(filter) {
                Some(created) if !container.contains_key(def.name) => {
                    container.insert(def.name.to_owned(), created);
                }
                _ => return Err(no_target(format!("\"{path}\" matches no value"))),
            }
        }
        match sub {
            Some(s) => self.sub_of_single(container, kind, def, s, value, path),
            None => self.merge_complex(container, kind, def, value, path),
        }
    }

    /// The value a filter of `eq` terms describes (`type eq "work"` → `{"type":"work"}`), for
    /// Entra's add/replace on a value path that matches nothing yet. Strict mode: none.
    fn created_by(&self, filter: &Filter) -> Option<Value> {
        if !self.lenient() {
            return None;
        }
        let mut out = Map::new();
        let mut terms = vec![filter];
        while let Some(f) = terms.pop() {
            match f {
                Filter::And { filters } => terms.extend(filters),
                Filter::Compare { attr, op: CompareOp::Eq, value } => {
                    let v = match value {
                        CompValue::String(s) => Value::String(s.clone()),
                        CompValue::Bool(b) => Value::Bool(*b),
                        CompValue::Number(n) => Value::Number(n.clone()),
                        CompValue::Null => return None,
                    };
                    out.insert(attr.sub?.name.to_owned(), v);
                }
                _ => return None,
            }
        }
        Some(Value::Object(out))
    }

    /// Setting `primary: true` on a value clears it on the others (RFC 7643 §2.4); more than
    /// one new primary is a client error (strict) or resolved to the first one (lenient, as the
    /// normaliser does).
    fn settle_primary(&self, items: &mut [Value], written: &[usize], path: &str) -> Result<(), ScimError> {
        let is_primary = |v: &Value| v.get("primary") == Some(&Value::Bool(true));
        let winners: Vec<usize> = written.iter().copied().filter(|i| is_primary(&items[*i])).collect();
        let Some(&keep) = winners.first() else { return Ok(()) };
        if winners.len() > 1 && !self.lenient() {
            return Err(invalid_value(format!("more than one value of \"{path}\" would be primary")));
        }
        for (i, el) in items.iter_mut().enumerate() {
            if i != keep && is_primary(el) {
                el["primary"] = Value::Bool(false);
            }
        }
        Ok(())
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Null => true,
        _ => false,
    }
}

fn array_mut<'a>(container: &'a mut Map<String, Value>, name: &str) -> &'a mut Vec<Value> {
    let slot = container.entry(name.to_owned()).or_insert_with(|| Value::Array(Vec::new()));
    if !slot.is_array() {
        *slot = Value::Array(Vec::new());
    }
    slot.as_array_mut().expect("just made an array")
}

fn object_mut<'a>(container: &'a mut Map<String, Value>, name: &str) -> &'a mut Map<String, Value> {
    let slot = container.entry(name.to_owned()).or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut().expect("just made an object")
}

/// Set (`Some`) or clear (`None`) one member of an object.
fn put(object: &mut Map<String, Value>, name: &str, value: Option<Value>) {
    match value {
        Some(v) => {
            object.insert(name.to_owned(), v);
        }
        None => {
            object.remove(name);
        }
    }
}

fn set_sub(element: &mut Value, sub: &AttributeDef, value: Option<Value>) {
    if let Value::Object(o) = element {
        put(o, sub.name, value);
    }
}

/// The selector objects of a remove-with-value (`[{"value":"id"}]` or one object). A bare
/// string selects by `value`, as the lenient add reads a bare string as `{"value": …}`
/// (Microsoft's test collection adds members that way), so the same shape never removes more.
fn selectors(value: &Value) -> Vec<Map<String, Value>> {
    let one = |v: &Value| match v {
        Value::Object(o) => Some(o.clone()),
        Value::String(s) if !s.is_empty() => Some(Map::from_iter([("value".to_owned(), v.clone())])),
        _ => None,
    };
    match value {
        Value::Array(items) => items.iter().filter_map(one).collect(),
        other => one(other).into_iter().collect(),
    }
}

/// Whether `element` has every non-null sub-attribute the selector gives (strings compared by
/// the sub-attribute's case rule). A selector with nothing usable matches nothing.
fn selector_matches(def: &AttributeDef, element: &Value, selector: &Map<String, Value>) -> bool {
    let mut used = false;
    for (key, want) in selector {
        let Some(sub) = def.sub(key) else { continue };
        if want.is_null() {
            continue;
        }
        used = true;
        let have = element.get(sub.name);
        let same = match (have, want) {
            (Some(Value::String(a)), Value::String(b)) if !sub.case_exact => a.to_lowercase() == b.to_lowercase(),
            (Some(a), b) => a == b,
            (None, _) => false,
        };
        if !same {
            return false;
        }
    }
    used
}
