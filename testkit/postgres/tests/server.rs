//! The throwaway server starts, hands out databases, and is gone once dropped.

use std::net::TcpStream;

use sso_scim_pg_testkit::TestPostgres;

#[test]
fn a_server_serves_fresh_databases_and_is_removed_when_dropped() {
    let server = TestPostgres::start();
    let (first, second) = (server.create_database(), server.create_database());
    assert_ne!(first, second);
    assert!(first.starts_with(&format!("postgres://postgres@127.0.0.1:{}/", server.port())), "{first}");
    let name = first.rsplit('/').next().unwrap();
    server.execute(name, "CREATE TABLE t (x TEXT)");
    server.execute(name, "INSERT INTO t VALUES ('a'), ('B')");
    // The default collation is linguistic, as in a host's database; "C" orders bytes.
    assert_eq!(server.execute(name, "SELECT string_agg(x, ',' ORDER BY x) FROM t"), "a,B");
    assert_eq!(server.execute(name, r#"SELECT string_agg(x, ',' ORDER BY x COLLATE "C") FROM t"#), "B,a");
    assert_eq!(server.execute(name, "SHOW fsync"), "on");
    let socket_dir = server.socket_dir();
    assert!(socket_dir.join(format!(".s.PGSQL.{}", server.port())).exists());
    let port = server.port();
    drop(server);
    assert!(!socket_dir.exists(), "the folder is removed");
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err(), "the server is stopped");
}

#[test]
fn the_shared_server_is_one_per_process() {
    let (a, b) = (TestPostgres::shared(), TestPostgres::shared());
    assert_eq!(a.port(), b.port());
    assert_eq!(a.execute("postgres", "SELECT 1 + 1"), "2");
    let err = std::panic::catch_unwind(|| a.execute("postgres", "SELECT nonsense_column")).unwrap_err();
    let message = err.downcast_ref::<String>().unwrap();
    assert!(message.contains("nonsense_column"), "{message}");
}
