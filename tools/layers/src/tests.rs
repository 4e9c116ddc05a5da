//! The checks fail where they must: each test seeds one kind of violation into a small crate
//! and looks for the message naming it; the last ones run over the real sources.

use std::path::Path;

use crate::scan::{RefKind, scan};
use crate::{AllowList, Crate, Table, check_layers, find_cycles};

const TABLE: &str = "# lowest first\nerror\nmodel\nscim | saml\nbridge\n";

/// A clean crate in four layers; each test replaces one file.
const BASE: [(&str, &str); 9] = [
    ("lib.rs", "pub mod bridge;\npub mod error;\npub mod model;\npub mod saml;\npub mod scim;\npub use model::*;\n"),
    ("error.rs", "//! Leaf.\npub struct E;\n"),
    ("model/mod.rs", "mod record;\npub use record::Record;\n"),
    ("model/record.rs", "use crate::error::E;\npub struct Record(E);\n"),
    ("scim/mod.rs", "pub mod schema;\npub fn handle(_: crate::Record) {}\n"),
    ("scim/schema.rs", "pub const URN: &str = \"urn\";\nuse super::super::model::Record;\n"),
    ("saml.rs", "pub struct Identity;\n/// Made from [`E`](crate::error::E).\npub fn f() {}\n"),
    ("bridge.rs", "use crate::{saml::Identity, scim::{self, schema::URN}};\n"),
    ("unrelated.txt", "not rust"),
];

fn crate_with(changes: &[(&str, &str)]) -> Crate {
    let mut files: Vec<(String, String)> = BASE
        .iter()
        .filter(|(p, _)| p.ends_with(".rs") && !changes.iter().any(|(q, _)| q == p))
        .map(|(p, s)| (p.to_string(), s.to_string()))
        .collect();
    files.extend(changes.iter().map(|(p, s)| (p.to_string(), s.to_string())));
    Crate::from_sources(files)
}

fn layers_with(changes: &[(&str, &str)]) -> Vec<String> {
    check_layers(&crate_with(changes), &Table::parse(TABLE).unwrap(), &AllowList::default(), "src")
}

fn one(problems: Vec<String>) -> String {
    assert_eq!(problems.len(), 1, "{problems:#?}");
    problems.into_iter().next().unwrap()
}

#[test]
fn the_clean_crate_passes_both_checks() {
    assert_eq!(layers_with(&[]), Vec::<String>::new());
    assert_eq!(find_cycles(&crate_with(&[]), &AllowList::default(), "src"), Vec::<String>::new());
}

#[test]
fn an_upward_use_fails_naming_file_line_modules_and_layers() {
    let p = one(layers_with(&[(
        "model/record.rs",
        "use crate::error::E;\nuse crate::scim::schema::URN;\npub struct Record(E);\n",
    )]));
    assert_eq!(
        p,
        "src/model/record.rs:2: model (layer 2) uses the higher scim (layer 3): use crate::scim::schema::URN"
    );
}

#[test]
fn a_grouped_use_is_read_member_by_member() {
    let src = "use crate::{\n    error::E,\n    scim::{schema::URN, handle},\n};\npub struct Record(E);\n";
    let p = one(layers_with(&[("model/record.rs", src)]));
    assert!(
        p.starts_with("src/model/record.rs:3: model (layer 2) uses the higher scim (layer 3): use crate::scim::"),
        "{p}"
    );
}

#[test]
fn a_doc_link_counts_and_is_followed_through_root_re_exports() {
    // `crate::Record` is the root's glob re-export of `model`.
    let p = one(layers_with(&[("error.rs", "/// Raised by [`Record`](crate::Record) stores.\npub struct E;\n")]));
    assert_eq!(p, "src/error.rs:1: error (layer 1) uses the higher model (layer 2): crate::Record (doc link)");
}

#[test]
fn a_qualified_path_in_code_counts() {
    let src =
        "use crate::error::E;\npub struct Record(E);\nfn urn() -> usize {\n    crate::scim::schema::URN.len()\n}\n";
    let p = one(layers_with(&[("model/record.rs", src)]));
    assert_eq!(p, "src/model/record.rs:4: model (layer 2) uses the higher scim (layer 3): crate::scim::schema::URN");
}

#[test]
fn a_super_chain_climbing_out_of_its_top_level_module_counts() {
    let src = "use crate::error::E;\npub struct Record(E);\n#[cfg(test)]\nmod tests {\n    use super::super::Record as Same;\n    fn f() { super::super::super::scim::handle(todo!()) }\n}\n";
    let p = one(layers_with(&[("model/record.rs", src)]));
    assert_eq!(
        p,
        "src/model/record.rs:6: model (layer 2) uses the higher scim (layer 3): super::super::super::scim::handle"
    );
}

#[test]
fn a_peer_in_the_same_layer_is_refused() {
    let p = one(layers_with(&[("scim/mod.rs", "pub mod schema;\npub fn handle(_: crate::saml::Identity) {}\n")]));
    assert_eq!(p, "src/scim/mod.rs:2: scim (layer 3) uses its peer saml (layer 3): crate::saml::Identity");
}

#[test]
fn text_in_strings_and_plain_comments_is_not_a_path() {
    let src = "use crate::error::E;\npub struct Record(E);\n// crate::scim::handle\nconst S: &str = \"crate::scim::handle\";\n/* crate::bridge */\nconst C: char = '\"';\n";
    assert_eq!(layers_with(&[("model/record.rs", src)]), Vec::<String>::new());
}

#[test]
fn modules_missing_from_the_table_and_table_entries_missing_from_the_crate_fail() {
    let lib = BASE[0].1.replace("pub mod scim;", "pub mod scim;\npub mod extra;");
    let krate = crate_with(&[("lib.rs", &lib), ("extra.rs", "pub fn x() {}\n")]);
    let table = Table::parse(&TABLE.replace("bridge", "bridge ghost")).unwrap();
    assert_eq!(
        check_layers(&krate, &table, &AllowList::default(), "src"),
        [
            "src: top-level module `extra` is in no layer of the table",
            "src: the layer table names `ghost`, which is not a module here",
        ]
    );
    assert!(Table::parse("a\nb a\n").is_err(), "a module in two layers");
}

#[test]
fn a_path_to_an_unknown_root_item_is_refused() {
    let p = one(layers_with(&[("error.rs", "pub struct E;\nfn f() { crate::VERSION; }\n")]));
    assert_eq!(p, "src/error.rs:2: `crate::VERSION` names the crate root, which has no layer");
}

#[test]
fn the_allow_list_lets_named_paths_through_and_fails_when_stale() {
    let src = "use crate::error::E;\nuse crate::scim::schema::URN;\npub struct Record(E);\n";
    let allow =
        AllowList::parse("# why\nsrc: model -> scim in model/record.rs\nsrc: error -> bridge in error.rs\n").unwrap();
    let krate = crate_with(&[("model/record.rs", src)]);
    assert_eq!(check_layers(&krate, &Table::parse(TABLE).unwrap(), &allow, "src"), Vec::<String>::new());
    assert_eq!(
        allow.unused(&["src"]),
        ["allow-list entry `src: error -> bridge in error.rs` matches nothing any more; remove it"]
    );
    assert!(allow.unused(&["elsewhere"]).is_empty(), "entries of directories not checked are not judged");
    assert!(AllowList::parse("model -> scim\n").is_err());
}

#[test]
fn a_cycle_between_sibling_modules_is_reported_with_its_members_and_edges() {
    let krate = Crate::from_sources(vec![
        ("main.rs".into(), "mod a;\nmod b;\nmod c;\nmod m;\n".into()),
        ("a.rs".into(), "use crate::b::B;\npub struct A;\n".into()),
        ("b.rs".into(), "pub struct B;\nfn f() -> super::c::C { todo!() }\n".into()),
        ("c.rs".into(), "pub struct C;\n/// Not an edge: [`A`](crate::a::A).\nfn g() { let _ = crate::m::x::X; }\n".into()),
        ("m/mod.rs".into(), "pub mod x;\nmod y;\n".into()),
        ("m/x.rs".into(), "pub struct X;\nuse super::y::Y;\n".into()),
        ("m/y.rs".into(), "pub struct Y;\n#[cfg(test)]\nmod tests {\n    use crate::m::x::X;\n    use super::super::super::a::A;\n}\n".into()),
    ]);
    let problems = find_cycles(&krate, &AllowList::default(), "src");
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert_eq!(
        problems[0],
        "src: import cycle among the submodules of the crate root: a, b, c, m\n    \
         a -> b  (src/a.rs:1)\n    b -> c  (src/b.rs:2)\n    c -> m  (src/c.rs:3)\n    m -> a  (src/m/y.rs:5)"
    );
    assert_eq!(
        problems[1],
        "src: import cycle among the submodules of `m`: x, y\n    x -> y  (src/m/x.rs:2)\n    y -> x  (src/m/y.rs:4)"
    );
    let allow = AllowList::parse("src: cycle in m: y x\nsrc: cycle in crate: a b c m\n").unwrap();
    assert_eq!(find_cycles(&krate, &allow, "src"), Vec::<String>::new());
    assert!(allow.unused(&["src"]).is_empty());
}

#[test]
fn use_trees_expand_and_record_imports() {
    let found =
        scan("pub use crate::a::{self, b::{C, D as E}, f::*, g as _};\nfn h() { use super::k; }\n", &["m".into()]);
    let paths: Vec<String> = found.refs.iter().filter(|r| r.kind == RefKind::Use).map(|r| r.path.join("::")).collect();
    assert_eq!(paths, ["crate::a", "crate::a::b::C", "crate::a::b::D", "crate::a::f", "crate::a::g", "super::k"]);
    let imports: Vec<(Option<&str>, String)> =
        found.modules[0].imports.iter().map(|i| (i.name.as_deref(), i.path.join("::"))).collect();
    assert_eq!(
        imports,
        [
            (Some("a"), "crate::a".to_owned()),
            (Some("C"), "crate::a::b::C".to_owned()),
            (Some("E"), "crate::a::b::D".to_owned()),
            (None, "crate::a::f".to_owned()),
        ],
        "a function's own `use` and `as _` import no name into the module"
    );
}

#[test]
fn doc_paths_are_read_from_links_and_prose() {
    let found = scan(
        "//! See [`X`](crate::a::X), [`super::b`] and self::c::d.\n//! Not: my_crate::a, crate alone, crate::\nstruct S;\n",
        &[],
    );
    let docs: Vec<String> =
        found.refs.iter().filter(|r| r.kind == RefKind::DocLink).map(|r| r.path.join("::")).collect();
    assert_eq!(docs, ["crate::a::X", "super::b", "self::c::d"]);
}

fn repo(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(path)
}

#[test]
fn the_real_core_runs_down_its_layers_without_cycles() {
    let krate = Crate::read_dir(&repo("core/src")).unwrap();
    let table = Table::parse(&std::fs::read_to_string(repo("core/layers.txt")).unwrap()).unwrap();
    let allow = AllowList::parse(&std::fs::read_to_string(repo("tools/layers/allow.txt")).unwrap()).unwrap();
    assert!(krate.refs.len() > 500, "the scan read the sources ({} paths)", krate.refs.len());
    let mut problems = check_layers(&krate, &table, &allow, "core/src");
    problems.extend(find_cycles(&krate, &allow, "core/src"));
    problems.extend(allow.unused(&["core/src"]));
    assert_eq!(problems, Vec::<String>::new());
}
