//! Many clients creating the same userName at once over HTTP: exactly one user exists after,
//! every other request gets a SCIM 409, none a 5xx.

mod common;

use std::sync::Arc;

use common::{Server, TempDir, user_body};

#[test]
fn parallel_creates_of_one_user_name_make_exactly_one_user() {
    let dir = TempDir::new("race");
    // Every client in progress at once: the workspace's share must admit them all.
    let server = Arc::new(Server::start_with(&dir.db(), &["--max-requests-per-workspace", "32"], &[]));
    let token = Arc::new(server.bootstrap_token());
    const CLIENTS: usize = 24;
    let barrier = Arc::new(std::sync::Barrier::new(CLIENTS));
    let handles: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let (server, token, barrier) = (server.clone(), token.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                // Vary the case: uniqueness is case-insensitive.
                let name = if i % 2 == 0 { "race@contoso.com" } else { "RACE@contoso.com" };
                server.scim(&token, "POST", "/Users", &user_body(name)).status
            })
        })
        .collect();
    let statuses: Vec<u16> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), CLIENTS - 1, "{statuses:?}");
    let list = server.scim(&token, "GET", "/Users?filter=userName%20eq%20%22race%40contoso.com%22", "");
    assert_eq!(list.json()["totalResults"], 1);
}
