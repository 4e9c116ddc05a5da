//! `throwaway-postgres`: a throwaway PostgreSQL for tools outside Rust's test harness (the
//! conformance run, `conformance/run.py`). Starts a server, creates one database, prints its
//! URL as one line, and keeps the server until its standard input closes; then stops it and
//! removes its folder (the server's reaper does so too if this process is killed).

use std::io::Read;

use sso_scim_pg_testkit::TestPostgres;

fn main() {
    let server = TestPostgres::start();
    println!("{}", server.create_database());
    // Read to EOF: the parent closing our stdin (or dying) is the signal to stop.
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    drop(server);
}
