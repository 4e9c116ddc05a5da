//! SAML errors: a stable [`ErrorCode`] and a message that names the field, the expected and
//! the actual value, so an admin can fix their IdP setup from the message alone.
//!
//! The type itself is the crate's one [`CodedError`]; this module
//! keeps the SAML side's name for it and the helpers SAML validation builds its messages with.

use crate::error::{CodedError, ErrorCode};

/// A refused SAML message or an unusable setting: the crate's one
/// [`CodedError`], named for the SAML side (the same type as
/// `bridge::BridgeError`, so a SAML refusal passes through the bindings unconverted).
pub type SamlError = CodedError;

/// Cut untrusted text for quoting in a message; the one definition is beside [`CodedError`](crate::CodedError).
pub(crate) use crate::error::excerpt;

/// `malformed_response` with `message`: the most common SAML refusal, given its own shorthand.
pub(crate) fn malformed(message: impl Into<String>) -> SamlError {
    SamlError::new(ErrorCode::MalformedResponse, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_saml_names_build_the_one_error() {
        let long = "x".repeat(10_000);
        let e = SamlError::mismatch(ErrorCode::AudienceMismatch, "Audience", "sp", &long);
        assert_eq!(e.code(), ErrorCode::AudienceMismatch);
        assert!(e.message().len() < 1_000 && e.message().ends_with("…\""), "{}", e.message());
        assert_eq!(excerpt(&long).chars().count(), 201);
        let m = malformed("no Response element");
        assert_eq!((m.code(), m.message()), (ErrorCode::MalformedResponse, "no Response element"));
    }
}
