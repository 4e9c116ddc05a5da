//! The two checks: every path between top-level modules runs down the layer table, and no
//! module's submodules import each other in a circle.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::scan::{PathRef, RefKind};
use crate::tree::{Crate, ModPath};

/// The layer table: top-level modules, lowest layer first; modules of one layer are peers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    layers: Vec<Vec<String>>,
}

impl Table {
    /// Read the table: one layer per line, lowest first, its modules separated by spaces, `|`
    /// or commas; `#` starts a comment.
    pub fn parse(text: &str) -> Result<Table, String> {
        let mut layers = Vec::new();
        let mut seen = BTreeSet::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("");
            let layer = words(line);
            for m in &layer {
                if !seen.insert(m.clone()) {
                    return Err(format!("line {}: module {m} is in two layers", n + 1));
                }
            }
            if !layer.is_empty() {
                layers.push(layer);
            }
        }
        if layers.is_empty() {
            return Err("the table names no layer".to_owned());
        }
        Ok(Table { layers })
    }

    /// The 0-based layer of a top-level module.
    pub fn layer_of(&self, module: &str) -> Option<usize> {
        self.layers.iter().position(|l| l.iter().any(|m| m == module))
    }

    fn modules(&self) -> impl Iterator<Item = &String> {
        self.layers.iter().flatten()
    }
}

/// What the checks let through for now, one entry a line, each for one source directory:
///
/// ```text
/// core/src: saml -> bridge in saml/metadata/import.rs
/// core/src: cycle in saml::xml: parse parser
/// bindings/node/src: cycle in crate: convert error store
/// ```
///
/// The first form lets paths from top-level module FROM to TO written in FILE (relative to the
/// directory) through the layer check; the second accepts the import cycle with exactly those
/// members among the submodules of MODULE (`crate` for the root). `#` starts a comment. An
/// entry that no longer matches anything fails the check, so the list can only shrink.
#[derive(Debug, Default)]
pub struct AllowList {
    entries: Vec<Allowed>,
}

#[derive(Debug)]
struct Allowed {
    dir: String,
    what: Exception,
    text: String,
    used: Cell<bool>,
}

#[derive(Debug, PartialEq, Eq)]
enum Exception {
    Path { from: String, to: String, file: String },
    Cycle { parent: ModPath, members: Vec<String> },
}

fn parse_entry(line: &str) -> Option<(String, Exception)> {
    let (dir, rest) = line.split_once(": ")?;
    let what = if let Some(cycle) = rest.strip_prefix("cycle in ") {
        let (module, members) = cycle.split_once(": ")?;
        let parent = match module.trim() {
            "crate" => Vec::new(),
            m => m.split("::").map(str::to_owned).collect(),
        };
        let mut members: Vec<String> = words(members);
        members.sort();
        (members.len() >= 2).then_some(Exception::Cycle { parent, members })?
    } else {
        let (from, rest) = rest.split_once("->")?;
        let (to, file) = rest.split_once(" in ")?;
        let (from, to, file) = (from.trim(), to.trim(), file.trim());
        if from.is_empty() || to.is_empty() || file.is_empty() {
            return None;
        }
        Exception::Path { from: from.to_owned(), to: to.to_owned(), file: file.to_owned() }
    };
    Some((dir.trim().to_owned(), what))
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == '|' || c == ',')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

impl AllowList {
    /// Read the list.
    pub fn parse(text: &str) -> Result<AllowList, String> {
        let mut entries = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let Some((dir, what)) = parse_entry(line) else {
                return Err(format!(
                    "line {}: expected `DIR: FROM -> TO in FILE` or `DIR: cycle in MODULE: A B …`, found `{line}`",
                    n + 1
                ));
            };
            entries.push(Allowed { dir, what, text: line.to_owned(), used: Cell::new(false) });
        }
        Ok(AllowList { entries })
    }

    fn allows_path(&self, dir: &str, from: &str, to: &str, file: &str) -> bool {
        self.entries.iter().any(|e| {
            let hit = e.dir == dir
                && matches!(&e.what, Exception::Path { from: f, to: t, file: p } if f == from && t == to && p == file);
            if hit {
                e.used.set(true);
            }
            hit
        })
    }

    fn allows_cycle(&self, dir: &str, parent: &[String], members: &[String]) -> bool {
        self.entries.iter().any(|e| {
            let hit = e.dir == dir
                && matches!(&e.what, Exception::Cycle { parent: p, members: m } if p == parent && m == members);
            if hit {
                e.used.set(true);
            }
            hit
        })
    }

    /// The entries for the directories in `dirs` that matched nothing in the checks run so far.
    pub fn unused(&self, dirs: &[&str]) -> Vec<String> {
        self.entries
            .iter()
            .filter(|e| dirs.contains(&e.dir.as_str()) && !e.used.get())
            .map(|e| format!("allow-list entry `{}` matches nothing any more; remove it", e.text))
            .collect()
    }
}

fn written(r: &PathRef) -> String {
    let path = r.path.join("::");
    match r.kind {
        RefKind::Use => format!("use {path}"),
        RefKind::Code => path,
        RefKind::DocLink => format!("{path} (doc link)"),
    }
}

/// Check every path of `krate` (whose source directory is `label`, as the allow list names it)
/// against `table`. Returns one message per problem; empty when the layers hold.
pub fn check_layers(krate: &Crate, table: &Table, allow: &AllowList, label: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let top = krate.children(&[]);
    for m in &top {
        if table.layer_of(m).is_none() {
            problems.push(format!("{label}: top-level module `{m}` is in no layer of the table"));
        }
    }
    for m in table.modules() {
        if !top.contains(m) {
            problems.push(format!("{label}: the layer table names `{m}`, which is not a module here"));
        }
    }
    let mut reported = BTreeSet::new();
    for (file, r) in &krate.refs {
        let Some(from) = r.scope.first() else { continue };
        let Some(target) = krate.resolve(&r.scope, &r.path) else { continue };
        let rel = &krate.files[*file].rel;
        let at = format!("{label}/{rel}:{}", r.line);
        let Some(to) = target.first() else {
            if reported.insert((at.clone(), String::new())) {
                problems.push(format!("{at}: `{}` names the crate root, which has no layer", written(r)));
            }
            continue;
        };
        if from == to {
            continue;
        }
        let (Some(lf), Some(lt)) = (table.layer_of(from), table.layer_of(to)) else { continue };
        if lt < lf {
            continue;
        }
        if allow.allows_path(label, from, to, rel) {
            continue;
        }
        if !reported.insert((at.clone(), to.clone())) {
            continue;
        }
        let how = if lt == lf { "its peer" } else { "the higher" };
        problems.push(format!("{at}: {from} (layer {}) uses {how} {to} (layer {}): {}", lf + 1, lt + 1, written(r)));
    }
    problems
}

/// Find import cycles among the submodules of each module of `krate`: an edge `a -> b`
/// between two children of one module is any path in code or a `use` written in `a` (or
/// below, tests included) that lands in `b` (or below); doc links are left out. Paths the
/// allow list lets through between top-level modules are left out too (the layer check
/// reports them once the entry goes), and so are the cycles it accepts. Returns one message
/// per cycle, naming its members and one path per edge around it.
pub fn find_cycles(krate: &Crate, allow: &AllowList, label: &str) -> Vec<String> {
    // parent -> (from child, to child) -> where the first such path is written
    let mut edges: BTreeMap<ModPath, BTreeMap<(String, String), String>> = BTreeMap::new();
    // A doc link between siblings is a cross-reference, not a dependency: a config type may
    // name the handler it configures while the handler imports the config.
    for (file, r) in krate.refs.iter().filter(|(_, r)| r.kind != RefKind::DocLink) {
        let Some(target) = krate.resolve(&r.scope, &r.path) else { continue };
        let common = r.scope.iter().zip(&target).take_while(|(a, b)| a == b).count();
        let (Some(a), Some(b)) = (r.scope.get(common), target.get(common)) else { continue };
        let rel = &krate.files[*file].rel;
        if common == 0 && allow.allows_path(label, a, b, rel) {
            continue;
        }
        let at = format!("{label}/{rel}:{}", r.line);
        edges.entry(r.scope[..common].to_vec()).or_default().entry((a.clone(), b.clone())).or_insert(at);
    }
    let mut problems = Vec::new();
    for (parent, graph) in &edges {
        for members in cycles(graph) {
            if allow.allows_cycle(label, parent, &members) {
                continue;
            }
            let owner =
                if parent.is_empty() { "the crate root".to_owned() } else { format!("`{}`", parent.join("::")) };
            let mut message = format!("{label}: import cycle among the submodules of {owner}: {}", members.join(", "));
            let ring = ring(graph, &members);
            for pair in ring.windows(2) {
                let at = &graph[&(pair[0].clone(), pair[1].clone())];
                message.push_str(&format!("\n    {} -> {}  ({at})", pair[0], pair[1]));
            }
            problems.push(message);
        }
    }
    problems
}

/// The strongly connected components with more than one member (Tarjan's algorithm).
fn cycles(graph: &BTreeMap<(String, String), String>) -> Vec<Vec<String>> {
    let nodes: BTreeSet<&String> = graph.keys().flat_map(|(a, b)| [a, b]).collect();
    let nodes: Vec<&String> = nodes.into_iter().collect();
    let index_of = |n: &String| nodes.iter().position(|m| *m == n).expect("a node of the graph");
    let mut next: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for (a, b) in graph.keys() {
        next[index_of(a)].push(index_of(b));
    }
    let mut state = Tarjan {
        next,
        index: vec![None; nodes.len()],
        low: vec![0; nodes.len()],
        on: vec![false; nodes.len()],
        stack: Vec::new(),
        counter: 0,
        out: Vec::new(),
    };
    for v in 0..nodes.len() {
        if state.index[v].is_none() {
            state.visit(v);
        }
    }
    let mut out: Vec<Vec<String>> = state
        .out
        .into_iter()
        .map(|c| {
            let mut names: Vec<String> = c.into_iter().map(|v| nodes[v].clone()).collect();
            names.sort();
            names
        })
        .collect();
    out.sort();
    out
}

struct Tarjan {
    next: Vec<Vec<usize>>,
    index: Vec<Option<usize>>,
    low: Vec<usize>,
    on: Vec<bool>,
    stack: Vec<usize>,
    counter: usize,
    out: Vec<Vec<usize>>,
}

impl Tarjan {
    fn visit(&mut self, v: usize) {
        self.index[v] = Some(self.counter);
        self.low[v] = self.counter;
        self.counter += 1;
        self.stack.push(v);
        self.on[v] = true;
        for w in self.next[v].clone() {
            match self.index[w] {
                None => {
                    self.visit(w);
                    self.low[v] = self.low[v].min(self.low[w]);
                }
                Some(iw) if self.on[w] => self.low[v] = self.low[v].min(iw),
                Some(_) => {}
            }
        }
        if Some(self.low[v]) == self.index[v] {
            let mut component = Vec::new();
            while let Some(w) = self.stack.pop() {
                self.on[w] = false;
                component.push(w);
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                self.out.push(component);
            }
        }
    }
}

/// The shortest closed walk from the component's first member back to it (a breadth-first
/// search along the edges that stay inside the component).
fn ring(graph: &BTreeMap<(String, String), String>, members: &[String]) -> Vec<String> {
    let start = &members[0];
    let mut prev: BTreeMap<&String, &String> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    'search: while let Some(n) = queue.pop_front() {
        for (a, b) in graph.keys() {
            if a != n || !members.contains(b) {
                continue;
            }
            if b == start {
                prev.insert(start, n);
                break 'search;
            }
            if !prev.contains_key(b) {
                prev.insert(b, n);
                queue.push_back(b);
            }
        }
    }
    // Every member of a component reaches every other, so the search came home; walk back.
    let mut walk = vec![start.clone()];
    let mut cur = prev[start];
    while cur != start {
        walk.push(cur.clone());
        cur = prev[cur];
    }
    walk.push(start.clone());
    walk.reverse();
    walk
}
