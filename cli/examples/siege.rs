//! `sso-scim serve` under the attacks of issue 12, measured: how long `/healthz` and another
//! workspace's SCIM `GET /Users/{id}` take (median, p99, max) while hostile clients post
//! 256 KB SAML responses to one workspace's ACS, and how much memory the process reaches while
//! one tenant lists its largest resources from many connections at once. Starts its own
//! server on a throwaway database on loopback; sends nothing anywhere else.
//!
//! ```sh
//! make bench-serve        # or:
//! cargo build --release -p sso-scim-cli && cargo run --release -p sso-scim-cli --example siege
//! ```

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use base64::Engine as _;

/// How long each attack phase lasts.
const PHASE: Duration = Duration::from_secs(10);

struct Server {
    child: Child,
    addr: String,
    token: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn binary() -> String {
    std::env::var("SSO_SCIM_BIN").unwrap_or_else(|_| "target/release/sso-scim".to_owned())
}

fn start(db: &std::path::Path) -> Server {
    let mut child = Command::new(binary())
        .args(["--db", db.to_str().unwrap(), "serve", "--listen", "127.0.0.1:0", "--trusted-proxy", "127.0.0.1"])
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start sso-scim serve (build it first: cargo build --release -p sso-scim-cli)");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines().map_while(Result::ok);
    let (mut addr, mut token) = (String::new(), String::new());
    for line in lines.by_ref() {
        if let Some(t) = line.split(": ").last().filter(|t| t.starts_with("ssoscim_")) {
            token = t.to_owned();
        }
        if let Some(a) = line.strip_prefix("sso-scim: listening on http://") {
            addr = a.to_owned();
            break;
        }
    }
    thread::spawn(move || lines.for_each(drop));
    Server { child, addr, token }
}

/// One request on a new connection: status and body.
fn request(addr: &str, method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Option<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(60))).ok()?;
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (n, v) in headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(body).ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).ok()?;
    let status = std::str::from_utf8(raw.get(9..12)?).ok()?.parse().ok()?;
    let at = raw.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    Some((status, raw[at..].to_vec()))
}

/// A SCIM request to `addr` with bearer `token`.
fn scim(addr: &str, token: &str, method: &str, target: &str, body: &str) -> (u16, Vec<u8>) {
    let auth = format!("Bearer {token}");
    let headers = [("Authorization", auth.as_str()), ("Content-Type", "application/scim+json")];
    request(addr, method, &format!("/scim/v2{target}"), &headers, body.as_bytes()).expect("answered")
}

/// A new workspace and its token, by the CLI.
fn workspace(db: &std::path::Path, name: &str) -> (String, String) {
    let run = |args: &[&str]| {
        let out = Command::new(binary()).arg("--db").arg(db).args(args).output().unwrap();
        String::from_utf8(out.stdout).unwrap().lines().last().unwrap().trim().to_owned()
    };
    let ws = run(&["workspace", "create", "--name", name]);
    let token = run(&["scim-token", "create", "--workspace", &ws]);
    (ws, token)
}

/// Configure `ws`'s IdP with the signing certificate of a real Entra capture (shared fixture),
/// so hostile posts are verified in full rather than refused as "not configured".
fn configure_saml(db: &std::path::Path, server: &Server, ws: &str) {
    let capture = std::fs::read_to_string("../shared/fixtures/saml/entra/aad_Saml2Valid.assertion.xml")
        .expect("run from the repository root, beside ../shared");
    let cert = capture.split("X509Certificate>").nth(1).and_then(|c| c.split('<').next()).expect("a certificate");
    let cert = cert.trim();
    let metadata = format!(
        r#"<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://sts.windows.net/siege/">
  <IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>{cert}</X509Certificate></X509Data></KeyInfo></KeyDescriptor>
    <SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://login.microsoftonline.com/siege/saml2"/>
  </IDPSSODescriptor>
</EntityDescriptor>"#
    );
    let file = db.with_extension("idp.xml");
    std::fs::write(&file, metadata).unwrap();
    let url = format!("http://{}", server.addr);
    let out = Command::new(binary())
        .arg("--db")
        .arg(db)
        .args(["saml", "import-metadata", "--workspace", ws, "--public-url", &url, file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "import-metadata: {}", String::from_utf8_lossy(&out.stderr));
}

/// The costliest shape the verifier admits (8 namespaced attributes per element with 256-byte
/// namespace URIs), 256 KB of it, as a base64 form.
fn hostile_form() -> Vec<u8> {
    let uri = |i: usize| format!("urn:x:{}:{i}", "u".repeat(250));
    let decls: String = (0..8).map(|i| format!(" xmlns:p{i}=\"{}\"", uri(i))).collect();
    let attrs: String = (0..8).map(|i| format!(" p{i}:a=\"v\"")).collect();
    let mut xml = format!("<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\"{decls}>");
    while xml.len() < 190_000 {
        xml.push_str(&format!("<e{attrs}/>"));
    }
    xml.push_str("</samlp:Response>");
    let encoded = base64::engine::general_purpose::STANDARD.encode(xml);
    format!("SAMLResponse={}", form_urlencoded::byte_serialize(encoded.as_bytes()).collect::<String>()).into_bytes()
}

struct Stats {
    median: Duration,
    p99: Duration,
    max: Duration,
    n: usize,
}

fn stats(mut v: Vec<Duration>) -> Stats {
    v.sort();
    let at = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
    Stats { median: at(0.5), p99: at(0.99), max: *v.last().unwrap(), n: v.len() }
}

/// `/healthz` and a SCIM GET of workspace A, in turn, until `stop`.
fn measure(server: &Server, user: &str, stop: &AtomicBool) -> (Stats, Stats) {
    let (mut health, mut get) = (Vec::new(), Vec::new());
    while !stop.load(Ordering::Relaxed) || health.len() < 20 {
        let t = Instant::now();
        assert_eq!(request(&server.addr, "GET", "/healthz", &[], b"").unwrap().0, 200);
        health.push(t.elapsed());
        let t = Instant::now();
        assert_eq!(scim(&server.addr, &server.token, "GET", &format!("/Users/{user}"), "").0, 200);
        get.push(t.elapsed());
        thread::sleep(Duration::from_millis(5));
    }
    (stats(health), stats(get))
}

/// [`measure`] for `phase`, then raise `stop` (which also ends the phase's attackers).
fn measure_for(server: &Server, user: &str, stop: &Arc<AtomicBool>, phase: Duration) -> (Stats, Stats) {
    let s = stop.clone();
    let timer = thread::spawn(move || {
        thread::sleep(phase);
        s.store(true, Ordering::Relaxed)
    });
    let m = measure(server, user, stop);
    timer.join().unwrap();
    m
}

fn row(label: &str, (h, g): &(Stats, Stats)) {
    let ms = |d: Duration| format!("{:.2}", d.as_secs_f64() * 1000.0);
    println!(
        "| {label} | {} / {} / {} | {} / {} / {} | {} |",
        ms(h.median),
        ms(h.p99),
        ms(h.max),
        ms(g.median),
        ms(g.p99),
        ms(g.max),
        h.n
    );
}

fn rss_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap_or("");
    line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// Hostile posts from `threads` attackers, each from its own address when `spread`.
fn attack(
    server: &Server,
    ws: &str,
    threads: usize,
    spread: bool,
    stop: &Arc<AtomicBool>,
) -> Vec<thread::JoinHandle<Vec<u16>>> {
    let form = Arc::new(hostile_form());
    (0..threads)
        .map(|t| {
            let (addr, ws, form, stop) = (server.addr.clone(), ws.to_owned(), form.clone(), stop.clone());
            thread::spawn(move || {
                let mut statuses = Vec::new();
                let mut n = 0u32;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let from =
                        if spread { format!("10.{t}.{}.{}", n / 250 % 250, n % 250) } else { "203.0.113.1".into() };
                    let headers =
                        [("Content-Type", "application/x-www-form-urlencoded"), ("X-Forwarded-For", from.as_str())];
                    if let Some((status, _)) = request(&addr, "POST", &format!("/saml/{ws}/acs"), &headers, &form) {
                        statuses.push(status);
                    }
                }
                statuses
            })
        })
        .collect()
}

fn tally(handles: Vec<thread::JoinHandle<Vec<u16>>>) -> String {
    let mut counts = std::collections::BTreeMap::new();
    for s in handles.into_iter().flat_map(|h| h.join().unwrap()) {
        *counts.entry(s).or_insert(0u64) += 1;
    }
    counts.iter().map(|(s, n)| format!("{n}×{s}")).collect::<Vec<_>>().join(", ")
}

fn main() {
    let dir = std::env::temp_dir().join(format!("sso-scim-siege-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("siege.db");
    let server = start(&db);
    let (victim, _) = workspace(&db, "victim");
    configure_saml(&db, &server, &victim);
    let (_, tenant_token) = workspace(&db, "big tenant");
    let body = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"probe@contoso.com"}"#;
    let (status, created) = scim(&server.addr, &server.token, "POST", "/Users", body);
    assert_eq!(status, 201);
    let user: serde_json::Value = serde_json::from_slice(&created).unwrap();
    let user = user["id"].as_str().unwrap().to_owned();

    println!("| phase | /healthz median / p99 / max ms | other workspace SCIM GET median / p99 / max ms | samples |");
    println!("|---|---|---|---|");
    let stop = Arc::new(AtomicBool::new(false));
    let quiet = measure_for(&server, &user, &stop, Duration::from_secs(3));
    row("quiet", &quiet);
    let mut notes = Vec::new();
    for (label, threads, spread) in
        [("16 attackers, one address", 16, false), ("16 attackers, 65,000 addresses", 16, true)]
    {
        stop.store(false, Ordering::Relaxed);
        let attackers = attack(&server, &victim, threads, spread, &stop);
        thread::sleep(Duration::from_millis(500));
        let m = measure_for(&server, &user, &stop, PHASE);
        row(&format!("ACS flood: {label}"), &m);
        notes.push(format!("{label}: hostile posts answered {}", tally(attackers)));
    }

    // One tenant stores users at the size cap, then lists them from many connections.
    let pid = server.child.id();
    let before = rss_kb(pid, "VmRSS:");
    let title = "t".repeat(255 * 1024);
    let mut stored = 0;
    for i in 0..300 {
        let body = format!(
            r#"{{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"big{i}@contoso.com","title":"{title}"}}"#
        );
        let (status, reply) = scim(&server.addr, &tenant_token, "POST", "/Users", &body);
        if status == 201 {
            stored += 1;
        } else if i == 0 {
            notes.push(format!("a user with a 255 KiB title: {status} {}", String::from_utf8_lossy(&reply)));
        }
    }
    let peak = Arc::new(AtomicU64::new(0));
    stop.store(false, Ordering::Relaxed);
    let sampler = {
        let (peak, stop) = (peak.clone(), stop.clone());
        thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                peak.fetch_max(rss_kb(pid, "VmRSS:"), Ordering::Relaxed);
                thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let listed = Arc::new(Mutex::new(std::collections::BTreeMap::<u16, u64>::new()));
    let listers: Vec<_> = (0..20)
        .map(|_| {
            let (addr, token, stop, listed) = (server.addr.clone(), tenant_token.clone(), stop.clone(), listed.clone());
            thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let (status, _) = scim(&addr, &token, "GET", "/Users?count=200", "");
                    *listed.lock().unwrap().entry(status).or_insert(0) += 1;
                }
            })
        })
        .collect();
    let m = measure_for(&server, &user, &stop, PHASE);
    listers.into_iter().for_each(|h| h.join().unwrap());
    sampler.join().unwrap();
    row("one tenant listing 200 maximal users from 20 connections", &m);
    println!();
    for note in notes {
        println!("- {note}");
    }
    let lists = listed.lock().unwrap().iter().map(|(s, n)| format!("{n}×{s}")).collect::<Vec<_>>().join(", ");
    println!("- stored {stored} users with a 255 KiB title; list requests answered {lists}");
    println!(
        "- resident memory: {} MB before, peak {} MB sampled, VmHWM {} MB",
        before / 1024,
        peak.load(Ordering::Relaxed) / 1024,
        rss_kb(pid, "VmHWM:") / 1024
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
