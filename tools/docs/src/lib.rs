//! The documentation checks `cargo test` runs: every repository path that
//! `docs/ARCHITECTURE.md` names in backticks must exist, so the architecture cannot quietly
//! describe files that were moved or removed.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::path::Path;

/// A backticked span that names a repository path, with the line it is on (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedPath {
    /// The 1-based line of the document.
    pub line: usize,
    /// The path as written, relative to the repository root.
    pub path: String,
}

/// Every repository path named in backticks in `markdown`.
///
/// A span counts as a path when it holds only path characters and either contains a `/` or
/// ends in a file extension we keep in the repository; Rust paths (`a::b`), URLs, commands
/// (anything with a space) and globs are not paths. Fenced code blocks are skipped: they hold
/// examples, not references.
pub fn named_paths(markdown: &str) -> Vec<NamedPath> {
    let mut found = Vec::new();
    let mut fenced = false;
    for (index, line) in markdown.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        for span in line.split('`').skip(1).step_by(2) {
            if is_path(span) {
                found.push(NamedPath { line: index + 1, path: span.to_owned() });
            }
        }
    }
    found
}

const EXTENSIONS: [&str; 9] = [".rs", ".md", ".toml", ".ts", ".js", ".py", ".pyi", ".h", ".json"];

fn is_path(span: &str) -> bool {
    let plain = !span.is_empty()
        && span.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '_' | '-'))
        && !span.starts_with('/')
        && !span.starts_with('.');
    plain && (span.contains('/') || EXTENSIONS.iter().any(|ext| span.ends_with(ext) && span.len() > ext.len()))
}

/// The named paths of `markdown` that do not exist under `root`, as `line: path` messages.
pub fn missing_paths(markdown: &str, root: &Path) -> Vec<String> {
    named_paths(markdown)
        .into_iter()
        .filter(|named| !root.join(&named.path).exists())
        .map(|named| format!("line {}: `{}` does not exist", named.line, named.path))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_told_from_code_urls_and_commands() {
        let text = "See `core/src/lib.rs`, `Cargo.toml`, `saml::ServiceProvider`, `make lint`,\n\
                    `https://example.com/x`, `/etc/passwd`, `*.rs` and `tests/vectors/`.";
        let paths: Vec<String> = named_paths(text).into_iter().map(|n| n.path).collect();
        assert_eq!(paths, ["core/src/lib.rs", "Cargo.toml", "tests/vectors/"]);
    }

    #[test]
    fn fenced_blocks_are_examples_not_references() {
        let text = "```\n`gone/file.rs`\n```\n`still/named.rs`";
        let named = named_paths(text);
        assert_eq!(named, [NamedPath { line: 4, path: "still/named.rs".into() }]);
    }

    #[test]
    fn a_path_that_does_not_exist_is_reported_with_its_line() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let text = "`Cargo.toml` is here\nbut `src/nowhere.rs` is not";
        assert_eq!(missing_paths(text, root), ["line 2: `src/nowhere.rs` does not exist"]);
    }
}
