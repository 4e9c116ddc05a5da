//! # sso-scim-fuzz-targets
//!
//! The fuzz targets of sso-scim as plain functions, one per target: each takes the fuzzer's
//! bytes, runs the code under test and asserts its properties, so a panic is a finding.
//!
//! They live in a stable crate, apart from the libFuzzer harnesses in `fuzz/` (nightly), so that
//! `cargo test` can replay every committed corpus input and every saved crash through exactly
//! the code the fuzzer ran (`tests/replay.rs`) on a machine without nightly.
//!
//! Fixtures (SAML settings and genuine signed responses) come from `tests/vectors/` and the
//! throwaway keys in `core/tests/data/saml/`, embedded at build time so a fuzz binary needs no
//! files at run time and follows the vectors whenever they are regenerated.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod metadata;
mod mutate;
mod recipe;
mod saml;
mod scim;
mod xml;

pub use metadata::metadata_import;
pub use saml::{saml_validate, saml_validate_mutated};
pub use scim::{scim_filter, scim_handler, scim_patch};
pub use xml::{c14n, xml_parse};

/// A fuzz target: the function a libFuzzer harness calls with each input.
pub type Target = fn(&[u8]);

/// Every target by name. The name is also the harness (`fuzz/fuzz_targets/<name>.rs`), the
/// corpus folder (`fuzz/corpus/<name>/`) and the crash folder (`fuzz/artifacts/<name>/`).
pub const TARGETS: &[(&str, Target)] = &[
    ("saml_validate", saml_validate),
    ("saml_validate_mutated", saml_validate_mutated),
    ("c14n", c14n),
    ("xml_parse", xml_parse),
    ("metadata_import", metadata_import),
    ("scim_filter", scim_filter),
    ("scim_patch", scim_patch),
    ("scim_handler", scim_handler),
];
