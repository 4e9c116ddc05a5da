//! Python: bindings/python/python/sso_scim/_types.py (TypedDicts and the store protocols; the
//! runtime module __init__.py and the stubs __init__.pyi import from it).

use crate::model::{Field, Method, Shape, Ty};
use crate::{Binding, Entry, Model};

const PREAMBLE: &str = r#""""The shapes that cross between a host and sso_scim: snake_case dicts (described as
TypedDicts) and the store protocol. Nothing here runs protocol logic; these are types.

Generated from the Rust sources by tools/wire-types (``make wire-types``): do not edit.
Instants are RFC 3339 strings in UTC (``"2026-03-04T12:00:05Z"``).
"""

from __future__ import annotations

"#;

/// The typing names the file may use, imported when it does.
const TYPING: &[&str] =
    &["Any", "Awaitable", "Dict", "List", "Literal", "Optional", "Protocol", "Tuple", "TypedDict", "TypeVar", "Union"];

/// The whole file.
pub fn render(model: &Model) -> String {
    let mut names: Vec<String> = Vec::new();
    let mut body = String::new();
    for entry in Model::entries(Binding::Python) {
        body.push_str("\n\n");
        body.push_str(&entry_text(model, entry, &mut names));
    }
    let used: Vec<&str> = TYPING.iter().copied().filter(|t| uses(&body, t)).collect();
    let mut out = String::from(PREAMBLE);
    out.push_str(&format!("from typing import {}\n\n__all__ = [\n", used.join(", ")));
    for name in &names {
        out.push_str(&format!("    \"{name}\",\n"));
    }
    out.push_str("]\n");
    out.push_str(&body);
    out
}

fn entry_text(model: &Model, entry: Entry, names: &mut Vec<String>) -> String {
    match entry {
        Entry::MaybeAsync => {
            names.push("MaybeAwaitable".into());
            format!(
                "T = TypeVar(\"T\")\n\n{}MaybeAwaitable = Union[T, Awaitable[T]]\n",
                comment(
                    "What a store method returns: the value, or an awaitable of it (`async def`; only with\n\
                     the `*_async` entry points).",
                    ""
                )
            )
        }
        Entry::Type { rust, py, py_prefix, .. } => {
            declaration(model, rust, py.expect("a Python entry"), py_prefix, names)
        }
        Entry::Store => store(model, names),
        Entry::ErrorCode | Entry::StoreSignal => unreachable!("Node only"),
    }
}

fn declaration(model: &Model, rust: &str, name: &str, prefix: &str, names: &mut Vec<String>) -> String {
    let decl = model.decl(rust);
    match &decl.shape {
        Shape::Object(fields) => {
            names.push(name.to_owned());
            typed_dict(model, rust, name, &decl.doc, fields, None)
        }
        Shape::Tagged { tag, variants } if prefix.is_empty() => {
            names.push(name.to_owned());
            let key = |f: &str| model.key(rust, f, Binding::Python);
            let forms: Vec<String> = variants
                .iter()
                .map(|v| {
                    let fields: Vec<String> = v.fields.iter().map(|f| format!("`{}`", key(&f.name))).collect();
                    format!("`{}` ({})", v.value, fields.join(", "))
                })
                .collect();
            let forms = wrap(&format!("A dict whose `{}` names its form: {}.", key(tag), forms.join("; ")), 90);
            let doc = format!("{}\n\n{forms}", decl.doc);
            format!("{}{name} = Dict[str, Any]\n", comment(&doc, ""))
        }
        Shape::Tagged { tag, variants } => {
            let mut out = String::new();
            let mut members = Vec::new();
            for v in variants {
                let class = format!("{prefix}{}", v.rust);
                let tag_field =
                    Field { name: tag.clone(), doc: String::new(), ty: Ty::Named(String::new()), optional: false };
                out.push_str(&typed_dict(model, rust, &class, &v.doc, &v.fields, Some((&tag_field, &v.value))));
                out.push_str("\n\n");
                names.push(class.clone());
                members.push(class);
            }
            names.push(name.to_owned());
            out.push_str(&format!("{}{name} = Union[{}]\n", comment(&decl.doc, ""), members.join(", ")));
            out
        }
        _ => {
            names.push(name.to_owned());
            format!("{}{name} = {}\n", comment(&decl.doc, ""), ty(model, &Ty::Named(rust.to_owned()), true))
        }
    }
}

/// A TypedDict; keys that may be absent go in a `total=False` class over a base of the
/// required ones. `tag`: the tag key of a tagged union's variant, with its value.
fn typed_dict(
    model: &Model,
    owner: &str,
    name: &str,
    doc: &str,
    fields: &[Field],
    tag: Option<(&Field, &str)>,
) -> String {
    let line = |f: &Field| -> String {
        format!(
            "{}    {}: {}\n",
            comment(&f.doc, "    "),
            model.key(owner, &f.name, Binding::Python),
            ty(model, &f.ty, false)
        )
    };
    let mut required = String::new();
    if let Some((f, value)) = tag {
        required.push_str(&format!("    {}: Literal[\"{value}\"]\n", model.key(owner, &f.name, Binding::Python)));
    }
    let mut optional = String::new();
    for f in fields {
        if f.optional { optional.push_str(&line(f)) } else { required.push_str(&line(f)) }
    }
    let docstring = docstring(doc);
    let body = |fields: &str, doc: &str| -> String {
        match (doc.is_empty(), fields.is_empty()) {
            (true, true) => "    pass\n".to_owned(),
            (true, false) => fields.to_owned(),
            (false, true) => doc.to_owned(),
            (false, false) => format!("{doc}\n{fields}"),
        }
    };
    match (required.is_empty(), optional.is_empty()) {
        (_, true) => format!("class {name}(TypedDict):\n{}", body(&required, &docstring)),
        (true, false) => format!("class {name}(TypedDict, total=False):\n{}", body(&optional, &docstring)),
        (false, false) => format!(
            "class _{name}Required(TypedDict):\n{required}\n\nclass {name}(_{name}Required, total=False):\n{}",
            body(&optional, &docstring)
        ),
    }
}

fn store(model: &Model, names: &mut Vec<String>) -> String {
    let (store_doc, required) = &model.store;
    let (group_doc, optional) = &model.group_store;
    names.push("Store".into());
    names.push("GroupStore".into());
    let methods = |list: &[Method]| list.iter().map(|m| method(model, m)).collect::<Vec<_>>().join("\n");
    format!(
        "class Store(Protocol):\n{}\n{}\n\nclass GroupStore(Store, Protocol):\n{}\n{}",
        docstring(store_doc),
        methods(required),
        docstring(group_doc),
        methods(optional)
    )
}

fn method(model: &Model, m: &Method) -> String {
    let mut args = vec!["self".to_owned()];
    args.extend(m.args.iter().map(|(a, t)| format!("{a}: {}", ty(model, t, false))));
    args.push("/".to_owned());
    let mut out =
        format!("    def {}({}) -> MaybeAwaitable[{}]:\n", m.name, args.join(", "), ty(model, &m.answer, false));
    if !m.doc.is_empty() {
        out.push_str(&indent(&docstring(&m.doc), "    "));
    }
    out.push_str("        ...\n");
    out
}

/// The type's text; `inline` spells a declared name's own form instead of the name.
fn ty(model: &Model, t: &Ty, inline: bool) -> String {
    match t {
        Ty::Str | Ty::ErrorCode => "str".into(),
        Ty::Int => "int".into(),
        Ty::Float => "float".into(),
        Ty::Bool => "bool".into(),
        Ty::Null | Ty::Undefined => "None".into(),
        Ty::Json => "Any".into(),
        Ty::Unknown => "object".into(),
        Ty::Bytes => "Union[bytes, str]".into(),
        Ty::Instant => "str".into(),
        Ty::Option(t) | Ty::Stored(t) => format!("Optional[{}]", ty(model, t, false)),
        Ty::List(t) => format!("List[{}]", ty(model, t, false)),
        Ty::Map(t) => format!("Dict[str, {}]", ty(model, t, false)),
        Ty::Tuple(ts) => format!("Tuple[{}]", ts.iter().map(|t| ty(model, t, false)).collect::<Vec<_>>().join(", ")),
        Ty::OneOrMany(t) => format!("Union[{0}, List[{0}]]", ty(model, t, false)),
        Ty::Filled(t) => ty(model, t, false),
        Ty::Named(rust) => match Model::declared_name(rust, Binding::Python) {
            Some(name) if !inline => name.to_owned(),
            _ => match &model.decl(rust).shape {
                Shape::Literals(values) => {
                    format!("Literal[{}]", values.iter().map(|v| format!("\"{v}\"")).collect::<Vec<_>>().join(", "))
                }
                Shape::Union(ts) => {
                    format!("Union[{}]", ts.iter().map(|t| ty(model, t, false)).collect::<Vec<_>>().join(", "))
                }
                Shape::Alias(t) => ty(model, t, false),
                Shape::Object(_) | Shape::Tagged { .. } => {
                    panic!("`{rust}` needs a Python entry in tools/wire-types to be named")
                }
            },
        },
    }
}

/// `text` broken into lines of at most `width` characters, at spaces.
fn wrap(text: &str, width: usize) -> String {
    let mut lines: Vec<String> = vec![String::new()];
    for word in text.split(' ') {
        let line = lines.last_mut().expect("one line at least");
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(word.to_owned());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines.join("\n")
}

/// Whether `word` occurs in `text` as a whole identifier.
fn uses(text: &str, word: &str) -> bool {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(word).any(|(at, _)| {
        !text[..at].chars().next_back().is_some_and(ident) && !text[at + word.len()..].chars().next().is_some_and(ident)
    })
}

/// Rust doc text as reStructuredText for Python readers: JSON's null is Python's None, and
/// inline code takes double backticks.
fn rst(text: &str) -> String {
    let python = text
        .split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 && part == "null" {
                "None".to_owned()
            } else if i % 2 == 0 {
                nulls(part)
            } else {
                part.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("`");
    python.replace('`', "``").replace('\\', "\\\\")
}

/// The word "null" in prose, as Python says it.
fn nulls(prose: &str) -> String {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = String::with_capacity(prose.len());
    let mut rest = prose;
    while let Some(at) = rest.find("null") {
        let whole =
            !rest[..at].chars().next_back().is_some_and(ident) && !rest[at + 4..].chars().next().is_some_and(ident);
        out.push_str(&rest[..at]);
        out.push_str(if whole { "None" } else { "null" });
        rest = &rest[at + 4..];
    }
    out.push_str(rest);
    out
}

/// `#: ` comment lines (Sphinx's attribute docs) at `indent`.
fn comment(text: &str, indent: &str) -> String {
    rst(text)
        .lines()
        .map(|l| if l.is_empty() { format!("{indent}#:\n") } else { format!("{indent}#: {l}\n") })
        .collect()
}

/// A class docstring at four spaces, or nothing.
fn docstring(text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    let body = rst(text)
        .lines()
        .enumerate()
        .map(|(i, l)| if i == 0 || l.is_empty() { l.to_owned() } else { format!("    {l}") })
        .collect::<Vec<_>>()
        .join("\n");
    format!("    \"\"\"{body}\"\"\"\n")
}

fn indent(text: &str, by: &str) -> String {
    text.lines().map(|l| if l.is_empty() { "\n".to_owned() } else { format!("{by}{l}\n") }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_prose_wraps_at_spaces() {
        assert_eq!(wrap("aaa bbb ccc", 7), "aaa bbb\nccc");
        assert_eq!(wrap("a", 7), "a");
    }

    #[test]
    fn docs_become_restructured_text() {
        assert_eq!(comment("The `id`.\n\nMore.", "    "), "    #: The ``id``.\n    #:\n    #: More.\n");
        assert_eq!(docstring("One `x`\nTwo"), "    \"\"\"One ``x``\n    Two\"\"\"\n");
        assert_eq!(docstring(""), "");
        assert_eq!(comment("A user, or null (`null`); nullable.", ""), "#: A user, or None (``None``); nullable.\n");
    }
}
