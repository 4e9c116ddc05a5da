//! Randomness for workspace ids and server secrets.
//!
//! The core keeps its CSPRNG (aws-lc-rs, seeded by the operating system) private, but every
//! [`ScimToken::generate`] draws 256 fresh bits from it and its SHA-256 hash is as
//! unpredictable as those bits: drawing through tokens needs no RNG dependency of our own.

use sso_scim_core::token::ScimToken;

/// `len` bytes from the operating system's CSPRNG (via the core's token generator).
pub(crate) fn random_bytes(len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        let block = ScimToken::generate().hash().0;
        out.extend(block.into_iter().take(len - out.len()));
    }
    out
}

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new workspace id: `ws_` and 16 lower-case hex digits (64 random bits), the form
/// sso-scim-sqlite gives its workspaces, so ids look alike on either store.
pub(crate) fn workspace_id() -> String {
    format!("ws_{}", hex(&random_bytes(8)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_exact_and_draws_differ() {
        for len in [0, 1, 32, 33, 100] {
            assert_eq!(random_bytes(len).len(), len);
        }
        assert_ne!(random_bytes(32), random_bytes(32));
        let id = workspace_id();
        assert_eq!(id.len(), 19);
        assert!(id.starts_with("ws_") && id[3..].bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    }
}
