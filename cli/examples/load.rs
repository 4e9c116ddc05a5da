//! Bounded loopback load on a running `sso-scim serve`: the Entra provisioning mix (for each
//! user: filter GET by userName, POST, then PATCH of name/email and a disable), from N
//! keep-alive connections, for a fixed number of users. Reports requests per second and
//! p50/p99 latency per request kind. Sends only to the loopback address given.
//!
//! ```sh
//! cargo run --release -p sso-scim-cli -- --db /tmp/load.db serve --listen 127.0.0.1:8080   # prints a token
//! cargo run --release -p sso-scim-cli --example load -- 127.0.0.1:8080 TOKEN [CONNECTIONS] [USERS]
//! ```

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// Request kinds in the mix, in the order Entra sends them for a new user.
const KINDS: [&str; 4] = ["GET filter", "POST", "PATCH update", "PATCH disable"];

struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    host: String,
    auth: String,
}

impl Client {
    fn connect(addr: SocketAddr, token: &str) -> Client {
        let stream = TcpStream::connect(addr).expect("connect");
        stream.set_nodelay(true).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        Client {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
            host: addr.to_string(),
            auth: format!("Bearer {token}"),
        }
    }

    /// One request on the kept-alive connection; returns status and body.
    fn send(&mut self, method: &str, target: &str, body: &str) -> (u16, String) {
        let request = format!(
            "{method} /scim/v2{target} HTTP/1.1\r\nHost: {}\r\nAuthorization: {}\r\n\
             Content-Type: application/scim+json\r\nContent-Length: {}\r\n\r\n{body}",
            self.host,
            self.auth,
            body.len()
        );
        self.writer.write_all(request.as_bytes()).expect("send");
        let mut line = String::new();
        self.reader.read_line(&mut line).expect("status line");
        let status = line.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("status");
        let mut length = 0usize;
        loop {
            line.clear();
            self.reader.read_line(&mut line).expect("header");
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().expect("content-length");
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).expect("body");
        (status, String::from_utf8_lossy(&body).into_owned())
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let addr: SocketAddr = args.get(1).expect("usage: load ADDR TOKEN [CONNECTIONS] [USERS]").parse().expect("addr");
    assert!(addr.ip().is_loopback(), "load is only ever sent to a loopback address");
    let token = args.get(2).expect("token").clone();
    let connections: usize = args.get(3).map_or(8, |s| s.parse().expect("connections"));
    let users: usize = args.get(4).map_or(4_000, |s| s.parse().expect("users"));
    let run = std::process::id();
    let started = Instant::now();
    let workers: Vec<_> = (0..connections)
        .map(|c| {
            let token = token.clone();
            std::thread::spawn(move || {
                let mut client = Client::connect(addr, &token);
                let mut latencies: [Vec<Duration>; 4] = Default::default();
                let mut timed = |kind: usize, client: &mut Client, method: &str, target: &str, body: &str| {
                    let t = Instant::now();
                    let (status, reply) = client.send(method, target, body);
                    latencies[kind].push(t.elapsed());
                    assert!(status < 300, "{method} {target}: {status} {reply}");
                    reply
                };
                for u in (c..users).step_by(connections) {
                    let name = format!("load{run}-{u}@contoso.com");
                    let filter = format!("/Users?filter=userName+eq+%22{}%22", name.replace('@', "%40"));
                    timed(0, &mut client, "GET", &filter, "");
                    let body = format!(
                        r#"{{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"{name}","active":true,"name":{{"givenName":"Load","familyName":"Test"}},"emails":[{{"primary":true,"type":"work","value":"{name}"}}],"externalId":"{u}"}}"#
                    );
                    let created = timed(1, &mut client, "POST", "/Users", &body);
                    let id = created.split("\"id\":\"").nth(1).and_then(|r| r.split('"').next()).expect("id").to_owned();
                    let update = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"name.givenName","value":"Changed"},{"op":"Replace","path":"emails[type eq \"work\"].value","value":"changed@contoso.com"}]}"#;
                    timed(2, &mut client, "PATCH", &format!("/Users/{id}"), update);
                    let disable = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}"#;
                    timed(3, &mut client, "PATCH", &format!("/Users/{id}"), disable);
                }
                latencies
            })
        })
        .collect();
    let mut all: [Vec<Duration>; 4] = Default::default();
    for worker in workers {
        for (kind, mut l) in worker.join().expect("worker").into_iter().enumerate() {
            all[kind].append(&mut l);
        }
    }
    let elapsed = started.elapsed();
    let total: usize = all.iter().map(Vec::len).sum();
    println!(
        "{total} requests from {connections} connections in {:.2} s: {:.0} req/s",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64()
    );
    let mut every: Vec<Duration> = all.iter().flatten().copied().collect();
    every.sort();
    println!("all: p50 {:?}  p99 {:?}", percentile(&every, 0.5), percentile(&every, 0.99));
    for (kind, mut l) in all.into_iter().enumerate() {
        l.sort();
        println!("{:>14}: n={:>6} p50 {:?}  p99 {:?}", KINDS[kind], l.len(), percentile(&l, 0.5), percentile(&l, 0.99));
    }
}
