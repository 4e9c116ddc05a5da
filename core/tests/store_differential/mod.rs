//! Every SQL store held to the core's reference semantics: random operations on the store and
//! on `MemoryDirectory`, compared answer by answer (included with `#[path]` by sqlite/tests and
//! postgres/tests, whose `common` module re-exports core/tests/store_records).

// A test binary runs the users half or the groups half.
#![allow(dead_code)]

pub mod groups;
#[path = "../pushdown_model/rng.rs"]
mod rng;
pub mod users;

use std::future::Future;

/// How a test binary drives its store's futures (at once for SQLite, on a runtime for
/// PostgreSQL).
pub trait Drive {
    /// `future` to completion.
    fn run<F: Future>(&self, future: F) -> F::Output;
}
