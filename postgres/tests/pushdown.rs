//! The SQL pushdown of `PostgresDirectory` answers exactly as the core does: random filters
//! and sorts over a random directory (core/tests/pushdown_model), on a database whose default
//! collation is linguistic (ICU en-US), so only the byte-ordered columns and the core's keys
//! can make the answers agree. Two halves with their own seeds run side by side: every query
//! plans a new shape, which costs PostgreSQL more than running it.

#[path = "../../core/tests/pushdown_model/mod.rs"]
mod pushdown_model;

mod common;

use sso_scim_core::{Directory, Workspace};

/// 300 random users, then `queries` random list queries compared with the core's answers.
fn check(seed: u64, queries: usize) {
    let url = common::fresh_database();
    let store = common::connect(&url);
    common::run(store.add_workspace(&Workspace::new("p", "Property"))).unwrap();
    let mut analyzed = false;
    let checked = pushdown_model::check_pushdown(
        "p",
        seed,
        (300, queries),
        |user| {
            common::run(store.insert_user(user)).unwrap();
        },
        |query| {
            if !analyzed {
                // What autovacuum does for a live database: without statistics, the planner's
                // guesses for these tiny fresh tables can be a thousand times slower.
                common::server().execute(common::database_name(&url), "ANALYZE");
                analyzed = true;
            }
            common::run(store.query_users("p", query))
        },
    );
    // Most queries must select something, or the property would hold vacuously.
    assert!(checked.nonempty * 3 > checked.queries, "{checked:?}");
}

#[test]
fn random_filters_and_sorts_answer_as_the_core_does() {
    check(0x0dd_ba11_5eed, 1500);
}

#[test]
fn more_random_filters_and_sorts_answer_as_the_core_does() {
    check(0x5ca1_ab1e_f00d, 1500);
}
