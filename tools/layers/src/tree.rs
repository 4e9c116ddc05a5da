//! A crate's module tree, assembled from the scans of its files, and the resolution of a path
//! to the module it finally lands in — through `pub use` re-exports and glob imports, so that
//! `crate::Directory` counts as a use of `directory`, where the root re-exports it from.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::Path;

use crate::scan::{FileScan, Import, PathRef, scan};

/// A module path from the crate root (empty for the root itself).
pub type ModPath = Vec<String>;

/// One source file of the crate.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Its path relative to the crate's source directory, with `/` separators.
    pub rel: String,
    /// The module it is.
    pub module: ModPath,
}

#[derive(Debug, Clone, Default)]
struct Module {
    children: BTreeSet<String>,
    imports: Vec<Import>,
    items: BTreeSet<String>,
}

/// A crate's modules and every path written in it.
#[derive(Debug, Clone, Default)]
pub struct Crate {
    /// The files, in path order.
    pub files: Vec<SourceFile>,
    /// Every path, with the index of its file in [`Crate::files`].
    pub refs: Vec<(usize, PathRef)>,
    modules: BTreeMap<ModPath, Module>,
}

/// Follow at most this many re-exports; a longer chain is a loop rustc would refuse anyway.
const MAX_HOPS: usize = 16;

/// The module a file is: `lib.rs` / `main.rs` the root, `a/mod.rs` and `a.rs` module `a`,
/// `a/b.rs` module `a::b`. `None` for what is not part of the crate (`bin/` holds other crates).
pub fn module_of(rel: &str) -> Option<ModPath> {
    let stem = rel.strip_suffix(".rs")?;
    let mut parts: Vec<String> = stem.split('/').map(str::to_owned).collect();
    if parts.first().is_some_and(|p| p == "bin") {
        return None;
    }
    if parts.len() == 1 && (parts[0] == "lib" || parts[0] == "main") {
        return Some(Vec::new());
    }
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    Some(parts)
}

impl Crate {
    /// Read every `.rs` file under `dir`.
    pub fn read_dir(dir: &Path) -> io::Result<Crate> {
        let mut sources = Vec::new();
        collect(dir, dir, &mut sources)?;
        Ok(Crate::from_sources(sources))
    }

    /// Assemble a crate from `(relative path, source)` pairs.
    pub fn from_sources(mut sources: Vec<(String, String)>) -> Crate {
        sources.sort();
        let mut krate = Crate::default();
        krate.modules.insert(Vec::new(), Module::default());
        for (rel, src) in sources {
            let Some(module) = module_of(&rel) else { continue };
            let FileScan { refs, modules } = scan(&src, &module);
            let index = krate.files.len();
            krate.files.push(SourceFile { rel, module });
            for decl in modules {
                krate.add_module(&decl.path);
                let m = krate.modules.get_mut(&decl.path).expect("just added");
                m.imports.extend(decl.imports);
                m.items.extend(decl.items);
            }
            krate.refs.extend(refs.into_iter().map(|r| (index, r)));
        }
        krate
    }

    fn add_module(&mut self, path: &[String]) {
        for n in 0..=path.len() {
            self.modules.entry(path[..n].to_vec()).or_default();
            if n > 0 {
                let parent = self.modules.get_mut(&path[..n - 1]).expect("added on the previous turn");
                parent.children.insert(path[n - 1].clone());
            }
        }
    }

    /// The submodules of `module`.
    pub fn children(&self, module: &[String]) -> Vec<String> {
        self.modules.get(module).map(|m| m.children.iter().cloned().collect()).unwrap_or_default()
    }

    fn has_child(&self, module: &[String], name: &str) -> bool {
        self.modules.get(module).is_some_and(|m| m.children.contains(name))
    }

    fn names(&self, module: &[String], name: &str) -> bool {
        self.modules.get(module).is_some_and(|m| {
            m.children.contains(name)
                || m.items.contains(name)
                || m.imports.iter().any(|i| i.name.as_deref() == Some(name))
        })
    }

    /// Where a path written in `scope` starts: the module its leading `crate` / `super` /
    /// `self` / submodule name designates, and the segments left. `None` for a path into
    /// another crate (or one that climbs above the root, which rustc refuses).
    fn start<'p>(&self, scope: &[String], path: &'p [String]) -> Option<(ModPath, &'p [String])> {
        let first = path.first()?;
        if first == "crate" {
            return Some((Vec::new(), &path[1..]));
        }
        if first == "super" || first == "self" {
            let mut base = scope.to_vec();
            let mut used = 0;
            for seg in path {
                match seg.as_str() {
                    "self" if used == 0 => {}
                    "super" => {
                        base.pop()?;
                    }
                    _ => break,
                }
                used += 1;
            }
            return Some((base, &path[used..]));
        }
        self.has_child(scope, first).then(|| (scope.to_vec(), path))
    }

    /// The module a path written in `scope` lands in: the deepest module it names, after
    /// following re-exports. `None` for a path into another crate.
    pub fn resolve(&self, scope: &[String], path: &[String]) -> Option<ModPath> {
        let (base, rest) = self.start(scope, path)?;
        Some(self.walk(base, rest, 0))
    }

    fn walk(&self, mut cur: ModPath, rest: &[String], hops: usize) -> ModPath {
        for (k, seg) in rest.iter().enumerate() {
            if self.has_child(&cur, seg) {
                cur.push(seg.clone());
                continue;
            }
            let Some(module) = self.modules.get(&cur) else { return cur };
            if hops >= MAX_HOPS || module.items.contains(seg) {
                return cur;
            }
            if let Some(import) = module.imports.iter().find(|i| i.name.as_deref() == Some(seg)) {
                let mut path = import.path.clone();
                path.extend(rest[k + 1..].iter().cloned());
                // A re-export of another crate's item still reads this module's namespace.
                return match self.start(&cur, &path) {
                    Some((base, more)) => self.walk(base, more, hops + 1),
                    None => cur,
                };
            }
            for glob in module.imports.iter().filter(|i| i.name.is_none()) {
                let Some((base, more)) = self.start(&cur, &glob.path) else { continue };
                let source = self.walk(base, more, hops + 1);
                if source != cur && self.names(&source, seg) {
                    return self.walk(source, &rest[k..], hops + 1);
                }
            }
            return cur;
        }
        cur
    }
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(root, &path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(root).expect("under the root").to_string_lossy().replace('\\', "/");
            out.push((rel, fs::read_to_string(&path)?));
        }
    }
    Ok(())
}
