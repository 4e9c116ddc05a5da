//! The wire form of a Rust declaration, as serde reads and writes it: what both emitters and
//! the conformance check work from.

use syn::{Fields, GenericArgument, Item, PathArguments, Type};

use crate::source::{Found, Serde, Sources, doc};

/// A type on the wire.
#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    /// A JSON string.
    Str,
    /// A JSON integer.
    Int,
    /// A JSON number.
    Float,
    /// `true` / `false`.
    Bool,
    /// `null` (an untagged unit variant).
    Null,
    /// Any JSON value (a SCIM document's attribute).
    Json,
    /// Any host value, never looked at (a store answer that is ignored).
    Unknown,
    /// A string or bytes (Node: `Uint8Array`).
    Bytes,
    /// An instant given by the host: a date object or RFC 3339 text.
    Instant,
    /// JavaScript's `undefined`.
    Undefined,
    /// One of the core's stable error codes.
    ErrorCode,
    /// `T` or null.
    Option(Box<Ty>),
    /// A JSON array.
    List(Box<Ty>),
    /// A JSON object with data keys (never recased).
    Map(Box<Ty>),
    /// A fixed-length array.
    Tuple(Vec<Ty>),
    /// One value or an array of them.
    OneOrMany(Box<Ty>),
    /// An object type with every default filled in (every key present).
    Filled(Box<Ty>),
    /// A store's answer to a write: the stored record, or nothing for "stored as given".
    Stored(Box<Ty>),
    /// A declared or inlined type, by its Rust name.
    Named(String),
}

/// One key of an object.
#[derive(Debug, Clone)]
pub struct Field {
    /// The key as serde spells it (snake_case, the core's form).
    pub name: String,
    /// The Rust doc comment.
    pub doc: String,
    /// Its type.
    pub ty: Ty,
    /// Whether the key may be absent.
    pub optional: bool,
}

/// One variant of an internally tagged enum.
#[derive(Debug, Clone)]
pub struct Variant {
    /// The Rust name (`ValuePath`).
    pub rust: String,
    /// The tag value (`value_path`).
    pub value: String,
    /// The Rust doc comment.
    pub doc: String,
    /// The keys beside the tag.
    pub fields: Vec<Field>,
}

/// The wire form of a declaration.
#[derive(Debug, Clone)]
pub enum Shape {
    /// A JSON object.
    Object(Vec<Field>),
    /// One of some strings.
    Literals(Vec<String>),
    /// An object whose `tag` key says which variant it is.
    Tagged {
        /// The tag key.
        tag: String,
        /// The variants.
        variants: Vec<Variant>,
    },
    /// Any of several types (an untagged enum).
    Union(Vec<Ty>),
    /// Another type under this name (a type alias).
    Alias(Ty),
}

/// A declaration: name, doc, wire form.
#[derive(Debug, Clone)]
pub struct Decl {
    /// The Rust name.
    pub rust: String,
    /// The Rust doc comment.
    pub doc: String,
    /// The wire form.
    pub shape: Shape,
}

/// Types whose `Serialize` is written by hand, with the form it writes (the conformance test
/// checks each against real output).
const HAND_SERIALIZED: &[(&str, Ty)] = &[
    // token.rs: 64 lower-case hex digits.
    ("TokenHash", Ty::Str),
    // scim/path.rs: the attribute path's text (`name.familyName`).
    ("AttrRef", Ty::Str),
    // serde_json's number.
    ("Number", Ty::Float),
];

/// The wire form of the declaration named `name`.
pub fn decl(sources: &Sources, name: &str) -> Decl {
    let found = sources.get(name);
    match &found.item {
        Item::Struct(s) => {
            let serde = Serde::of(&s.attrs, name);
            let from = serde.from.as_deref().map(|f| sources.get(f));
            Decl {
                rust: name.to_owned(),
                doc: doc(&s.attrs),
                shape: Shape::Object(fields(&s.fields, &serde, from, name)),
            }
        }
        Item::Enum(e) => {
            let serde = Serde::of(&e.attrs, name);
            Decl { rust: name.to_owned(), doc: doc(&e.attrs), shape: enum_shape(e, &serde, name) }
        }
        Item::Type(t) => Decl { rust: name.to_owned(), doc: doc(&t.attrs), shape: Shape::Alias(ty(&t.ty, None, name)) },
        _ => panic!("`{name}` ({}) is not a struct, enum or type alias", found.file.display()),
    }
}

fn fields(fields: &Fields, container: &Serde, from: Option<&Found>, what: &str) -> Vec<Field> {
    let Fields::Named(named) = fields else { panic!("{what}: only structs with named fields cross the wire") };
    let optional_in_from = |field: &str| -> bool {
        let Some(Found { item: Item::Struct(s), .. }) = from else { return false };
        let Fields::Named(n) = &s.fields else { return false };
        n.named.iter().any(|f| {
            f.ident.as_ref().is_some_and(|i| i == field)
                && (Serde::of(&f.attrs, what).default || matches!(ty(&f.ty, None, what), Ty::Option(_)))
        })
    };
    named
        .named
        .iter()
        .filter_map(|f| {
            let ident = f.ident.as_ref().expect("a named field").to_string();
            let here = format!("{what}.{ident}");
            let serde = Serde::of(&f.attrs, &here);
            if serde.skip {
                return None;
            }
            let name = serde.rename.clone().unwrap_or_else(|| rename_field(&ident, container.rename_all.as_deref()));
            let mut t = ty(&f.ty, serde.with.as_deref(), &here);
            // Left out when none: never null on the wire, only absent.
            let skipped_none = serde.skip_serializing_if.as_deref() == Some("Option::is_none");
            if skipped_none && let Ty::Option(inner) = t {
                t = *inner;
            }
            let optional = container.default
                || serde.default
                || serde.skip_serializing_if.is_some()
                || (container.from.is_some() && optional_in_from(&ident));
            Some(Field { name, doc: doc(&f.attrs), ty: t, optional })
        })
        .collect()
}

fn enum_shape(e: &syn::ItemEnum, serde: &Serde, what: &str) -> Shape {
    let value = |v: &syn::Variant| {
        Serde::of(&v.attrs, what)
            .rename
            .unwrap_or_else(|| rename_variant(&v.ident.to_string(), serde.rename_all.as_deref()))
    };
    if serde.untagged {
        let tys = e
            .variants
            .iter()
            .map(|v| match &v.fields {
                Fields::Unit => Ty::Null,
                Fields::Unnamed(u) if u.unnamed.len() == 1 => ty(&u.unnamed[0].ty, None, what),
                _ => panic!("{what}: an untagged variant holds one value or none"),
            })
            .collect();
        return Shape::Union(tys);
    }
    if let Some(tag) = &serde.tag {
        let variants = e
            .variants
            .iter()
            .map(|v| Variant {
                rust: v.ident.to_string(),
                value: value(v),
                doc: doc(&v.attrs),
                fields: match &v.fields {
                    Fields::Unit => Vec::new(),
                    f => fields(f, &Serde::default(), None, &format!("{what}::{}", v.ident)),
                },
            })
            .collect();
        return Shape::Tagged { tag: tag.clone(), variants };
    }
    if e.variants.iter().all(|v| matches!(v.fields, Fields::Unit)) {
        return Shape::Literals(e.variants.iter().map(value).collect());
    }
    panic!("{what}: externally tagged enums with data are not modelled by tools/wire-types")
}

fn rename_field(ident: &str, rule: Option<&str>) -> String {
    match rule {
        None | Some("snake_case") => ident.to_owned(),
        Some(other) => panic!("rename_all = \"{other}\" on fields is not modelled"),
    }
}

fn rename_variant(ident: &str, rule: Option<&str>) -> String {
    let snake = || {
        let mut out = String::new();
        for (i, c) in ident.chars().enumerate() {
            if c.is_ascii_uppercase() && i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        }
        out
    };
    match rule {
        None => ident.to_owned(),
        Some("snake_case") => snake(),
        Some("lowercase") => ident.to_lowercase(),
        Some(other) => panic!("rename_all = \"{other}\" on variants is not modelled"),
    }
}

fn args(segment: &syn::PathSegment, what: &str) -> Vec<Ty> {
    match &segment.arguments {
        PathArguments::AngleBracketed(a) => a
            .args
            .iter()
            .filter_map(|g| match g {
                GenericArgument::Type(t) => Some(ty(t, None, what)),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The wire type of a Rust type (`with`: the field's `#[serde(with)]`).
fn ty(t: &Type, with: Option<&str>, what: &str) -> Ty {
    match t {
        Type::Reference(r) => ty(&r.elem, with, what),
        Type::Tuple(tuple) => Ty::Tuple(tuple.elems.iter().map(|e| ty(e, None, what)).collect()),
        Type::Path(p) => {
            let segment = p.path.segments.last().expect("a path has a segment");
            let name = segment.ident.to_string();
            let one = || args(segment, what).into_iter().next().unwrap_or_else(|| panic!("{what}: {name}<T>"));
            if let Some(with) = with {
                assert!(
                    name == "OffsetDateTime" && with.ends_with("rfc3339"),
                    "{what}: #[serde(with = \"{with}\")] on {name} is not modelled"
                );
                return Ty::Str;
            }
            match name.as_str() {
                "String" | "str" => Ty::Str,
                "bool" => Ty::Bool,
                "u8" | "u16" | "u32" | "u64" | "usize" | "i8" | "i16" | "i32" | "i64" | "isize" => Ty::Int,
                "f32" | "f64" => Ty::Float,
                "Value" => Ty::Json,
                "Option" => Ty::Option(Box::new(one())),
                "Vec" | "BTreeSet" => Ty::List(Box::new(one())),
                "Box" | "Arc" => one(),
                "BTreeMap" | "HashMap" | "Map" => {
                    let a = args(segment, what);
                    assert!(a.first() == Some(&Ty::Str), "{what}: map keys are strings");
                    Ty::Map(Box::new(a.get(1).cloned().unwrap_or(Ty::Json)))
                }
                "OffsetDateTime" => panic!("{what}: an OffsetDateTime crosses the wire only as RFC 3339 (serde with)"),
                "Bytes" => Ty::Bytes,
                "Instant" => Ty::Instant,
                "Unknown" => Ty::Unknown,
                "Undefined" => Ty::Undefined,
                "ErrorCode" => Ty::ErrorCode,
                "Filled" => Ty::Filled(Box::new(one())),
                "Stored" => Ty::Stored(Box::new(one())),
                "OneOrMany" => Ty::OneOrMany(Box::new(one())),
                other => HAND_SERIALIZED
                    .iter()
                    .find(|(n, _)| *n == other)
                    .map_or_else(|| Ty::Named(other.to_owned()), |(_, t)| t.clone()),
            }
        }
        _ => panic!("{what}: this kind of Rust type is not modelled"),
    }
}

/// A store method as shapes.rs declares it: `fn name(arg: T, …) -> Answer;`.
#[derive(Debug, Clone)]
pub struct Method {
    /// snake_case name.
    pub name: String,
    /// The doc comment.
    pub doc: String,
    /// Arguments: snake_case name and type.
    pub args: Vec<(String, Ty)>,
    /// The answer.
    pub answer: Ty,
}

/// The methods and doc of a trait in shapes.rs.
pub fn store_trait(sources: &Sources, name: &str) -> (String, Vec<Method>) {
    let Item::Trait(t) = &sources.get(name).item else { panic!("`{name}` is a trait in shapes.rs") };
    let methods = t
        .items
        .iter()
        .filter_map(|i| match i {
            syn::TraitItem::Fn(f) => Some(f),
            _ => None,
        })
        .map(|f| {
            let name = f.sig.ident.to_string();
            let args = f
                .sig
                .inputs
                .iter()
                .map(|a| match a {
                    syn::FnArg::Typed(p) => match &*p.pat {
                        syn::Pat::Ident(i) => (i.ident.to_string(), ty(&p.ty, None, &name)),
                        _ => panic!("{name}: arguments are plain names"),
                    },
                    syn::FnArg::Receiver(_) => panic!("{name}: store methods are declared without self"),
                })
                .collect();
            let answer = match &f.sig.output {
                syn::ReturnType::Type(_, t) => ty(t, None, &name),
                syn::ReturnType::Default => Ty::Unknown,
            };
            Method { name, doc: doc(&f.attrs), args, answer }
        })
        .collect();
    (doc(&t.attrs), methods)
}
