//! SCIM error answers (RFC 7644 §3.12): HTTP status, `scimType`, `detail`, plus our stable
//! code and, for store failures, the host's error as the source.

use std::error::Error as StdError;
use std::fmt;

use serde_json::json;

use crate::error::{ErrorCode, StoreError, StoreErrorKind};
use crate::schema::ERROR_URN;

/// The `scimType` values of RFC 7644 Table 9, kept with the error table
/// ([`ErrorCode`](crate::ErrorCode)) and named here for the SCIM side.
pub use crate::error::ScimType;

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
        let detail = match source.kind() {
            // The store's own words for what it does not offer name no internals.
            StoreErrorKind::Unsupported => source.message().to_owned(),
            StoreErrorKind::ContractViolated => {
                "the directory store broke its contract; the service provider's logs have the cause".to_owned()
            }
            StoreErrorKind::Conflict
            | StoreErrorKind::VersionMismatch
            | StoreErrorKind::NotFound
            | StoreErrorKind::Failed => {
                "the directory store failed; the service provider's logs have the cause".to_owned()
            }
        };
        ScimError { code, detail, source: Some(source) }
    }

    /// A breach of the `Directory` contract that only the core can see (a record of another
    /// workspace, an exhausted version): answered like a malformed store answer — 500
    /// `store_contract_violated` with a generic detail — and kept as a
    /// [`ContractViolated`](crate::StoreErrorKind::ContractViolated) store error, so the host
    /// learns why (every binding raises it) and the client learns nothing of another tenant.
    pub fn contract_violated(message: &str) -> Self {
        ScimError::store(StoreError::new(StoreErrorKind::ContractViolated, message))
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

    /// The HTTP status: the error table's for the code.
    pub fn status(&self) -> u16 {
        self.code.status()
    }

    /// The `scimType`, for 400 and 409 answers that have one: the error table's for the code.
    pub fn scim_type(&self) -> Option<ScimType> {
        self.code.scim_type()
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
