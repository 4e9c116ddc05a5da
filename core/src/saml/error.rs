//! SAML errors: a stable [`ErrorCode`] and a message that names the field, the expected and
//! the actual value, so an admin can fix their IdP setup from the message alone.

use std::fmt;

use crate::error::ErrorCode;

/// A refused SAML message or an unusable setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamlError {
    code: ErrorCode,
    message: String,
}

impl SamlError {
    /// An error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        SamlError { code, message: message.into() }
    }

    /// `field`: expected `expected`, got `actual`.
    pub fn mismatch(code: ErrorCode, field: &str, expected: &str, actual: &str) -> Self {
        SamlError::new(code, format!("{field}: expected \"{}\", got \"{}\"", excerpt(expected), excerpt(actual)))
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The human message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for SamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for SamlError {}

pub(crate) fn malformed(message: impl Into<String>) -> SamlError {
    SamlError::new(ErrorCode::MalformedResponse, message)
}

/// The longest excerpt of untrusted text an error message quotes, in characters.
const EXCERPT_CHARS: usize = 200;

/// `text` cut to its first [`EXCERPT_CHARS`] characters (on a character boundary, "…" marking
/// the cut), so a 256 KB attribute never becomes a 256 KB error message or log line.
pub(crate) fn excerpt(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(EXCERPT_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]).into(),
        None => text.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_cut_long_text_on_a_character_boundary() {
        assert_eq!(excerpt("short"), "short");
        let exact = "é".repeat(EXCERPT_CHARS);
        assert_eq!(excerpt(&exact), exact);
        let long = "é".repeat(100_000);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), EXCERPT_CHARS + 1);
        assert!(cut.ends_with('…'));
        let mismatch = SamlError::mismatch(ErrorCode::IssuerMismatch, "Issuer", "a", &long);
        assert!(mismatch.message().len() < 1_000, "{}", mismatch.message().len());
    }
}
