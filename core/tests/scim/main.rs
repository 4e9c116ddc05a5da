//! The SCIM side of the core through `ScimHandler`: every vector over `MemoryDirectory`, and the
//! handler's behaviour that vectors cannot express. One test binary, because each binary links
//! the whole crate and linking dominates a build on a small machine.

mod common;
// Shared with the bridge's binary and the SQLite store's tests, so it stays where they all
// include it from.
#[path = "../vector_runner/mod.rs"]
mod vector_runner;

mod first_poll;
mod handler;
mod store;
mod vectors;
