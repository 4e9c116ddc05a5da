//! `make wire-types`: rewrite header.d.ts, _types.py and the header of index.d.ts from the Rust
//! sources.

fn main() {
    let root = sso_scim_wire_types::repository_root();
    if let Err(e) = sso_scim_wire_types::write(&root) {
        eprintln!("wire-types: {e}");
        std::process::exit(1);
    }
}
