//! The SAML side of the core, end to end through its public API: one test binary, because each
//! binary links the whole crate and its dev-dependencies and linking dominates a build on a
//! small machine. Run one family with a filter: `cargo test -p sso-scim-core --test saml vectors::`.
//!
//! The instruction-count test stays a binary of its own (`tests/saml_cost.rs` says why).

// Shared with the callgrind test, the benchmarks and the CLI's tests, so it stays where they
// all include it from.
#[path = "../saml_support/mod.rs"]
mod saml_support;

mod accept;
mod c14n_xmlsec;
mod entra;
mod login;
mod metadata;
mod no_fetch;
mod pending;
mod vectors;
