//! docs/ARCHITECTURE.md names only files and folders that exist.

use std::path::Path;

#[test]
fn every_path_the_architecture_names_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let text = std::fs::read_to_string(root.join("docs/ARCHITECTURE.md")).expect("docs/ARCHITECTURE.md is readable");
    let named = sso_scim_docs::named_paths(&text);
    assert!(named.len() >= 40, "the architecture should walk the code file by file; it names {} paths", named.len());
    let missing = sso_scim_docs::missing_paths(&text, &root);
    assert!(missing.is_empty(), "docs/ARCHITECTURE.md names paths that do not exist:\n{}", missing.join("\n"));
}
