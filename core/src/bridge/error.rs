//! The one error shape binding helpers return: a stable code and a message.

use std::fmt;

use crate::error::ErrorCode;
use crate::saml::SamlError;
use crate::scim::ConfigError;

/// A refused binding call: a stable [`ErrorCode`] and a message naming what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BridgeError {
    code: ErrorCode,
    message: String,
}

impl BridgeError {
    /// An error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        BridgeError { code, message: message.into() }
    }

    /// An argument of the wrong shape (`invalid_argument`).
    pub fn argument(message: impl Into<String>) -> Self {
        BridgeError::new(ErrorCode::InvalidArgument, message)
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

impl fmt::Display for BridgeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for BridgeError {}

impl From<SamlError> for BridgeError {
    fn from(e: SamlError) -> Self {
        BridgeError::new(e.code(), e.message())
    }
}

impl From<ConfigError> for BridgeError {
    fn from(e: ConfigError) -> Self {
        BridgeError::new(ErrorCode::InvalidSettings, e.to_string())
    }
}
