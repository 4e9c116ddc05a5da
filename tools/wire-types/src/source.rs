//! Reading the Rust declarations: every item of core/src that serde (de)serializes, every type
//! alias there, and everything in shapes.rs, found by name.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use syn::{Attribute, Expr, Item, Lit, Meta};

/// Where a declaration was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// core/src: the serde types the bridge sends and reads.
    Core,
    /// tools/wire-types/shapes.rs: shapes with no serde type of their own in the core.
    Shapes,
}

/// One declaration and where it came from.
#[derive(Clone)]
pub struct Found {
    /// The item as `syn` parsed it.
    pub item: Item,
    /// Which source it came from.
    pub origin: Origin,
    /// The file, for messages.
    pub file: PathBuf,
}

/// Every declaration the generator may need, by name.
#[derive(Default)]
pub struct Sources {
    items: HashMap<String, Vec<Found>>,
}

impl Sources {
    /// Read core/src and shapes.rs under the repository `root`.
    pub fn read(root: &Path) -> Sources {
        let mut sources = Sources::default();
        let mut files = Vec::new();
        rust_files(&root.join("core/src"), &mut files);
        files.sort();
        for file in files {
            sources.add_file(&file, Origin::Core);
        }
        sources.add_file(&root.join("tools/wire-types/shapes.rs"), Origin::Shapes);
        sources
    }

    fn add_file(&mut self, file: &Path, origin: Origin) {
        let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let parsed = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        self.add_items(parsed.items, file, origin);
    }

    fn add_items(&mut self, items: Vec<Item>, file: &Path, origin: Origin) {
        for item in items {
            let name = match &item {
                Item::Mod(m) if !is_test_only(&m.attrs) => {
                    if let Some((_, inner)) = &m.content {
                        self.add_items(inner.clone(), file, origin);
                    }
                    continue;
                }
                Item::Struct(s) if origin == Origin::Shapes || derives_serde(&s.attrs) => s.ident.to_string(),
                Item::Enum(e) if origin == Origin::Shapes || derives_serde(&e.attrs) => e.ident.to_string(),
                Item::Trait(t) if origin == Origin::Shapes => t.ident.to_string(),
                Item::Type(t) => t.ident.to_string(),
                _ => continue,
            };
            let found = Found { item, origin, file: file.to_owned() };
            self.items.entry(name).or_default().push(found);
        }
    }

    /// The declaration named `name`: shapes.rs first, then the one serde type of that name in
    /// the core. Panics on an unknown or ambiguous name, naming the files.
    pub fn get(&self, name: &str) -> &Found {
        let all = self.items.get(name).map(Vec::as_slice).unwrap_or_default();
        if let Some(shape) = all.iter().find(|f| f.origin == Origin::Shapes) {
            return shape;
        }
        match all {
            [one] => one,
            [] => panic!("no serde type, type alias or shape named `{name}` in core/src or shapes.rs"),
            many => panic!(
                "`{name}` is declared in several places ({}): name it in tools/wire-types/shapes.rs",
                many.iter().map(|f| f.file.display().to_string()).collect::<Vec<_>>().join(", ")
            ),
        }
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("tests.rs") {
            // `tests.rs` files are `#[cfg(test)]` modules: their types never cross the wire.
            out.push(path);
        }
    }
}

fn is_test_only(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("cfg") && a.parse_args::<syn::Path>().is_ok_and(|p| p.is_ident("test")))
}

fn derives_serde(attrs: &[Attribute]) -> bool {
    attrs.iter().filter(|a| a.path().is_ident("derive")).any(|a| {
        let mut serde = false;
        let _ = a.parse_nested_meta(|m| {
            serde |= m.path.segments.last().is_some_and(|s| s.ident == "Serialize" || s.ident == "Deserialize");
            Ok(())
        });
        serde
    })
}

/// The doc comment of an item or field: one leading space of each line dropped, intra-doc
/// links reduced to their code text (`[`X`](path)` and `[`X`]` become `` `X` ``).
pub fn doc(attrs: &[Attribute]) -> String {
    let lines: Vec<String> = attrs
        .iter()
        .filter_map(|a| match &a.meta {
            Meta::NameValue(nv) if nv.path.is_ident("doc") => match &nv.value {
                Expr::Lit(l) => match &l.lit {
                    Lit::Str(s) => Some(s.value()),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        })
        .map(|l| l.strip_prefix(' ').map(str::to_owned).unwrap_or(l))
        .collect();
    unlink(lines.join("\n").trim())
}

fn unlink(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("[`") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("`]") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let code = &after[..end];
        // `Self::field` reads as the field's own name outside Rust.
        let code = code.strip_prefix("Self::").unwrap_or(code);
        out.push('`');
        out.push_str(code);
        out.push('`');
        rest = &after[end + 2..];
        if rest.starts_with('(') {
            rest = rest.find(')').map_or("", |close| &rest[close + 1..]);
        }
    }
    out.push_str(rest);
    out
}

/// The `#[serde(...)]` settings of an item, field or variant that the wire form depends on.
#[derive(Debug, Default, Clone)]
pub struct Serde {
    /// `rename = "…"`.
    pub rename: Option<String>,
    /// `rename_all = "…"`.
    pub rename_all: Option<String>,
    /// `default` or `default = "…"`.
    pub default: bool,
    /// `skip_serializing_if = "…"`.
    pub skip_serializing_if: Option<String>,
    /// `with = "…"`.
    pub with: Option<String>,
    /// `from = "…"`.
    pub from: Option<String>,
    /// `tag = "…"`.
    pub tag: Option<String>,
    /// `untagged`.
    pub untagged: bool,
    /// `skip`.
    pub skip: bool,
}

impl Serde {
    /// Read every `#[serde(...)]` attribute; an option the generator does not model panics,
    /// so a new serde attribute on a wire type is never silently misread.
    pub fn of(attrs: &[Attribute], what: &str) -> Serde {
        let mut s = Serde::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
            attr.parse_nested_meta(|m| {
                let key = m.path.get_ident().map(ToString::to_string).unwrap_or_default();
                let value = || -> syn::Result<String> { Ok(m.value()?.parse::<syn::LitStr>()?.value()) };
                match key.as_str() {
                    "rename" => s.rename = Some(value()?),
                    "rename_all" => s.rename_all = Some(value()?),
                    "default" => {
                        s.default = true;
                        if m.input.peek(syn::Token![=]) {
                            value()?;
                        }
                    }
                    "skip_serializing_if" => s.skip_serializing_if = Some(value()?),
                    "with" => s.with = Some(value()?),
                    "from" => s.from = Some(value()?),
                    "tag" => s.tag = Some(value()?),
                    "untagged" => s.untagged = true,
                    "skip" => s.skip = true,
                    // Refusing unknown keys changes what is accepted, not the shape.
                    "deny_unknown_fields" => {}
                    other => panic!("{what}: serde option `{other}` is not modelled by tools/wire-types"),
                }
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        }
        s
    }
}

/// The `#[binding(node)]` / `#[binding(python)]` mark of a shape: emitted for that binding only.
pub fn binding(attrs: &[Attribute]) -> Option<String> {
    attrs
        .iter()
        .find(|a| a.path().is_ident("binding"))
        .map(|a| a.parse_args::<syn::Ident>().expect("#[binding(node)] or #[binding(python)]").to_string())
}
