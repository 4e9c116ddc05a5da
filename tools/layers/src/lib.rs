//! The layering check of sso-scim, run by `make lint`.
//!
//! [`check_layers`] maps every top-level module of a crate to a layer (the table lives next to
//! the crate's sources, e.g. `core/layers.txt`) and fails on any path from a module to one in a
//! higher layer or to a peer in its own layer. It reads every path that can bind one module to
//! another: `use` items (grouped ones expanded), qualified paths in code, doc-comment links
//! (rustdoc resolves them, so they break when the target moves), and `super::super…` chains
//! that climb out of a top-level module. Paths are followed through re-exports, so
//! `crate::Directory` is a use of the module the root re-exports it from.
//!
//! [`find_cycles`] looks inside every module for submodules that import each other in a
//! circle, in any crate (`make lint` runs it over every crate's sources).
//!
//! The tool reads tokens, not a syntax tree: it is dependency-free and fast, and what it cannot
//! see (a path built by a macro from pieces, `#[path]` attributes) the crates here do not use.

pub mod check;
pub mod lex;
pub mod scan;
pub mod tree;

pub use check::{AllowList, Table, check_layers, find_cycles};
pub use tree::Crate;

#[cfg(test)]
mod tests;
