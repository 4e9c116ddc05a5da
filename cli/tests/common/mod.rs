//! Shared harness of the CLI integration tests: run the `sso-scim` binary, start `serve` on a
//! system-chosen loopback port, and speak minimal HTTP/1.1 to it (one request per connection,
//! so every test request is independent and no client crate is needed).

#![allow(dead_code)] // each test binary uses part of the harness

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_sso-scim")
}

/// A fresh temporary directory (removed on drop).
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "sso-scim-cli-{tag}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn db(&self) -> PathBuf {
        self.0.join("test.db")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Run `sso-scim --db DB ARGS…` to completion.
pub fn run(db: &Path, args: &[&str]) -> Output {
    Command::new(bin()).arg("--db").arg(db).args(args).output().expect("run sso-scim")
}

/// Run and require success; returns stdout.
pub fn run_ok(db: &Path, args: &[&str]) -> String {
    let out = run(db, args);
    assert!(out.status.success(), "sso-scim {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// A running `sso-scim serve`; killed on drop.
pub struct Server {
    pub child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// Lines printed before "listening" (the bootstrap banner on an empty database).
    pub banner: Vec<String>,
}

impl Server {
    /// Start on `db` and wait until it listens.
    pub fn start(db: &Path) -> Server {
        Server::start_with(db, &[], &[])
    }

    /// Start on `db` with more `serve` options and environment variables (which may set
    /// `RUST_LOG`; the default is `warn`).
    pub fn start_with(db: &Path, options: &[&str], env: &[(&str, &str)]) -> Server {
        Server::spawn(db, options, env, Stdio::inherit())
    }

    /// As [`Server::start_with`], with the server's log lines (stderr) sent to the receiver.
    pub fn start_logged(db: &Path, options: &[&str], env: &[(&str, &str)]) -> (Server, mpsc::Receiver<String>) {
        let mut server = Server::spawn(db, options, env, Stdio::piped());
        let stderr = server.child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        (server, rx)
    }

    fn spawn(db: &Path, options: &[&str], env: &[(&str, &str)], stderr: Stdio) -> Server {
        let mut child = Command::new(bin())
            .arg("--db")
            .arg(db)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(options)
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("spawn serve");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Owned by the Server from here on, so a failed start still kills the child on drop.
        let mut server = Server { child, addr: String::new(), banner: Vec::new() };
        loop {
            let line = rx.recv_timeout(Duration::from_secs(30)).expect("serve printed its address");
            if let Some(url) = line.strip_prefix("sso-scim: listening on http://") {
                server.addr = url.to_owned();
                return server;
            }
            server.banner.push(line);
        }
    }

    /// The bearer token printed by the bootstrap banner.
    pub fn bootstrap_token(&self) -> String {
        self.banner
            .iter()
            .find_map(|l| l.split(": ").last().filter(|t| t.starts_with("ssoscim_")).map(str::to_owned))
            .expect("bootstrap banner holds a token")
    }

    /// The workspace id named by the bootstrap banner.
    pub fn bootstrap_workspace(&self) -> String {
        self.banner
            .iter()
            .find_map(|l| {
                l.strip_prefix("sso-scim: created workspace ").map(|r| r.split(' ').next().unwrap().to_owned())
            })
            .expect("bootstrap banner names the workspace")
    }

    /// Send one request; `None` when the connection failed (server gone).
    pub fn try_request(&self, method: &str, target: &str, headers: &[(&str, &str)], body: &str) -> Option<Reply> {
        http(&self.addr, method, target, headers, body)
    }

    /// Send one request, which must get an answer.
    pub fn request(&self, method: &str, target: &str, headers: &[(&str, &str)], body: &str) -> Reply {
        self.try_request(method, target, headers, body).expect("server answered")
    }

    /// A SCIM request with the bearer token (and a SCIM content type when there is a body).
    pub fn scim(&self, token: &str, method: &str, target: &str, body: &str) -> Reply {
        let auth = format!("Bearer {token}");
        let mut headers = vec![("Authorization", auth.as_str())];
        if !body.is_empty() {
            headers.push(("Content-Type", "application/scim+json"));
        }
        self.request(method, &format!("/scim/v2{target}"), &headers, body)
    }

    /// Stop with SIGTERM and wait; returns whether it exited successfully.
    pub fn terminate(mut self) -> bool {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let status = self.child.wait().unwrap();
        status.success()
    }

    /// Kill with SIGKILL (no chance to flush anything) and wait.
    pub fn kill9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Send one request to `addr`; `None` when the connection failed (server gone).
pub fn http(addr: &str, method: &str, target: &str, headers: &[(&str, &str)], body: &str) -> Option<Reply> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(body.as_bytes()).ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).ok()?;
    Reply::parse(&raw)
}

/// One HTTP answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    fn parse(raw: &[u8]) -> Option<Reply> {
        let text = String::from_utf8_lossy(raw);
        let (head, body) = text.split_once("\r\n\r\n")?;
        let mut lines = head.split("\r\n");
        let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let chunked = headers.iter().any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
        let body = if chunked { dechunk(body)? } else { body.to_owned() };
        Some(Reply { status, headers, body })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

fn dechunk(mut body: &str) -> Option<String> {
    let mut out = String::new();
    loop {
        let (size, rest) = body.split_once("\r\n")?;
        let size = usize::from_str_radix(size.trim(), 16).ok()?;
        if size == 0 {
            return Some(out);
        }
        out.push_str(rest.get(..size)?);
        body = rest.get(size + 2..)?;
    }
}

/// A SCIM user body.
pub fn user_body(user_name: &str) -> String {
    serde_json::json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "active": true,
        "name": {"givenName": "Test", "familyName": "User"},
        "emails": [{"primary": true, "type": "work", "value": user_name}]
    })
    .to_string()
}
