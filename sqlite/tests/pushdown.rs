//! The SQL pushdown of `SqliteDirectory` answers exactly as the core does: random filters and
//! sorts over a random directory (core/tests/pushdown_model), and the plans of the queries IdPs
//! send stay on indexes (src/users.rs tests).

#[path = "../../core/tests/pushdown_model/mod.rs"]
mod pushdown_model;

mod common;

use common::{TempDir, run};
use sso_scim_core::{Directory, Workspace};
use sso_scim_sqlite::SqliteDirectory;

#[test]
fn random_filters_and_sorts_answer_as_the_core_does() {
    let tmp = TempDir::new("pushdown");
    let store = SqliteDirectory::open(tmp.db()).unwrap();
    store.add_workspace(&Workspace::new("p", "Property")).unwrap();
    let checked = pushdown_model::check_pushdown(
        "p",
        0x0dd_ba11_5eed,
        (300, 3000),
        |user| {
            run(store.insert_user(user)).unwrap();
        },
        |query| run(store.query_users("p", query)),
    );
    // Most queries must select something, or the property would hold vacuously.
    assert!(checked.nonempty * 3 > checked.queries, "{checked:?}");
}
