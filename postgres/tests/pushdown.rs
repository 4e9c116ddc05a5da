//! The SQL pushdown of `PostgresDirectory` answers exactly as the core does: random filters
//! and sorts over a random directory (core/tests/pushdown_model), on a database whose default
//! collation is linguistic (ICU en-US), so only the byte-ordered columns and the core's keys
//! can make the answers agree.

#[path = "../../core/tests/pushdown_model/mod.rs"]
mod pushdown_model;

mod common;

use sso_scim_core::{Directory, Workspace};

#[test]
fn random_filters_and_sorts_answer_as_the_core_does() {
    let store = common::connect(&common::fresh_database());
    common::run(store.add_workspace(&Workspace::new("p", "Property"))).unwrap();
    let checked = pushdown_model::check_pushdown(
        "p",
        0x0dd_ba11_5eed,
        (300, 3000),
        |user| {
            common::run(store.insert_user(user)).unwrap();
        },
        |query| common::run(store.query_users("p", query)),
    );
    // Most queries must select something, or the property would hold vacuously.
    assert!(checked.nonempty * 3 > checked.queries, "{checked:?}");
}
