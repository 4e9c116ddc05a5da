//! Who may start work now: concurrency slots per key (workspace), and rate limits per client
//! address and per workspace for the unauthenticated SAML endpoints. Everything here answers
//! at once — admitted or not — so a flood is refused, never queued; and every map is bounded,
//! so what anonymous clients send cannot grow it without limit.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::HeaderMap;
use tokio::time::Instant;

use crate::args::Cidr;

/// At most `cap` holders per key at once.
pub struct Slots {
    cap: usize,
    held: Mutex<HashMap<String, usize>>,
}

/// One holder of a slot; dropping it frees the slot.
pub struct Slot {
    slots: Arc<Slots>,
    key: String,
}

impl Slots {
    /// `cap` (≥ 1) holders per key.
    pub fn new(cap: usize) -> Arc<Slots> {
        Arc::new(Slots { cap: cap.max(1), held: Mutex::new(HashMap::new()) })
    }

    /// A slot of `key`, or `None` when its holders are at the cap. The map holds only keys
    /// with a holder, so its size is bounded by the work in progress.
    pub fn try_take(self: &Arc<Self>, key: &str) -> Option<Slot> {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        let count = held.entry(key.to_owned()).or_insert(0);
        if *count >= self.cap {
            return None;
        }
        *count += 1;
        Some(Slot { slots: self.clone(), key: key.to_owned() })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut held = self.slots.held.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = held.get_mut(&self.key) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                held.remove(&self.key);
            }
        }
    }
}

/// Most keys a [`RateLimit`] tracks; past it, keys whose allowance has fully come back are
/// forgotten, and if none has, a new key is refused (fail closed).
const MAX_TRACKED: usize = 100_000;

/// How often a full [`RateLimit`] may sweep its keys: a sweep walks all of them, so a flood of
/// new keys against a full map must not trigger one per request.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// Per key, the instant its next request is due; and when the keys were last swept.
struct Tracked {
    next: HashMap<String, Instant>,
    swept: Option<Instant>,
}

/// `rate` requests per second per key, in bursts of up to `2 × rate` (the generic cell rate
/// algorithm: one instant per key, the theoretical arrival time of its next request).
pub struct RateLimit {
    interval: Duration,
    tolerance: Duration,
    tracked: Mutex<Tracked>,
}

impl RateLimit {
    /// `rate` (≥ 1) per second.
    pub fn per_second(rate: u32) -> RateLimit {
        let interval = Duration::from_secs(1) / rate.max(1);
        let tracked = Mutex::new(Tracked { next: HashMap::new(), swept: None });
        RateLimit { interval, tolerance: interval * (2 * rate.max(1) - 1), tracked }
    }

    /// Admit one request of `key` now, or say how long until one would be admitted.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        self.check_at(key, Instant::now())
    }

    fn check_at(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let mut tracked = self.tracked.lock().unwrap_or_else(|e| e.into_inner());
        let Tracked { next, swept } = &mut *tracked;
        if next.len() >= MAX_TRACKED && !next.contains_key(key) {
            if swept.is_none_or(|at| now >= at + SWEEP_EVERY) {
                next.retain(|_, at| *at > now);
                *swept = Some(now);
            }
            if next.len() >= MAX_TRACKED {
                return Err(self.interval);
            }
        }
        let at = next.get(key).copied().unwrap_or(now).max(now);
        if at > now + self.tolerance {
            return Err(at - (now + self.tolerance));
        }
        next.insert(key.to_owned(), at + self.interval);
        Ok(())
    }
}

/// The client's address: the peer's, or — when the peer is a trusted proxy — the nearest
/// address in `X-Forwarded-For` that is not a trusted proxy (read from the right, since a
/// client can write anything to the left of what its proxies append).
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[Cidr]) -> IpAddr {
    let peer = peer.to_canonical();
    if !trusted.iter().any(|c| c.contains(peer)) {
        return peer;
    }
    let hops = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok());
    let hops: Vec<&str> = hops.flat_map(|v| v.split(',')).collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = ip.to_canonical();
                if !trusted.iter().any(|c| c.contains(client)) {
                    break;
                }
            }
            // Not an address: the hop before it (a trusted proxy) is as far as we can trust.
            Err(_) => break,
        }
    }
    client
}

/// The rate-limit key of a client address: IPv6 clients by their /64, since one host
/// commonly holds a whole /64.
pub fn client_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{}/64", Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn slots_cap_holders_per_key_and_free_on_drop() {
        let slots = Slots::new(2);
        let a1 = slots.try_take("a").unwrap();
        let _a2 = slots.try_take("a").unwrap();
        assert!(slots.try_take("a").is_none());
        let _b = slots.try_take("b").expect("another key is not affected");
        drop(a1);
        assert!(slots.try_take("a").is_some());
        assert_eq!(slots.held.lock().unwrap().len(), 2, "only keys with holders are kept");
    }

    #[test]
    fn rate_limits_allow_a_burst_then_the_rate() {
        let limit = RateLimit::per_second(5);
        let t0 = Instant::now();
        for i in 0..10 {
            assert!(limit.check_at("a", t0).is_ok(), "burst request {i}");
        }
        let wait = limit.check_at("a", t0).unwrap_err();
        assert!(wait <= Duration::from_millis(200) && !wait.is_zero(), "{wait:?}");
        assert!(limit.check_at("b", t0).is_ok(), "another key has its own allowance");
        assert!(limit.check_at("a", t0 + Duration::from_millis(200)).is_ok(), "one more after 1/rate");
        assert!(limit.check_at("a", t0 + Duration::from_millis(200)).is_err());
    }

    #[test]
    fn a_full_map_refuses_new_keys_and_sweeps_at_most_once_a_second() {
        let limit = RateLimit::per_second(1);
        let t0 = Instant::now();
        for i in 0..MAX_TRACKED {
            limit.check_at(&i.to_string(), t0).unwrap();
        }
        assert!(limit.check_at("new", t0).is_err(), "full, and no allowance has come back");
        assert_eq!(limit.tracked.lock().unwrap().swept, Some(t0));
        // Every allowance is back after 1 s, but the next sweep may only come a second after
        // the last: until then new keys are refused without walking the map again.
        assert!(limit.check_at("new", t0 + Duration::from_millis(999)).is_err());
        assert_eq!(limit.tracked.lock().unwrap().swept, Some(t0));
        assert!(limit.check_at("new", t0 + SWEEP_EVERY).is_ok());
        assert_eq!(limit.tracked.lock().unwrap().next.len(), 1, "the swept keys are forgotten");
    }

    #[test]
    fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
        let proxy: Cidr = Cidr { addr: "10.0.0.0".parse().unwrap(), bits: 8 };
        let mut headers = HeaderMap::new();
        headers.append("x-forwarded-for", HeaderValue::from_static("6.6.6.6, 203.0.113.9"));
        headers.append("x-forwarded-for", HeaderValue::from_static("10.1.1.1"));
        let direct: IpAddr = "198.51.100.4".parse().unwrap();
        assert_eq!(client_address(direct, &headers, &[proxy]), direct, "an untrusted peer's header is ignored");
        let via: IpAddr = "10.0.0.2".parse().unwrap();
        assert_eq!(
            client_address(via, &headers, &[proxy]),
            "203.0.113.9".parse::<IpAddr>().unwrap(),
            "the nearest untrusted hop, not the spoofable leftmost"
        );
        assert_eq!(client_address(via, &HeaderMap::new(), &[proxy]), via, "no header: the proxy itself");
        let mut junk = HeaderMap::new();
        junk.insert("x-forwarded-for", HeaderValue::from_static("203.0.113.9, junk"));
        assert_eq!(client_address(via, &junk, &[proxy]), via);
    }

    #[test]
    fn ipv6_clients_share_their_64() {
        let a = client_key("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = client_key("2001:db8:1:2:bbbb::2".parse().unwrap());
        assert_eq!(a, b);
        assert_ne!(a, client_key("2001:db8:1:3::1".parse().unwrap()));
        assert_eq!(client_key("192.0.2.1".parse().unwrap()), "192.0.2.1");
    }
}
