//! The committed header.d.ts, _types.py and index.d.ts header are what the Rust sources say
//! now, byte for byte (as ffi/tests/header.rs checks the C header).

use std::path::Path;

use sso_scim_wire_types::{generate, index_with_header, paths, repository_root};

fn first_difference(committed: &str, generated: &str) -> String {
    committed
        .lines()
        .zip(generated.lines())
        .position(|(a, b)| a != b)
        .map_or_else(|| "end".to_owned(), |l| (l + 1).to_string())
}

fn check(path: &Path, generated: &str) {
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is stale (first difference at line {}); regenerate it with `make wire-types`",
        path.display(),
        first_difference(&committed, generated)
    );
}

#[test]
fn the_committed_wire_types_are_fresh() {
    let root = repository_root();
    let generated = generate(&root);
    let (dts, py, index) = paths(&root);
    check(&dts, &generated.header_dts);
    check(&py, &generated.types_py);
    let index_text = std::fs::read_to_string(&index).unwrap();
    assert!(
        index_with_header(&index_text, &generated.header_dts, &generated.header_dts).is_ok(),
        "{} does not start with the generated header; run `make wire-types`",
        index.display()
    );
}
