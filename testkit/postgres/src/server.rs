//! The server: a temporary folder, `initdb`, `pg_ctl start` on a free port, and a reaper
//! process that stops it and removes the folder.

use std::ffi::OsString;
use std::fs::DirBuilder;
use std::net::TcpListener;
use std::os::unix::fs::{DirBuilderExt as _, MetadataExt as _};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::binaries::Binaries;

/// The superuser `initdb` creates; tests connect as it.
pub const SUPERUSER: &str = "postgres";

/// How often a start is retried on a port another process took between our probe and the bind.
const PORT_ATTEMPTS: usize = 5;

/// A throwaway PostgreSQL server: its own folder, port and socket, stopped and removed when
/// dropped (or, for [`TestPostgres::shared`], when the test process exits).
///
/// Authentication is `trust`: the server listens on 127.0.0.1 and its own socket folder
/// only, lives as long as one test binary, and holds nothing but test data.
pub struct TestPostgres {
    root: PathBuf,
    port: u16,
    bin: Binaries,
    databases: AtomicU32,
    /// Declared last: dropped after everything else, it stops the server and removes `root`.
    _reaper: Reaper,
}

/// A child process that waits for its standard input to close, then stops the server and
/// removes the folder. The pipe closes when this handle drops and also when the test process
/// dies in any way (even `kill -9` or a panic that aborts), so no server outlives its tests.
struct Reaper(Child);

impl Reaper {
    fn spawn(root: &Path, bin: &Binaries) -> Result<Reaper, String> {
        let mut stop = bin.server_argv("pg_ctl");
        stop.extend(["stop", "-m", "fast", "-w", "-D"].map(OsString::from));
        stop.push(root.join("data").into_os_string());
        let child = Command::new("sh")
            .arg("-c")
            .arg(r#"cat >/dev/null; "$@" >/dev/null 2>&1; rm -rf -- "$SSO_SCIM_PG_ROOT""#)
            .arg("reaper")
            .args(stop)
            .env("SSO_SCIM_PG_ROOT", root)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group: a Ctrl-C that kills the tests does not kill the cleanup.
            .process_group(0)
            .spawn()
            .map_err(|e| format!("cannot start the cleanup process (sh): {e}"))?;
        Ok(Reaper(child))
    }
}

impl Drop for Reaper {
    fn drop(&mut self) {
        drop(self.0.stdin.take());
        let _ = self.0.wait();
    }
}

/// Run `cmd`; its output when it fails, as an error naming `what`.
fn run(what: &str, cmd: &mut Command) -> Result<String, String> {
    let out = cmd.output().map_err(|e| format!("cannot run {what}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{what} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A new private folder under the system's temporary folder.
fn temp_root() -> Result<PathBuf, String> {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    // Short: the socket's path must fit in 107 bytes.
    let root = std::env::temp_dir().join(format!("sso-pg-{}-{nanos:x}-{n}", std::process::id()));
    DirBuilder::new().mode(0o700).create(&root).map_err(|e| format!("cannot create {}: {e}", root.display()))?;
    Ok(root)
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("cannot probe for a free port: {e}"))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| format!("cannot probe for a free port: {e}"))
}

/// Quote a path for the option string pg_ctl hands to a shell.
fn shell_quoted(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

impl TestPostgres {
    /// Start a new server and wait until it accepts connections.
    ///
    /// # Panics
    ///
    /// When the server cannot start, with what went wrong and the server's log: a test that
    /// needs PostgreSQL fails, it never skips.
    pub fn start() -> TestPostgres {
        TestPostgres::try_start().unwrap_or_else(|e| panic!("cannot start a throwaway PostgreSQL server: {e}"))
    }

    /// The one server of this test process, started on first use and stopped when the process
    /// exits. Tests share it and take a database each ([`TestPostgres::create_database`]).
    ///
    /// # Panics
    ///
    /// As [`TestPostgres::start`].
    pub fn shared() -> &'static TestPostgres {
        static SHARED: OnceLock<TestPostgres> = OnceLock::new();
        SHARED.get_or_init(TestPostgres::start)
    }

    fn try_start() -> Result<TestPostgres, String> {
        let root = temp_root()?;
        let as_postgres = std::fs::metadata(&root).map_err(|e| e.to_string())?.uid() == 0;
        let bin = Binaries::find(as_postgres)?;
        // From here on, any failure drops the reaper, which removes the folder.
        let reaper = Reaper::spawn(&root, &bin)?;
        std::fs::create_dir(root.join("sock")).map_err(|e| format!("cannot create the socket folder: {e}"))?;
        if bin.as_postgres() {
            run("chown", Command::new("chown").arg("-R").arg("postgres:").arg(&root))?;
        }
        // A linguistic (ICU en-US) default collation, as a host's database usually has: "a" sorts
        // before "B" there, so the tests prove the store's byte-ordered (COLLATE "C") columns.
        // --no-sync only skips flushing initdb's own files; the server runs with fsync on.
        run(
            "initdb",
            bin.server_command("initdb")
                .arg("-D")
                .arg(root.join("data"))
                .args(["-U", SUPERUSER, "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8"])
                .args(["--locale-provider=icu", "--icu-locale=en-US", "--no-sync", "--no-instructions"]),
        )?;
        let port = TestPostgres::start_server(&root, &bin)?;
        Ok(TestPostgres { root, port, bin, databases: AtomicU32::new(0), _reaper: reaper })
    }

    /// `pg_ctl start` on a free port, retried when another process took the port first.
    fn start_server(root: &Path, bin: &Binaries) -> Result<u16, String> {
        let log = root.join("server.log");
        for _ in 0..PORT_ATTEMPTS {
            let port = free_port()?;
            let options = format!(
                "-k {} -p {port} -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=300",
                shell_quoted(&root.join("sock"))
            );
            let started = run(
                "pg_ctl start",
                bin.server_command("pg_ctl")
                    .arg("-D")
                    .arg(root.join("data"))
                    .args(["-w", "-t", "60", "-l"])
                    .arg(&log)
                    .args(["-o", &options, "start"]),
            );
            let Err(error) = started else { return Ok(port) };
            let server_log = std::fs::read_to_string(&log).unwrap_or_default();
            if !server_log.contains("could not bind") {
                return Err(format!("{error}\nserver log:\n{server_log}"));
            }
        }
        Err(format!("no free port after {PORT_ATTEMPTS} attempts"))
    }

    /// The TCP port the server listens on (on 127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The folder holding the server's unix socket.
    pub fn socket_dir(&self) -> PathBuf {
        self.root.join("sock")
    }

    /// The `postgres://` URL of `database` on this server, as the superuser.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{database}", self.port)
    }

    /// Create a new, empty database (`t1`, `t2`, …) and return its URL.
    ///
    /// # Panics
    ///
    /// When PostgreSQL refuses, with its message.
    pub fn create_database(&self) -> String {
        let name = format!("t{}", self.databases.fetch_add(1, Ordering::Relaxed) + 1);
        self.execute("postgres", &format!("CREATE DATABASE {name}"));
        self.url(&name)
    }

    /// Run `sql` (one or more statements) in `database` as the superuser through `psql`;
    /// what the last statement printed, unaligned, one row a line.
    ///
    /// # Panics
    ///
    /// When a statement fails, with PostgreSQL's message.
    pub fn execute(&self, database: &str, sql: &str) -> String {
        let port = self.port.to_string();
        let out = run(
            "psql",
            Command::new(self.bin.path("psql"))
                .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", &port])
                .args(["-U", SUPERUSER, "-d", database, "-c", sql]),
        );
        out.unwrap_or_else(|e| panic!("{sql}: {e}")).trim_end().to_owned()
    }
}
