//! Kill -9 under write load, restart: every write the server acknowledged (2xx) is there, and
//! the database passes SQLite's integrity check.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::{Server, TempDir, http, user_body};

#[test]
fn no_acknowledged_write_is_lost_when_the_server_is_killed() {
    let dir = TempDir::new("durability");
    let server = Server::start(&dir.db());
    let token = Arc::new(server.bootstrap_token());
    let addr = Arc::new(server.addr.clone());
    let stop = Arc::new(AtomicBool::new(false));
    const WRITERS: usize = 4;
    // Bounded: at most this many requests per writer even if the kill came late.
    const MAX_PER_WRITER: usize = 2_000;
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (addr, token, stop) = (addr.clone(), token.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut acknowledged = Vec::new();
                for i in 0..MAX_PER_WRITER {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let name = format!("w{w}-{i}@contoso.com");
                    let auth = format!("Bearer {token}");
                    let headers = [("Authorization", auth.as_str()), ("Content-Type", "application/scim+json")];
                    match http(&addr, "POST", "/scim/v2/Users", &headers, &user_body(&name)) {
                        Some(reply) if reply.status == 201 => acknowledged.push(name),
                        Some(reply) => panic!("unexpected answer under load: {} {}", reply.status, reply.body),
                        None => break, // the server is gone
                    }
                }
                acknowledged
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(700));
    // The writers keep running into the kill: some requests are in flight when it lands.
    server.kill9();
    stop.store(true, Ordering::Relaxed);
    let acknowledged: Vec<String> = writers.into_iter().flat_map(|h| h.join().unwrap()).collect();
    assert!(acknowledged.len() > 20, "load reached the server: {} writes", acknowledged.len());
    eprintln!("{} writes acknowledged before kill -9", acknowledged.len());

    let check = rusqlite::Connection::open(dir.db()).unwrap();
    let integrity: String = check.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(integrity, "ok");
    drop(check);

    let restarted = Server::start(&dir.db());
    let all = restarted.scim(&token, "GET", "/Users?count=1", "");
    let total = all.json()["totalResults"].as_u64().unwrap() as usize;
    assert!(total >= acknowledged.len(), "{total} stored < {} acknowledged", acknowledged.len());
    for name in &acknowledged {
        let filter = format!("/Users?filter=userName%20eq%20%22{}%22", name.replace('@', "%40"));
        let found = restarted.scim(&token, "GET", &filter, "");
        assert_eq!(found.json()["totalResults"], 1, "acknowledged {name} lost");
    }
}
