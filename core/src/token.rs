//! SCIM bearer tokens: what the IdP admin pastes into Entra's "Secret Token" field.
//!
//! A token is `ssoscim_` + 43 characters of base64url (256 random bits) + a 6-character
//! checksum. The prefix lets secret scanners recognise a leaked token; the checksum lets the
//! core reject typos and junk without a store round trip. Hosts store only the SHA-256
//! [`TokenHash`]; the core resolves the workspace from the hash and re-checks it in constant
//! time, so a store whose lookup is sloppy (a case-insensitive collation, say) still cannot let
//! a wrong token through.

use std::fmt;
use std::str::FromStr;

use aws_lc_rs::{constant_time, digest, rand};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

/// The recognisable prefix of every token.
pub const TOKEN_PREFIX: &str = "ssoscim_";
/// Random bytes in a token (256 bits).
const SECRET_BYTES: usize = 32;
/// base64url characters of the random part.
const SECRET_CHARS: usize = 43;
/// base64url characters of the checksum (4 bytes).
const CHECKSUM_CHARS: usize = 6;
/// The exact length of a well-formed token.
pub const TOKEN_LEN: usize = TOKEN_PREFIX.len() + SECRET_CHARS + CHECKSUM_CHARS;

/// A plaintext bearer token. Shown to the admin once, never stored, never logged: `Debug`
/// prints only the prefix.
#[derive(Clone, PartialEq, Eq)]
pub struct ScimToken(String);

impl ScimToken {
    /// A new token with 256 bits from the operating system's CSPRNG.
    ///
    /// # Panics
    /// Only if the operating system cannot provide randomness, where no safe token exists.
    pub fn generate() -> Self {
        let mut secret = [0u8; SECRET_BYTES];
        rand::fill(&mut secret).expect("the system random number generator failed");
        let body = URL_SAFE_NO_PAD.encode(secret);
        let checksum = checksum(&body);
        ScimToken(format!("{TOKEN_PREFIX}{body}{checksum}"))
    }

    /// Accept a token string only if it is well formed (prefix, length, alphabet, checksum).
    pub fn parse(text: &str) -> Option<Self> {
        is_well_formed(text).then(|| ScimToken(text.to_owned()))
    }

    /// The token text, to show the admin once.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The hash a host stores instead of the token.
    pub fn hash(&self) -> TokenHash {
        hash_token(&self.0)
    }
}

impl fmt::Debug for ScimToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ScimToken({TOKEN_PREFIX}…)")
    }
}

fn checksum(body: &str) -> String {
    let d = digest::digest(&digest::SHA256, body.as_bytes());
    URL_SAFE_NO_PAD.encode(&d.as_ref()[..4])
}

/// Whether `text` has the shape of a token this library generated (no store lookup needed).
pub fn is_well_formed(text: &str) -> bool {
    let Some(rest) = text.strip_prefix(TOKEN_PREFIX) else { return false };
    if rest.len() != SECRET_CHARS + CHECKSUM_CHARS
        || !rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return false;
    }
    let (body, sum) = rest.split_at(SECRET_CHARS);
    constant_time::verify_slices_are_equal(checksum(body).as_bytes(), sum.as_bytes()).is_ok()
}

/// SHA-256 of a token: what a host stores and looks workspaces up by.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenHash(pub [u8; 32]);

/// The token of an `Authorization` header value using the Bearer scheme (scheme matched
/// case-insensitively, white space trimmed), or `None` for any other scheme. The one reading
/// of the header: the SCIM handler authenticates with it, and hosts that pick a tenant before
/// the handler runs (the reference host's admission) read it the same way.
pub fn bearer(header: &str) -> Option<&str> {
    match header.trim().split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("Bearer") => Some(token.trim()),
        _ => None,
    }
}

/// Hash any presented token text (well formed or not).
pub fn hash_token(presented: &str) -> TokenHash {
    let d = digest::digest(&digest::SHA256, presented.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    TokenHash(out)
}

impl TokenHash {
    /// Compare two hashes in constant time.
    pub fn ct_eq(&self, other: &TokenHash) -> bool {
        constant_time::verify_slices_are_equal(&self.0, &other.0).is_ok()
    }

    /// Lower-case hex, the form stores and bindings exchange.
    pub fn to_hex(&self) -> String {
        // Every SCIM request renders one, so no per-byte formatting machinery.
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(64);
        for b in self.0 {
            out.push(char::from(DIGITS[usize::from(b >> 4)]));
            out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
        }
        out
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenHash({})", self.to_hex())
    }
}

impl fmt::Display for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// A token hash that is not 64 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a token hash is 64 hexadecimal digits")]
pub struct TokenHashParseError;

impl FromStr for TokenHash {
    type Err = TokenHashParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() != 64 || !s.is_ascii() {
            return Err(TokenHashParseError);
        }
        let mut out = [0u8; 32];
        for (i, chunk) in s.as_bytes().chunks(2).enumerate() {
            let pair = std::str::from_utf8(chunk).map_err(|_| TokenHashParseError)?;
            out[i] = u8::from_str_radix(pair, 16).map_err(|_| TokenHashParseError)?;
        }
        Ok(TokenHash(out))
    }
}

impl Serialize for TokenHash {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for TokenHash {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_are_well_formed_unique_and_long() {
        let a = ScimToken::generate();
        let b = ScimToken::generate();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), TOKEN_LEN);
        assert!(a.as_str().starts_with(TOKEN_PREFIX));
        assert!(is_well_formed(a.as_str()));
        assert_eq!(ScimToken::parse(a.as_str()), Some(a.clone()));
        assert!(!format!("{a:?}").contains(&a.as_str()[TOKEN_PREFIX.len()..]), "Debug must not leak");
    }

    #[test]
    fn malformed_tokens_are_refused_without_a_lookup() {
        let t = ScimToken::generate();
        let s = t.as_str();
        let mut flipped = s.as_bytes().to_vec();
        let i = TOKEN_PREFIX.len() + 5;
        flipped[i] = if flipped[i] == b'A' { b'B' } else { b'A' };
        for bad in [
            "",
            "ssoscim_",
            &s[..s.len() - 1],
            &format!("{s}x"),
            &s.replace(TOKEN_PREFIX, "ssoscix_"),
            std::str::from_utf8(&flipped).unwrap(),
            &format!("{TOKEN_PREFIX}{}", "!".repeat(SECRET_CHARS + CHECKSUM_CHARS)),
        ] {
            assert!(!is_well_formed(bad), "{bad:?} accepted");
        }
    }

    #[test]
    fn hashes_compare_and_round_trip_as_hex() {
        let t = ScimToken::generate();
        let h = t.hash();
        assert!(h.ct_eq(&hash_token(t.as_str())));
        assert!(!h.ct_eq(&hash_token("other")));
        let hex = h.to_hex();
        assert_eq!(hex.len(), 64);
        assert_eq!(hex.parse::<TokenHash>().unwrap(), h);
        assert!("zz".repeat(32).parse::<TokenHash>().is_err());
        assert!("é".repeat(32).parse::<TokenHash>().is_err());
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(serde_json::from_str::<TokenHash>(&json).unwrap(), h);
    }

    #[test]
    fn known_answer_hash() {
        // SHA-256("abc")
        assert_eq!(hash_token("abc").to_hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
