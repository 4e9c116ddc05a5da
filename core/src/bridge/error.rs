//! The one error shape binding helpers return: a stable code and a message.

use crate::error::{CodedError, ErrorCode};
use crate::scim::ConfigError;

/// A refused binding call: the crate's one [`CodedError`], named
/// for the binding side. It is the same type as `saml::SamlError`, so a SAML refusal reaches
/// a binding as it is, and [`CodedError::argument`] builds the `invalid_argument` ones.
pub type BridgeError = CodedError;

/// SCIM settings that cannot work are `invalid_settings`, the message naming the setting.
impl From<ConfigError> for CodedError {
    fn from(e: ConfigError) -> Self {
        CodedError::new(ErrorCode::InvalidSettings, e.to_string())
    }
}
