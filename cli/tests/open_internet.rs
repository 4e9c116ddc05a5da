//! `serve` facing hostile clients (issue 12): surplus SAML posts refused at once while other
//! workspaces are served, rate limits per client and per workspace, slow and idle clients cut
//! off, a connection cap, and shutdown within its deadline. Outcomes and their order are
//! asserted, never durations: each wait below is a generous guard against a hang, not a
//! measurement.

mod common;
#[path = "../../core/tests/saml_support/mod.rs"]
mod saml_support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use common::{Reply, Server, TempDir, http, run_ok};
use saml_support::{IDP_ENTITY, TestKey};

/// A guard against a hang, far above any timeout the tests configure.
const GUARD: Duration = Duration::from_secs(30);

fn idp_metadata(idp: &TestKey) -> String {
    format!(
        r#"<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{IDP_ENTITY}">
  <IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>{}</X509Certificate></X509Data></KeyInfo></KeyDescriptor>
    <SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://login.example.test/saml2"/>
  </IDPSSODescriptor>
</EntityDescriptor>"#,
        idp.cert_base64()
    )
}

/// A new workspace with SAML configured; returns its id.
fn saml_workspace(dir: &TempDir, server: &Server, name: &str) -> String {
    let out = run_ok(&dir.db(), &["workspace", "create", "--name", name]);
    let ws = out.lines().last().unwrap().trim().to_owned();
    let file = dir.0.join(format!("{name}.xml"));
    std::fs::write(&file, idp_metadata(&TestKey::load("idp"))).unwrap();
    let url = format!("http://{}", server.addr);
    run_ok(&dir.db(), &["saml", "import-metadata", "--workspace", &ws, "--public-url", &url, file.to_str().unwrap()]);
    ws
}

/// A 64 KB junk SAMLResponse form, as an attacker posts it.
fn hostile_form() -> String {
    let junk = format!(
        "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\">{}</samlp:Response>",
        "x".repeat(48_000)
    );
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(junk);
    format!("SAMLResponse={}", form_urlencoded::byte_serialize(encoded.as_bytes()).collect::<String>())
}

fn post_acs(addr: &str, ws: &str, form: &str) -> (Reply, Instant) {
    let headers = [("Content-Type", "application/x-www-form-urlencoded")];
    let reply = http(addr, "POST", &format!("/saml/{ws}/acs"), &headers, form).expect("answered");
    (reply, Instant::now())
}

#[test]
fn surplus_sign_in_posts_are_refused_at_once_while_other_workspaces_are_served() {
    let dir = TempDir::new("surplus");
    // Every admitted verification holds its worker for 3 s (a debug-build test hook), so
    // the order of answers shows what the caps did.
    let options = ["--workers", "4", "--max-saml-verifications", "2", "--max-saml-per-workspace", "2"];
    let server = Server::start_with(&dir.db(), &options, &[("SSO_SCIM_TEST_SAML_DELAY_MS", "3000")]);
    let token = server.bootstrap_token();
    let (b, c) = (saml_workspace(&dir, &server, "B"), saml_workspace(&dir, &server, "C"));
    let form = Arc::new(hostile_form());
    let addr = Arc::new(server.addr.clone());
    let (tx, answers) = mpsc::channel();
    for _ in 0..5 {
        let (addr, form, b, tx) = (addr.clone(), form.clone(), b.clone(), tx.clone());
        thread::spawn(move || tx.send(post_acs(&addr, &b, &form)).unwrap());
    }
    // Three of five exceed B's share of two: each is told 429 at once — which also means the
    // other two hold both verification slots of the process.
    let mut refused = Vec::new();
    while refused.len() < 3 {
        let (reply, _) = answers.recv_timeout(GUARD).expect("the surplus is answered");
        assert_eq!(reply.status, 429, "an answer before the admitted posts finish is a refusal: {}", reply.body);
        assert_eq!(reply.header("retry-after"), Some("1"));
        refused.push(reply);
    }
    // The process-wide cap: C's post finds no verification slot left.
    let (to_c, _) = post_acs(&addr, &c, &form);
    assert_eq!(to_c.status, 503, "{}", to_c.body);
    assert_eq!(to_c.header("retry-after"), Some("1"));
    // Meanwhile the health check and another workspace's SCIM are answered.
    let health = http(&addr, "GET", "/healthz", &[], "").unwrap();
    let scim = server.scim(&token, "GET", "/Users?count=1", "");
    assert_eq!((health.status, scim.status), (200, 200));
    let served = Instant::now();
    // Only now do the two admitted posts finish: refused for what they are, after everything
    // above was answered.
    for _ in 0..2 {
        let (reply, at) = answers.recv_timeout(GUARD).expect("the admitted posts finish");
        assert_eq!(reply.status, 400, "{}", reply.body);
        assert!(reply.body.contains("xml") || reply.body.contains("code"), "{}", reply.body);
        assert!(at > served, "an admitted hostile post completed before the others were answered");
    }
    // Their slots are free again: a new post is admitted (and refused as junk).
    let (again, _) = post_acs(&addr, &c, &form);
    assert_eq!(again.status, 400, "{}", again.body);
}

#[test]
fn rate_limits_hold_per_client_and_per_workspace_and_believe_only_trusted_proxies() {
    let dir = TempDir::new("rates");
    // Rate 2/s: bursts of 4 pass. Loopback is a trusted proxy here, so X-Forwarded-For names
    // the client.
    let options = ["--client-rate", "2", "--workspace-rate", "3", "--trusted-proxy", "127.0.0.1"];
    let server = Server::start_with(&dir.db(), &options, &[]);
    let (a, b) = (server.bootstrap_workspace(), saml_workspace(&dir, &server, "B"));
    let get = |ws: &str, client: &str| {
        let headers = [("X-Forwarded-For", client)];
        server.request("GET", &format!("/saml/{ws}/metadata"), &headers, "")
    };
    // One client: four pass, then 429 with Retry-After.
    let statuses: Vec<u16> = (0..6).map(|_| get(&b, "203.0.113.1").status).collect();
    assert_eq!(statuses, [200, 200, 200, 200, 429, 429]);
    assert!(get(&b, "203.0.113.1").header("retry-after").is_some());
    // Other clients of B share B's allowance (6 a burst): two more pass, then B is closed…
    let others: Vec<u16> = (2..6).map(|i| get(&b, &format!("203.0.113.{i}")).status).collect();
    assert_eq!(others, [200, 200, 429, 429]);
    // …and workspace A is untouched.
    assert_eq!(get(&a, "203.0.113.9").status, 200);
    // A spoofed leftmost hop changes nothing: the nearest hop is the client.
    assert_eq!(get(&a, "198.51.100.1, 203.0.113.1").status, 429, "203.0.113.1 is still limited");

    // Without a trusted proxy the header is ignored: every request is loopback's.
    let dir2 = TempDir::new("rates-direct");
    let direct = Server::start_with(&dir2.db(), &["--client-rate", "2"], &[]);
    let ws = direct.bootstrap_workspace();
    let statuses: Vec<u16> = (0..6)
        .map(|i| {
            let client = format!("203.0.113.{i}");
            direct.request("GET", &format!("/saml/{ws}/metadata"), &[("X-Forwarded-For", &client)], "").status
        })
        .collect();
    assert_eq!(statuses, [200, 200, 200, 200, 429, 429]);
}

/// Read until the server closes the connection; `true` if it did before the guard.
fn closed_by_server(stream: &mut TcpStream) -> (bool, Vec<u8>) {
    stream.set_read_timeout(Some(GUARD)).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return (true, got),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return (true, got),
            Err(_) => return (false, got),
        }
    }
}

#[test]
fn slow_heads_slow_bodies_and_idle_connections_are_cut_off() {
    let dir = TempDir::new("timeouts");
    let options = ["--header-timeout", "1s", "--body-timeout", "1s", "--idle-timeout", "2s"];
    let server = Server::start_with(&dir.db(), &options, &[]);
    let token = server.bootstrap_token();

    // A head that never ends.
    let mut slow_head = TcpStream::connect(&server.addr).unwrap();
    slow_head.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").unwrap();
    let (closed, got) = closed_by_server(&mut slow_head);
    assert!(closed && got.is_empty(), "a slow head is cut off unanswered: {:?}", String::from_utf8_lossy(&got));

    // A body that never ends: 408, connection closed.
    let mut slow_body = TcpStream::connect(&server.addr).unwrap();
    let head = format!(
        "POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/scim+json\r\nContent-Length: 100\r\n\r\n{{\"userName\""
    );
    slow_body.write_all(head.as_bytes()).unwrap();
    let (closed, got) = closed_by_server(&mut slow_body);
    let text = String::from_utf8_lossy(&got);
    assert!(closed && text.starts_with("HTTP/1.1 408"), "{text}");

    // A kept-alive connection that goes quiet after its answer.
    let mut idle = TcpStream::connect(&server.addr).unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let (closed, got) = closed_by_server(&mut idle);
    let text = String::from_utf8_lossy(&got);
    assert!(closed && text.starts_with("HTTP/1.1 200") && text.contains("\"ok\""), "{text}");

    // The server still serves.
    assert_eq!(server.request("GET", "/healthz", &[], "").status, 200);
}

#[test]
fn past_the_connection_cap_new_clients_are_told_503_until_one_closes() {
    let dir = TempDir::new("conncap");
    let server = Server::start_with(&dir.db(), &["--max-connections", "3", "--header-timeout", "60s"], &[]);
    // Three kept-alive connections, each known to be accepted: it has answered a request.
    let held: Vec<TcpStream> = (0..3)
        .map(|_| {
            let mut stream = TcpStream::connect(&server.addr).unwrap();
            stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
            stream.set_read_timeout(Some(GUARD)).unwrap();
            let mut answer = Vec::new();
            let mut buf = [0u8; 512];
            while !String::from_utf8_lossy(&answer).contains("\"ok\"") {
                let n = stream.read(&mut buf).unwrap();
                assert!(n > 0, "closed early");
                answer.extend_from_slice(&buf[..n]);
            }
            stream
        })
        .collect();
    let mut fourth = TcpStream::connect(&server.addr).unwrap();
    let (closed, got) = closed_by_server(&mut fourth);
    let text = String::from_utf8_lossy(&got);
    assert!(closed && text.starts_with("HTTP/1.1 503") && text.contains("Retry-After: 1"), "{text}");
    drop(held);
    // Connections are freed as the server notices the closes.
    let deadline = Instant::now() + GUARD;
    loop {
        if let Some(reply) = server.try_request("GET", "/healthz", &[], "")
            && reply.status == 200
        {
            break;
        }
        assert!(Instant::now() < deadline, "no connection was freed");
        thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn sigterm_exits_within_the_deadline_despite_a_half_sent_request() {
    let dir = TempDir::new("shutdown");
    let mut server = Server::start_with(&dir.db(), &["--shutdown-timeout", "1s", "--header-timeout", "60s"], &[]);
    let mut half = TcpStream::connect(&server.addr).unwrap();
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").unwrap();
    thread::sleep(Duration::from_millis(200));
    Command::new("kill").args(["-TERM", &server.child.id().to_string()]).status().unwrap();
    let deadline = Instant::now() + GUARD;
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "serve is still running after SIGTERM");
        thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    let (closed, _) = closed_by_server(&mut half);
    assert!(closed, "the half-open connection was closed");
}

/// Resident memory high-water mark of a process, in MiB.
fn peak_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() / 1024
}

/// The ceiling README "Serving on the open internet" states for the default settings.
const CEILING_MIB: u64 = 300;

#[test]
fn a_tenant_listing_its_largest_users_in_parallel_stays_under_the_memory_ceiling() {
    let dir = TempDir::new("memory");
    let server = Server::start(&dir.db());
    let other = server.bootstrap_token();
    let out = run_ok(&dir.db(), &["workspace", "create", "--name", "Big"]);
    let big_ws = out.lines().last().unwrap().trim().to_owned();
    let big = run_ok(&dir.db(), &["scim-token", "create", "--workspace", &big_ws]).lines().last().unwrap().to_owned();
    // 200 users at the stored-resource cap (256 KiB): one page of 200 is 51 MB stored.
    let title = "t".repeat(255 * 1024);
    for i in 0..200 {
        let body = format!(
            r#"{{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"big{i}@contoso.com","title":"{title}"}}"#
        );
        assert_eq!(server.scim(&big, "POST", "/Users", &body).status, 201);
    }
    // One byte over the cap is refused whole.
    let over = format!(
        r#"{{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"over@contoso.com","title":"{}"}}"#,
        "t".repeat(256 * 1024)
    );
    let refused = server.scim(&big, "POST", "/Users", &over);
    assert_eq!(refused.status, 413);
    assert!(refused.body.contains("max_resource_bytes"), "{}", refused.body);
    // Twenty clients of that tenant list everything at once, three rounds each.
    let addr = Arc::new(server.addr.clone());
    let listers: Vec<_> = (0..20)
        .map(|_| {
            let (addr, big) = (addr.clone(), big.clone());
            thread::spawn(move || {
                let auth = format!("Bearer {big}");
                (0..3)
                    .map(|_| {
                        let reply = http(&addr, "GET", "/scim/v2/Users?count=200", &[("Authorization", &auth)], "");
                        let reply = reply.expect("answered");
                        if reply.status == 200 {
                            let page = reply.json();
                            let items = page["itemsPerPage"].as_u64().unwrap();
                            assert!((1..200).contains(&items), "the page is cut by its byte budget: {items}");
                            assert_eq!(page["totalResults"], 200);
                        }
                        reply.status
                    })
                    .collect::<Vec<u16>>()
            })
        })
        .collect();
    // Meanwhile the other workspace is served.
    for _ in 0..10 {
        assert_eq!(server.scim(&other, "GET", "/Users?count=1", "").status, 200);
    }
    let statuses: Vec<u16> = listers.into_iter().flat_map(|h| h.join().unwrap()).collect();
    assert!(statuses.iter().all(|s| [200, 429].contains(s)), "{statuses:?}");
    assert!(statuses.contains(&200) && statuses.contains(&429), "some served, the surplus refused: {statuses:?}");
    let peak = peak_mib(server.child.id());
    eprintln!("peak resident memory of serve: {peak} MiB");
    assert!(peak < CEILING_MIB, "resident memory reached {peak} MiB; the stated ceiling is {CEILING_MIB} MiB");
}

#[test]
fn queued_sign_ins_whose_clients_have_gone_are_dropped_unrun() {
    let dir = TempDir::new("gone");
    // One worker, held 4 s by each verification; room for many in the caps and the queue.
    let options = ["--workers", "1", "--max-saml-verifications", "8", "--max-saml-per-workspace", "8"];
    let env = [("SSO_SCIM_TEST_SAML_DELAY_MS", "4000"), ("RUST_LOG", "info")];
    let (mut server, log) = Server::start_logged(&dir.db(), &options, &env);
    let ws = saml_workspace(&dir, &server, "B");
    let form = Arc::new(hostile_form());
    let first = {
        let (addr, form, ws) = (server.addr.clone(), form.clone(), ws.clone());
        thread::spawn(move || post_acs(&addr, &ws, &form).0.status)
    };
    thread::sleep(Duration::from_millis(1000)); // the first holds the worker
    // Three more are queued behind it, and their clients hang up at once.
    for _ in 0..3 {
        let mut stream = TcpStream::connect(&server.addr).unwrap();
        let head = format!(
            "POST /saml/{ws}/acs HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: {}\r\n\r\n",
            form.len()
        );
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(form.as_bytes()).unwrap();
        thread::sleep(Duration::from_millis(300)); // read and queued before the client leaves
    }
    assert_eq!(first.join().unwrap(), 400, "the admitted post was verified (and refused as junk)");
    // A new post is served next: nothing ran for the clients that left.
    assert_eq!(post_acs(&server.addr, &ws, &form).0.status, 400);
    Command::new("kill").args(["-TERM", &server.child.id().to_string()]).status().unwrap();
    assert!(server.child.wait().unwrap().success());
    let stopped = log.iter().find(|l| l.contains("stopped")).expect("the server logs its stop");
    assert!(stopped.contains("dropped_jobs=3"), "{stopped}");
}
