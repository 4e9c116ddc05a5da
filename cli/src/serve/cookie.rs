//! Signed cookies (HMAC-SHA-256): the session after a successful SAML login. The payload is
//! readable, not secret; it cannot be forged or altered.
//!
//! A jar holds one current key, which seals, and up to a few previous keys, which still open:
//! that is what lets an operator rotate the key without signing everybody out (see `keys.rs`
//! for where keys come from and the rotation procedure).

use aws_lc_rs::hmac;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The session cookie's name.
pub const SESSION: &str = "sso_scim_session";

/// Who is signed in, and until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Workspace id.
    pub ws: String,
    /// User id.
    pub uid: String,
    /// Expiry, unix seconds.
    pub exp: i64,
}

/// Signs and checks cookie values.
pub struct CookieJar {
    /// The current key first (it seals), then the previous ones (they only open).
    keys: Vec<hmac::Key>,
}

impl CookieJar {
    /// A jar with a single key, `secret` (32 random bytes from the store, say).
    pub fn new(secret: &[u8]) -> Self {
        CookieJar::with_keys(secret, &[])
    }

    /// A jar that seals with `current` and opens cookies sealed with `current` or any of
    /// `previous` (keys being rotated out, newest first).
    pub fn with_keys(current: &[u8], previous: &[&[u8]]) -> Self {
        let keys = std::iter::once(current).chain(previous.iter().copied());
        CookieJar { keys: keys.map(|k| hmac::Key::new(hmac::HMAC_SHA256, k)).collect() }
    }

    /// How many keys open cookies (the current one included).
    pub fn key_count(&self) -> usize {
        self.keys.len()
    }

    /// `base64url(json).base64url(mac)`.
    pub fn seal(&self, session: &Session) -> String {
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(session).expect("a session serialises"));
        let tag = hmac::sign(&self.keys[0], payload.as_bytes());
        format!("{payload}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
    }

    /// The session in a cookie value, if the MAC verifies under one of the keys (each
    /// comparison in constant time; which key matched reveals nothing secret) and it has not
    /// expired.
    pub fn open(&self, value: &str, now: OffsetDateTime) -> Option<Session> {
        let (payload, tag) = value.split_once('.')?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        self.keys.iter().find(|key| hmac::verify(key, payload.as_bytes(), &tag).is_ok())?;
        let session: Session = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
        (session.exp > now.unix_timestamp()).then_some(session)
    }
}

/// The value of cookie `name` in a `Cookie` header.
pub fn find<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').map(str::trim).find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_sessions_open_until_they_expire_and_resist_tampering() {
        let jar = CookieJar::new(&[7u8; 32]);
        let now = OffsetDateTime::from_unix_timestamp(1_000_000).unwrap();
        let s = Session { ws: "ws_1".into(), uid: "u1".into(), exp: 1_000_100 };
        let sealed = jar.seal(&s);
        assert_eq!(jar.open(&sealed, now), Some(s.clone()));
        assert_eq!(jar.open(&sealed, now + time::Duration::seconds(100)), None, "expired");
        assert_eq!(CookieJar::new(&[8u8; 32]).open(&sealed, now), None, "another key");
        let forged = jar.seal(&Session { uid: "admin".into(), ..s.clone() });
        let mixed = format!("{}.{}", forged.split_once('.').unwrap().0, sealed.split_once('.').unwrap().1);
        assert_eq!(jar.open(&mixed, now), None, "payload swapped under a valid tag");
        assert_eq!(jar.open("junk", now), None);
        assert_eq!(find("a=1; sso_scim_session=xyz; b=2", SESSION), Some("xyz"));
        assert_eq!(find("sso_scim_sessionx=1", SESSION), None);
    }

    #[test]
    fn previous_keys_open_but_never_seal() {
        let (old, new) = ([1u8; 32], [2u8; 32]);
        let now = OffsetDateTime::from_unix_timestamp(1_000_000).unwrap();
        let s = Session { ws: "ws_1".into(), uid: "u1".into(), exp: 1_000_100 };
        let by_old = CookieJar::new(&old).seal(&s);
        let rotated = CookieJar::with_keys(&new, &[&old]);
        assert_eq!(rotated.key_count(), 2);
        assert_eq!(rotated.open(&by_old, now), Some(s.clone()), "sealed before the rotation");
        let by_new = rotated.seal(&s);
        assert_eq!(CookieJar::new(&new).open(&by_new, now), Some(s.clone()), "sealed with the current key");
        assert_eq!(CookieJar::new(&old).open(&by_new, now), None, "never with a previous key");
        assert_eq!(CookieJar::new(&new).open(&by_old, now), None, "the old key dropped");
    }
}
