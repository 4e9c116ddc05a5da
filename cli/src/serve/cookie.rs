//! Signed cookies (HMAC-SHA-256 with a server secret kept in the database): the session after a
//! successful SAML login. The payload is readable, not secret; it cannot be forged or altered.

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
    key: hmac::Key,
}

impl CookieJar {
    /// A jar keyed with `secret` (32 random bytes from the store).
    pub fn new(secret: &[u8]) -> Self {
        CookieJar { key: hmac::Key::new(hmac::HMAC_SHA256, secret) }
    }

    /// `base64url(json).base64url(mac)`.
    pub fn seal(&self, session: &Session) -> String {
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(session).expect("a session serialises"));
        let tag = hmac::sign(&self.key, payload.as_bytes());
        format!("{payload}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
    }

    /// The session in a cookie value, if the MAC verifies (constant time) and it has not expired.
    pub fn open(&self, value: &str, now: OffsetDateTime) -> Option<Session> {
        let (payload, tag) = value.split_once('.')?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        hmac::verify(&self.key, payload.as_bytes(), &tag).ok()?;
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
}
