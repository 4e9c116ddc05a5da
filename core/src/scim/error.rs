//! SCIM error answers (RFC 7644 §3.12): HTTP status, `scimType`, `detail`, plus our stable
//! code and, for store failures, the host's error as the source.

use std::error::Error as StdError;
use std::fmt;

use serde_json::json;

use super::schema::ERROR_URN;
use crate::error::{ErrorCode, StoreError};

/// The `scimType` values of RFC 7644 Table 9.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScimType {
    /// The filter syntax or comparison is invalid.
    InvalidFilter,
    /// The filter yields more results than the server will process.
    TooMany,
    /// A unique attribute value is taken.
    Uniqueness,
    /// An attempt to change an attribute that cannot be changed.
    Mutability,
    /// The request body is not parsable or does not follow the schema of the message.
    InvalidSyntax,
    /// The path is invalid.
    InvalidPath,
    /// The path selects nothing.
    NoTarget,
    /// A value is missing or of the wrong type.
    InvalidValue,
}

impl ScimType {
    /// The wire string.
    pub const fn as_str(self) -> &'static str {
        match self {
            ScimType::InvalidFilter => "invalidFilter",
            ScimType::TooMany => "tooMany",
            ScimType::Uniqueness => "uniqueness",
            ScimType::Mutability => "mutability",
            ScimType::InvalidSyntax => "invalidSyntax",
            ScimType::InvalidPath => "invalidPath",
            ScimType::NoTarget => "noTarget",
            ScimType::InvalidValue => "invalidValue",
        }
    }
}

/// A refused SCIM request.
#[derive(Debug)]
pub struct ScimError {
    code: ErrorCode,
    detail: String,
    source: Option<StoreError>,
}

impl ScimError {
    /// An error with a code and a detail for the client (and its admin) to act on.
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        ScimError { code, detail: detail.into(), source: None }
    }

    /// A store failure: answers 500 with a generic detail (host internals stay out of the
    /// wire) and keeps the host's error as the source.
    pub fn store(source: StoreError) -> Self {
        let code = source.kind().error_code();
        let detail = match code {
            ErrorCode::NotImplemented => source.message().to_owned(),
            ErrorCode::StoreContractViolated => {
                "the directory store broke its contract; the service provider's logs have the cause".to_owned()
            }
            _ => "the directory store failed; the service provider's logs have the cause".to_owned(),
        };
        ScimError { code, detail, source: Some(source) }
    }

    /// A breach of the `Directory` contract that only the core can see (a record of another
    /// workspace, an exhausted version): answered like a malformed store answer — 500
    /// `store_contract_violated` with a generic detail — and kept as a
    /// [`ContractViolated`](crate::StoreErrorKind::ContractViolated) store error, so the host
    /// learns why (every binding raises it) and the client learns nothing of another tenant.
    pub fn contract_violated(message: &str) -> Self {
        ScimError::store(StoreError::new(crate::error::StoreErrorKind::ContractViolated, message))
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The detail sent to the client.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// The store error behind a `store_failed` answer.
    pub fn store_error(&self) -> Option<&StoreError> {
        self.source.as_ref()
    }

    /// Take the store error out (a binding hands its host error back to the host).
    pub fn take_store_error(&mut self) -> Option<StoreError> {
        self.source.take()
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self.code {
            ErrorCode::Unauthorized => 401,
            ErrorCode::NotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::PreconditionFailed => 412,
            ErrorCode::PayloadTooLarge | ErrorCode::TooManyOperations => 413,
            ErrorCode::Uniqueness | ErrorCode::Conflict => 409,
            ErrorCode::NotImplemented => 501,
            ErrorCode::StoreFailed | ErrorCode::StoreContractViolated | ErrorCode::InternalError => 500,
            _ => 400,
        }
    }

    /// The `scimType`, for 400 and 409 answers that have one.
    pub fn scim_type(&self) -> Option<ScimType> {
        Some(match self.code {
            ErrorCode::InvalidFilter => ScimType::InvalidFilter,
            ErrorCode::Uniqueness => ScimType::Uniqueness,
            ErrorCode::Mutability => ScimType::Mutability,
            ErrorCode::InvalidSyntax => ScimType::InvalidSyntax,
            ErrorCode::InvalidPath => ScimType::InvalidPath,
            ErrorCode::NoTarget => ScimType::NoTarget,
            ErrorCode::InvalidValue => ScimType::InvalidValue,
            _ => return None,
        })
    }

    /// The SCIM Error body: `status` is a JSON string, as RFC 7644 §3.12 requires.
    pub fn body(&self) -> serde_json::Value {
        let mut body = json!({
            "schemas": [ERROR_URN],
            "status": self.status().to_string(),
            "detail": self.detail,
        });
        if let Some(t) = self.scim_type() {
            body["scimType"] = t.as_str().into();
        }
        body
    }
}

impl fmt::Display for ScimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.status(), self.detail)
    }
}

impl StdError for ScimError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source.as_ref().map(|e| e as &(dyn StdError + 'static))
    }
}

/// Shorthand constructors used throughout the handler.
pub(crate) fn invalid_value(detail: impl Into<String>) -> ScimError {
    ScimError::new(ErrorCode::InvalidValue, detail)
}

pub(crate) fn invalid_syntax(detail: impl Into<String>) -> ScimError {
    ScimError::new(ErrorCode::InvalidSyntax, detail)
}

pub(crate) fn mutability(detail: impl Into<String>) -> ScimError {
    ScimError::new(ErrorCode::Mutability, detail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::StoreErrorKind;

    #[test]
    fn every_code_maps_to_a_status_and_the_body_carries_a_string_status() {
        for code in ErrorCode::ALL {
            let e = ScimError::new(*code, "d");
            let body = e.body();
            assert_eq!(body["status"], e.status().to_string());
            assert!(body["status"].is_string());
            assert_eq!(body["detail"], "d");
            assert_eq!(body["schemas"][0], ERROR_URN);
            if let Some(t) = e.scim_type() {
                assert_eq!(body["scimType"], t.as_str());
                assert!(matches!(e.status(), 400 | 409));
            }
        }
        assert_eq!(ScimError::new(ErrorCode::Uniqueness, "").body()["scimType"], "uniqueness");
        assert_eq!(ScimError::new(ErrorCode::Uniqueness, "").status(), 409);
    }

    #[test]
    fn store_failures_hide_host_text_and_keep_the_source() {
        let e = ScimError::store(StoreError::new(StoreErrorKind::Failed, "password=hunter2 at db.internal"));
        assert_eq!(e.status(), 500);
        assert_eq!(e.code(), ErrorCode::StoreFailed);
        assert!(!e.body().to_string().contains("hunter2"));
        assert_eq!(e.store_error().unwrap().message(), "password=hunter2 at db.internal");
        assert!(StdError::source(&e).is_some());
    }
}
