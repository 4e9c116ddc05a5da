//! The wire types of the bindings, generated from the Rust sources: `bindings/node/src/header.d.ts`
//! (TypeScript, camelCase keys) and `bindings/python/python/sso_scim/_types.py` (TypedDicts,
//! snake_case keys).
//!
//! The declarations are read with `syn` from the Rust sources themselves — the core's serde
//! types wherever they live in `core/src`, and `shapes.rs` for the shapes the core builds with
//! `json!` or that only a binding takes — and turned into the serde wire form (`model`). The
//! error codes, the store signals and the store's method names, order, arity and optionality
//! come from the core's own tables (`ErrorCode::ALL`, `StoreErrorKind`, `StoreMethod`). Keys
//! are spelled per binding by the bridge's own `KeyCase`, data keys (SCIM documents, SAML
//! attributes, the filter tree) left as they are exactly where the bridge leaves them.
//!
//! `cargo run -p sso-scim-wire-types` (`make wire-types`) rewrites both files (and the header
//! at the top of `bindings/node/index.d.ts`); `tests/fresh.rs` fails when the committed files
//! differ from what the sources say, and `tests/conform.rs` checks the core's real JSON
//! output against the declarations.

pub mod conform;
pub mod model;
mod py;
pub mod source;
mod ts;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use sso_scim_core::bridge::{KeyCase, StoreMethod};
use sso_scim_core::{ErrorCode, StoreErrorKind};

use model::{Decl, Method, Shape, Ty};
use source::Sources;

/// One entry of the generated files, in the order they are written.
#[derive(Debug, Clone, Copy)]
enum Entry {
    /// "A store method may answer later": TypeScript's `MaybePromise`, Python's `MaybeAwaitable`.
    MaybeAsync,
    /// The `ErrorCode` union and the error interface (TypeScript).
    ErrorCode,
    /// The `StoreSignal` union (TypeScript; Python has exception classes for them).
    StoreSignal,
    /// A declaration, under its name in each binding (`None`: not in that binding). A tagged
    /// union becomes one TypedDict per variant in Python, named `py_prefix` + variant; with no
    /// prefix it stays a plain dict there, its variants described in its doc.
    Type { rust: &'static str, ts: Option<&'static str>, py: Option<&'static str>, py_prefix: &'static str },
    /// The store protocol, from shapes.rs's `Store` and `GroupStore` and the core's method table.
    Store,
}

const fn both(rust: &'static str) -> Entry {
    Entry::Type { rust, ts: Some(rust), py: Some(rust), py_prefix: "" }
}

const fn named(rust: &'static str, ts: &'static str, py: &'static str) -> Entry {
    Entry::Type { rust, ts: Some(ts), py: Some(py), py_prefix: "" }
}

const fn node(rust: &'static str) -> Entry {
    Entry::Type { rust, ts: Some(rust), py: None, py_prefix: "" }
}

/// What the files declare, in order.
const ENTRIES: &[Entry] = &[
    Entry::MaybeAsync,
    Entry::ErrorCode,
    Entry::StoreSignal,
    both("Workspace"),
    both("TokenGrant"),
    Entry::Type { rust: "GeneratedToken", ts: None, py: Some("GeneratedToken"), py_prefix: "" },
    both("UserState"),
    both("UserRecord"),
    both("GroupRecord"),
    // A plain dict in Python, as it always was: a union of TypedDicts would no longer pass where
    // a host's translator takes `Dict[str, Any]`.
    Entry::Type { rust: "Filter", ts: Some("FilterNode"), py: Some("FilterNode"), py_prefix: "" },
    both("IndexHint"),
    both("Sort"),
    named("StoreQuery", "StoreQuery", "Query"),
    both("UserPage"),
    both("GroupPage"),
    both("SqlColumnSpec"),
    both("SqlOptions"),
    both("SqlTranslation"),
    Entry::Store,
    named("Limits", "ScimLimits", "ScimLimits"),
    both("ScimConfig"),
    node("RequestHeaders"),
    node("ScimRequest"),
    node("ScimResponse"),
    node("ValidateOptions"),
    node("SignInOptions"),
    both("XmlLimits"),
    both("AttributeMap"),
    both("SamlSettings"),
    both("Identity"),
    Entry::Type { rust: "LoginDecision", ts: Some("LoginDecision"), py: Some("LoginDecision"), py_prefix: "Login" },
    both("AuthnRequest"),
    named("Certificate", "CertificateInfo", "Certificate"),
    named("Endpoint", "MetadataEndpoint", "Endpoint"),
    named("IdpMetadata", "IdpMetadataInfo", "IdpMetadata"),
    both("ImportedMetadata"),
];

/// A binding's view of the declarations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binding {
    /// bindings/node: TypeScript, camelCase keys.
    Node,
    /// bindings/python: TypedDicts, snake_case keys.
    Python,
}

impl Binding {
    /// The key case the bridge speaks to this binding's hosts.
    pub fn case(self) -> KeyCase {
        match self {
            Binding::Node => KeyCase::Camel,
            Binding::Python => KeyCase::Snake,
        }
    }
}

/// Every declaration the files use, read from the sources, with the facts the emitters need.
#[derive(Debug)]
pub struct Model {
    decls: HashMap<String, Decl>,
    /// Declarations reached only through data keys (never recased), by Rust name.
    opaque: HashMap<String, bool>,
    store: (String, Vec<Method>),
    group_store: (String, Vec<Method>),
}

impl Model {
    /// Read every declaration the entries reach.
    pub fn read(root: &Path) -> Model {
        let sources = Sources::read(root);
        let mut model = Model {
            decls: HashMap::new(),
            opaque: HashMap::new(),
            store: model::store_trait(&sources, "Store"),
            group_store: model::store_trait(&sources, "GroupStore"),
        };
        model.check_store();
        let mut roots: Vec<Ty> = Vec::new();
        for entry in ENTRIES {
            if let Entry::Type { rust, ts, py, .. } = entry {
                let bound = source::binding(attrs_of(&sources, rust));
                let expected = match (ts, py) {
                    (Some(_), None) => Some("node"),
                    (None, Some(_)) => Some("python"),
                    _ => None,
                };
                assert_eq!(bound.as_deref(), expected, "`{rust}`: #[binding] mark and entry disagree");
                roots.push(Ty::Named((*rust).to_owned()));
            }
        }
        // A store method's arguments and answer are recased as a whole, like any object.
        let mut recased: Vec<Ty> = Vec::new();
        for m in model.store.1.iter().chain(&model.group_store.1) {
            recased.extend(m.args.iter().map(|(_, t)| t.clone()));
            recased.push(m.answer.clone());
        }
        for ty in &recased {
            model.reach(&sources, ty, Some(false));
        }
        for root in &roots {
            model.reach(&sources, root, None);
        }
        model
    }

    /// Read every declaration `ty` reaches, noting for each whether it is reached inside data
    /// keys (`opaque`); `None` for an entry itself, whose context is that of its uses.
    fn reach(&mut self, sources: &Sources, ty: &Ty, opaque: Option<bool>) {
        match ty {
            Ty::Option(t) | Ty::List(t) | Ty::Map(t) | Ty::OneOrMany(t) | Ty::Filled(t) | Ty::Stored(t) => {
                self.reach(sources, t, opaque)
            }
            Ty::Tuple(ts) => ts.iter().for_each(|t| self.reach(sources, t, opaque)),
            Ty::Named(name) => {
                let seen = self.decls.contains_key(name);
                match (opaque, self.opaque.get(name)) {
                    (Some(now), Some(&before)) => {
                        assert_eq!(before, now, "`{name}` is reached both inside data keys and outside them");
                        return;
                    }
                    (Some(now), None) => {
                        self.opaque.insert(name.clone(), now);
                    }
                    (None, _) if seen => return,
                    (None, _) => {}
                }
                let decl = self.decls.entry(name.clone()).or_insert_with(|| model::decl(sources, name)).clone();
                let inner = opaque.unwrap_or(false);
                match &decl.shape {
                    Shape::Object(fields) => {
                        for f in fields {
                            self.reach(sources, &f.ty, Some(inner || is_data_key(&f.name)));
                        }
                    }
                    Shape::Tagged { variants, .. } => {
                        for f in variants.iter().flat_map(|v| &v.fields) {
                            self.reach(sources, &f.ty, Some(inner || is_data_key(&f.name)));
                        }
                    }
                    Shape::Union(ts) => ts.iter().for_each(|t| self.reach(sources, t, Some(inner))),
                    Shape::Alias(t) => self.reach(sources, t, Some(inner)),
                    Shape::Literals(_) => {}
                }
            }
            _ => {}
        }
    }

    /// shapes.rs's `Store` and `GroupStore` are the core's method table: the required methods,
    /// then the optional ones, in `StoreMethod::ALL` order, each with its arity.
    fn check_store(&self) {
        let declared: Vec<(&Method, bool)> =
            self.store.1.iter().map(|m| (m, false)).chain(self.group_store.1.iter().map(|m| (m, true))).collect();
        let table: Vec<(&str, usize, bool)> =
            StoreMethod::ALL.iter().map(|m| (m.snake_name(), m.arity(), m.is_optional())).collect();
        let shapes: Vec<(&str, usize, bool)> =
            declared.iter().map(|(m, optional)| (m.name.as_str(), m.args.len(), *optional)).collect();
        assert_eq!(
            shapes, table,
            "shapes.rs's Store (required) and GroupStore (optional) methods must be StoreMethod::ALL, in order, \
             with its arities"
        );
    }

    /// Every store method as shapes.rs declares it, required ones first.
    pub fn store_methods(&self) -> impl Iterator<Item = &Method> {
        self.store.1.iter().chain(&self.group_store.1)
    }

    /// Every string that is a value on the wire, not a key: error codes, store signals and
    /// every literal and tag value the declarations use. Docs never recase them.
    pub fn wire_values(&self) -> std::collections::HashSet<String> {
        let mut values: std::collections::HashSet<String> = error_codes().into_iter().map(str::to_owned).collect();
        values.extend(StoreErrorKind::ALL.iter().map(|k| k.as_str().to_owned()));
        for decl in self.decls.values() {
            match &decl.shape {
                Shape::Literals(v) => values.extend(v.iter().cloned()),
                Shape::Tagged { variants, .. } => values.extend(variants.iter().map(|v| v.value.clone())),
                _ => {}
            }
        }
        values
    }

    /// The declaration named `rust`.
    pub fn decl(&self, rust: &str) -> &Decl {
        self.decls.get(rust).unwrap_or_else(|| panic!("`{rust}` was not read"))
    }

    /// How `binding` spells the key `name` of declaration `owner` (the bridge's own recasing;
    /// keys of declarations inside data are never recased).
    pub fn key(&self, owner: &str, name: &str, binding: Binding) -> String {
        if self.opaque.get(owner).copied().unwrap_or(false) { name.to_owned() } else { binding.case().key(name) }
    }

    /// The name `binding` declares `rust` under, if it declares it.
    fn declared_name(rust: &str, binding: Binding) -> Option<&'static str> {
        ENTRIES.iter().find_map(|e| match e {
            Entry::Type { rust: r, ts, py, .. } if *r == rust => match binding {
                Binding::Node => *ts,
                Binding::Python => *py,
            },
            _ => None,
        })
    }

    /// The Rust declarations of every entry that reaches `binding`, with its name there.
    fn entries(binding: Binding) -> impl Iterator<Item = Entry> {
        ENTRIES.iter().copied().filter(move |e| match e {
            Entry::Type { ts, py, .. } => match binding {
                Binding::Node => ts.is_some(),
                Binding::Python => py.is_some(),
            },
            Entry::ErrorCode | Entry::StoreSignal => binding == Binding::Node,
            Entry::MaybeAsync | Entry::Store => true,
        })
    }
}

fn attrs_of<'a>(sources: &'a Sources, rust: &str) -> &'a [syn::Attribute] {
    match &sources.get(rust).item {
        syn::Item::Struct(s) => &s.attrs,
        syn::Item::Enum(e) => &e.attrs,
        syn::Item::Type(t) => &t.attrs,
        _ => &[],
    }
}

/// Whether the bridge leaves the keys inside `key`'s value as the host sent them (SCIM
/// documents, SAML attribute names, the filter tree): asked of the bridge itself.
pub fn is_data_key(key: &str) -> bool {
    let probe = serde_json::json!({ key: {"a_b": 0} });
    let host = KeyCase::Camel.to_host(probe);
    host.get(KeyCase::Camel.key(key)).and_then(|v| v.get("a_b")).is_some()
}

/// The stable error codes, in the core's order.
fn error_codes() -> Vec<&'static str> {
    ErrorCode::ALL.iter().map(|c| c.as_str()).collect()
}

/// The names a store signals a kind by (the kinds `from_host_code` reads back, a plain failure
/// apart).
fn store_signals() -> Vec<&'static str> {
    StoreErrorKind::ALL
        .iter()
        .filter(|k| StoreErrorKind::from_host_code(k.as_str()) == **k && **k != StoreErrorKind::Failed)
        .map(|k| k.as_str())
        .collect()
}

/// The generated files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// bindings/node/src/header.d.ts.
    pub header_dts: String,
    /// bindings/python/python/sso_scim/_types.py.
    pub types_py: String,
}

/// Where each generated file lives under the repository root.
pub fn paths(root: &Path) -> (PathBuf, PathBuf, PathBuf) {
    (
        root.join("bindings/node/src/header.d.ts"),
        root.join("bindings/python/python/sso_scim/_types.py"),
        root.join("bindings/node/index.d.ts"),
    )
}

/// Generate both files from the sources under the repository `root`.
pub fn generate(root: &Path) -> Generated {
    let model = Model::read(root);
    Generated { header_dts: ts::render(&model), types_py: py::render(&model) }
}

/// `index.d.ts` with its header replaced: napi writes the header file, then its own
/// declarations; the part after the committed header is napi's and is kept.
pub fn index_with_header(index: &str, old_header: &str, new_header: &str) -> Result<String, String> {
    let rest = index.strip_prefix(old_header).ok_or(
        "bindings/node/index.d.ts does not start with the committed header.d.ts: rebuild it with \
         `npx napi build --platform` in bindings/node",
    )?;
    Ok(format!("{new_header}{rest}"))
}

/// The repository root (this crate lives in tools/wire-types).
pub fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Rewrite the committed files from the sources.
pub fn write(root: &Path) -> Result<(), String> {
    let generated = generate(root);
    let (dts, py, index) = paths(root);
    let old_header = std::fs::read_to_string(&dts).map_err(|e| format!("{}: {e}", dts.display()))?;
    let index_text = std::fs::read_to_string(&index).map_err(|e| format!("{}: {e}", index.display()))?;
    let new_index = index_with_header(&index_text, &old_header, &generated.header_dts)?;
    for (path, text) in [(&dts, &generated.header_dts), (&py, &generated.types_py), (&index, &new_index)] {
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_header_is_replaced_only_where_the_old_one_stands() {
        assert_eq!(index_with_header("OLD\nnapi", "OLD\n", "NEW\n").unwrap(), "NEW\nnapi");
        assert!(index_with_header("STALE\nnapi", "OLD\n", "NEW\n").is_err());
    }

    #[test]
    fn data_keys_are_the_ones_the_bridge_leaves_alone() {
        for key in ["resource", "attributes", "filter_ast"] {
            assert!(is_data_key(key), "{key}");
        }
        for key in ["user_name", "sort", "workspace"] {
            assert!(!is_data_key(key), "{key}");
        }
    }

    #[test]
    fn store_signals_are_the_kinds_a_host_can_name() {
        assert_eq!(store_signals(), ["conflict", "version_mismatch", "not_found", "unsupported"]);
    }
}
