//! What one source file says about modules: the inline modules it opens, the names each module
//! defines and imports at its top level, and every path that starts at `crate`, `super` or
//! `self` — in `use` trees (grouped ones expanded), in code, and in doc-comment links.

use std::collections::BTreeSet;

use crate::lex::{Kind, Tok, tokenize};

/// Where a path was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefKind {
    /// In a `use` item.
    Use,
    /// A qualified path in code (an expression, a type, an attribute).
    Code,
    /// A doc-comment link (rustdoc resolves it, so it binds the docs to that module).
    DocLink,
}

/// One path found in a file, exactly as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathRef {
    /// The line it is on.
    pub line: usize,
    /// The module it is written in (inline `mod` blocks included), from the crate root.
    pub scope: Vec<String>,
    /// Its segments: `crate`, `super` or `self` first, or (in a `use`) a bare first name.
    pub path: Vec<String>,
    /// Where it was written.
    pub kind: RefKind,
}

/// A `use` at a module's top level, which other paths may resolve through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// The name it brings in (after `as`); `None` for a glob.
    pub name: Option<String>,
    /// The path imported (for a glob, the module whose names it brings in).
    pub path: Vec<String>,
}

/// One module as a file declares it: the file's own, or an inline `mod name { … }`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModuleDecl {
    /// Its path from the crate root.
    pub path: Vec<String>,
    /// The imports at its top level.
    pub imports: Vec<Import>,
    /// The names its own items define (types, functions, constants, macros, modules).
    pub items: BTreeSet<String>,
}

/// Everything [`scan`] finds in a file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileScan {
    /// Every path starting at `crate`, `super` or `self`, and every `use` path.
    pub refs: Vec<PathRef>,
    /// The file's module first, then its inline modules.
    pub modules: Vec<ModuleDecl>,
}

const ITEM_KEYWORDS: [&str; 8] = ["struct", "enum", "union", "trait", "fn", "type", "const", "static"];
/// Words that follow an item keyword without being the item's name (`const fn`, `static mut`).
const NOT_A_NAME: [&str; 7] = ["fn", "unsafe", "async", "extern", "mut", "_", "impl"];

struct Scope {
    depth: usize,
    index: usize,
}

/// Scan the source of the file that is module `module` of its crate.
pub fn scan(src: &str, module: &[String]) -> FileScan {
    let toks = tokenize(src);
    let mut out =
        FileScan { refs: Vec::new(), modules: vec![ModuleDecl { path: module.to_vec(), ..Default::default() }] };
    let mut scopes = vec![Scope { depth: 0, index: 0 }];
    let mut depth = 0usize;
    let mut pending_mod: Option<String> = None;
    let mut j = 0;
    while j < toks.len() {
        let top = scopes.last().expect("the file's own scope is never popped");
        let (index, item_level) = (top.index, depth == top.depth);
        let scope = out.modules[index].path.clone();
        match &toks[j].kind {
            Kind::Punct('{') => {
                depth += 1;
                if let Some(name) = pending_mod.take() {
                    let mut path = scope;
                    path.push(name);
                    out.modules.push(ModuleDecl { path, ..Default::default() });
                    scopes.push(Scope { depth, index: out.modules.len() - 1 });
                }
            }
            Kind::Punct('}') => {
                if scopes.len() > 1 && depth == top.depth {
                    scopes.pop();
                }
                depth = depth.saturating_sub(1);
            }
            Kind::Punct(';') => pending_mod = None,
            Kind::Ident(w) if w == "mod" => {
                if let Some(name) = ident(&toks, j + 1) {
                    if item_level {
                        out.modules[index].items.insert(name.to_owned());
                    }
                    if toks.get(j + 2).is_some_and(|t| t.kind == Kind::Punct('{')) {
                        pending_mod = Some(name.to_owned());
                    }
                    j += 1;
                }
            }
            Kind::Ident(w) if w == "use" => {
                let mut leaves = Vec::new();
                let mut k = j + 1;
                use_tree(&toks, &mut k, Vec::new(), &mut leaves);
                for (path, name, line) in leaves {
                    if item_level {
                        let glob = path.last().is_some_and(|s| s == "*");
                        let target: Vec<String> = path.iter().filter(|s| *s != "*").cloned().collect();
                        let name = if glob { None } else { name };
                        if glob || name.is_some() {
                            out.modules[index].imports.push(Import { name, path: target.clone() });
                        }
                        out.refs.push(PathRef { line, scope: scope.clone(), path: target, kind: RefKind::Use });
                    } else {
                        let target = path.into_iter().filter(|s| s != "*").collect();
                        out.refs.push(PathRef { line, scope: scope.clone(), path: target, kind: RefKind::Use });
                    }
                }
                j = k;
                continue;
            }
            Kind::Ident(w) if item_level && ITEM_KEYWORDS.contains(&w.as_str()) => {
                if let Some(name) = ident(&toks, j + 1).filter(|n| !NOT_A_NAME.contains(n)) {
                    out.modules[index].items.insert(name.to_owned());
                }
            }
            Kind::Ident(w) if item_level && w == "macro_rules" => {
                if let Some(name) = ident(&toks, j + 2) {
                    out.modules[index].items.insert(name.to_owned());
                }
            }
            Kind::Ident(w)
                if matches!(w.as_str(), "crate" | "super" | "self")
                    && toks.get(j + 1).is_some_and(|t| t.kind == Kind::PathSep) =>
            {
                let line = toks[j].line;
                let mut path = vec![w.clone()];
                let mut k = j + 1;
                while toks.get(k).is_some_and(|t| t.kind == Kind::PathSep) {
                    let Some(seg) = ident(&toks, k + 1) else { break };
                    path.push(seg.to_owned());
                    k += 2;
                }
                out.refs.push(PathRef { line, scope, path, kind: RefKind::Code });
                j = k;
                continue;
            }
            Kind::Doc(text) => {
                for path in doc_paths(text) {
                    out.refs.push(PathRef { line: toks[j].line, scope: scope.clone(), path, kind: RefKind::DocLink });
                }
            }
            _ => {}
        }
        j += 1;
    }
    out
}

fn ident(toks: &[Tok], k: usize) -> Option<&str> {
    match toks.get(k).map(|t| &t.kind) {
        Some(Kind::Ident(s)) => Some(s),
        _ => None,
    }
}

/// Expand the `use` tree starting at `toks[*k]` into `(path, name, line)` leaves; a glob leaf
/// ends in `*`. Leaves `*k` after the tree (after the `;` at the top level).
fn use_tree(toks: &[Tok], k: &mut usize, prefix: Vec<String>, out: &mut Vec<(Vec<String>, Option<String>, usize)>) {
    let mut path = prefix;
    while let Some(tok) = toks.get(*k) {
        match &tok.kind {
            Kind::PathSep | Kind::Punct('$') => *k += 1,
            Kind::Ident(seg) => {
                path.push(seg.clone());
                *k += 1;
                if toks.get(*k).is_some_and(|t| t.kind == Kind::PathSep) {
                    continue;
                }
                let mut name = Some(seg.clone());
                if ident(toks, *k) == Some("as") {
                    name = ident(toks, *k + 1).filter(|n| *n != "_").map(str::to_owned);
                    *k += 2;
                }
                // `a::{self}` imports `a` itself.
                if path.len() > 1 && path.last().is_some_and(|s| s == "self") {
                    path.pop();
                    if name.as_deref() == Some("self") {
                        name = path.last().cloned();
                    }
                }
                out.push((path, name, tok.line));
                finish(toks, k);
                return;
            }
            Kind::Punct('*') => {
                path.push("*".to_owned());
                out.push((path, None, tok.line));
                *k += 1;
                finish(toks, k);
                return;
            }
            Kind::Punct('{') => {
                *k += 1;
                while let Some(t) = toks.get(*k) {
                    match t.kind {
                        Kind::Punct('}') => {
                            *k += 1;
                            break;
                        }
                        Kind::Punct(',') => *k += 1,
                        _ => {
                            let before = *k;
                            use_tree(toks, k, path.clone(), out);
                            if *k == before {
                                *k += 1;
                            }
                        }
                    }
                }
                finish(toks, k);
                return;
            }
            _ => return,
        }
    }
}

/// Step over the `;` that ends a top-level use tree (a nested one ends at `,` or `}`).
fn finish(toks: &[Tok], k: &mut usize) {
    if toks.get(*k).is_some_and(|t| t.kind == Kind::Punct(';')) {
        *k += 1;
    }
}

fn is_ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

/// The `crate::…`, `super::…` and `self::…` paths in one line of doc text (links such as
/// ``[`X`](crate::a::X)`` or ``[`crate::a`]``, and paths in doc examples alike).
pub fn doc_paths(text: &str) -> Vec<Vec<String>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let starts =
            is_ident_char(b[i]) && !b[i].is_ascii_digit() && (i == 0 || !(is_ident_char(b[i - 1]) || b[i - 1] == b':'));
        if !starts {
            i += 1;
            continue;
        }
        let mut segs = Vec::new();
        let mut k = i;
        loop {
            let end = k + b[k..].iter().take_while(|&&c| is_ident_char(c)).count();
            if end == k {
                break;
            }
            segs.push(text[k..end].to_owned());
            k = end;
            if b[k..].starts_with(b"::") && b.get(k + 2).is_some_and(|&c| is_ident_char(c)) {
                k += 2;
            } else {
                break;
            }
        }
        if segs.len() >= 2 && matches!(segs[0].as_str(), "crate" | "super" | "self") {
            out.push(segs);
        }
        i = k.max(i + 1);
    }
    out
}
