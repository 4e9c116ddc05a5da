//! The one error model shared by every part of the core and every binding: a stable snake_case
//! [`ErrorCode`] plus a human message, and [`StoreError`] for failures raised by the host's store.

use std::error::Error as StdError;
use std::fmt;

/// Stable, snake_case error codes. Bindings expose these strings unchanged (C as an enum,
/// Python as `.code`, Node as `err.code`), so a code once published is never renamed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// No, malformed or unknown bearer token.
    Unauthorized,
    /// The resource does not exist (or is gone for SCIM).
    NotFound,
    /// The HTTP method is not allowed on this endpoint.
    MethodNotAllowed,
    /// The endpoint or operation exists in SCIM but is not implemented here.
    NotImplemented,
    /// The request body exceeds the configured size limit.
    PayloadTooLarge,
    /// A PATCH request carries more operations than the configured limit.
    TooManyOperations,
    /// The body is not valid JSON, not UTF-8, repeats a key, or is nested too deeply.
    InvalidSyntax,
    /// A value has the wrong type or shape, or a required attribute is missing.
    InvalidValue,
    /// The filter cannot be parsed, is too long or too deep, or compares in a way the
    /// attribute's type does not allow.
    InvalidFilter,
    /// A PATCH path or attribute list names something that cannot be resolved.
    InvalidPath,
    /// A PATCH path selects nothing where the operation needs a target.
    NoTarget,
    /// The operation would change a read-only attribute or remove a required one.
    Mutability,
    /// Another resource already holds a value that must be unique (userName).
    Uniqueness,
    /// `If-Match` did not match the resource's current version.
    PreconditionFailed,
    /// A concurrent change won every retry of a read-modify-write.
    Conflict,
    /// The host's store failed; the host's own error is kept as the source.
    StoreFailed,
    /// The store broke the contract of the `Directory` trait (for example returned a user of
    /// another workspace); the core refuses to use such an answer.
    StoreContractViolated,
    /// The SAML message exceeds the configured size.
    SamlInputTooLarge,
    /// The SAML message is neither raw XML nor base64 of UTF-8 XML.
    SamlEncoding,
    /// The XML is not well-formed (or uses an undeclared entity).
    XmlMalformed,
    /// The XML carries a DOCTYPE; DTDs and entities are never processed.
    XmlDoctypeForbidden,
    /// The XML nests too deeply or has too many nodes, attributes or namespace declarations.
    XmlLimitExceeded,
    /// The message is not a SAML 2.0 Response, or a required element or attribute is missing or invalid.
    MalformedResponse,
    /// Two elements carry the same `ID`.
    DuplicateId,
    /// The Response does not hold exactly one Assertion or EncryptedAssertion as a direct child, or an Assertion sits elsewhere.
    AssertionCount,
    /// The IdP answered with a status other than Success.
    StatusNotSuccess,
    /// No verified signature covers the assertion (or the Response, when required).
    SignatureMissing,
    /// A signature or digest does not verify with any configured IdP key.
    SignatureInvalid,
    /// A signature uses a shape, reference, transform or canonicalization that is not allowed.
    SignatureUnsupported,
    /// A signature or digest algorithm is not allowed (SHA-1 without the setting, HMAC, unknown).
    AlgorithmNotAllowed,
    /// The Issuer is not the configured IdP entity ID.
    IssuerMismatch,
    /// The Response Destination is not the ACS URL.
    DestinationMismatch,
    /// The bearer SubjectConfirmationData Recipient is not the ACS URL.
    RecipientMismatch,
    /// An AudienceRestriction does not name the SP entity ID.
    AudienceMismatch,
    /// InResponseTo does not match the request this SP sent.
    InResponseToMismatch,
    /// An IdP-initiated (unsolicited) response while the setting does not allow them.
    UnsolicitedResponse,
    /// A NotBefore lies in the future (beyond the clock skew).
    NotYetValid,
    /// A NotOnOrAfter has passed (beyond the clock skew).
    Expired,
    /// No bearer SubjectConfirmation with SubjectConfirmationData.
    SubjectConfirmationMissing,
    /// The assertion has no NameID.
    NameIdMissing,
    /// The EncryptedAssertion cannot be decrypted with any configured SP key (one error for every cause).
    DecryptionFailed,
    /// The assertion was already used.
    Replayed,
    /// No user of the workspace matches the signed-in identity.
    UnknownUser,
    /// The user is archived or deprovisioned and cannot sign in.
    UserArchived,
    /// The directory answered with a user of another workspace.
    WrongWorkspace,
    /// The SAML or SCIM settings cannot work (a required value is missing or invalid).
    InvalidSettings,
    /// A certificate or public key cannot be read.
    InvalidCertificate,
    /// A private key cannot be read (PKCS#8 PEM expected).
    InvalidKey,
    /// SAML metadata cannot be read or lacks what is needed.
    InvalidMetadata,
    /// A binding was handed a host store object that lacks a required method.
    InvalidStore,
    /// A binding call received an argument of the wrong type or shape.
    InvalidArgument,
    /// A fault inside sso-scim itself (a caught panic): never the host's or the client's doing.
    /// Bindings raise it as their documented error type (C: `PANIC`).
    InternalError,
}

impl ErrorCode {
    /// Every code, in declaration order (the table bindings derive their enums from).
    pub const ALL: &'static [ErrorCode] = &[
        ErrorCode::Unauthorized,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::NotImplemented,
        ErrorCode::PayloadTooLarge,
        ErrorCode::TooManyOperations,
        ErrorCode::InvalidSyntax,
        ErrorCode::InvalidValue,
        ErrorCode::InvalidFilter,
        ErrorCode::InvalidPath,
        ErrorCode::NoTarget,
        ErrorCode::Mutability,
        ErrorCode::Uniqueness,
        ErrorCode::PreconditionFailed,
        ErrorCode::Conflict,
        ErrorCode::StoreFailed,
        ErrorCode::StoreContractViolated,
        ErrorCode::SamlInputTooLarge,
        ErrorCode::SamlEncoding,
        ErrorCode::XmlMalformed,
        ErrorCode::XmlDoctypeForbidden,
        ErrorCode::XmlLimitExceeded,
        ErrorCode::MalformedResponse,
        ErrorCode::DuplicateId,
        ErrorCode::AssertionCount,
        ErrorCode::StatusNotSuccess,
        ErrorCode::SignatureMissing,
        ErrorCode::SignatureInvalid,
        ErrorCode::SignatureUnsupported,
        ErrorCode::AlgorithmNotAllowed,
        ErrorCode::IssuerMismatch,
        ErrorCode::DestinationMismatch,
        ErrorCode::RecipientMismatch,
        ErrorCode::AudienceMismatch,
        ErrorCode::InResponseToMismatch,
        ErrorCode::UnsolicitedResponse,
        ErrorCode::NotYetValid,
        ErrorCode::Expired,
        ErrorCode::SubjectConfirmationMissing,
        ErrorCode::NameIdMissing,
        ErrorCode::DecryptionFailed,
        ErrorCode::Replayed,
        ErrorCode::UnknownUser,
        ErrorCode::UserArchived,
        ErrorCode::WrongWorkspace,
        ErrorCode::InvalidSettings,
        ErrorCode::InvalidCertificate,
        ErrorCode::InvalidKey,
        ErrorCode::InvalidMetadata,
        ErrorCode::InvalidStore,
        ErrorCode::InvalidArgument,
        ErrorCode::InternalError,
    ];

    /// The stable snake_case string of this code.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::NotImplemented => "not_implemented",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::TooManyOperations => "too_many_operations",
            ErrorCode::InvalidSyntax => "invalid_syntax",
            ErrorCode::InvalidValue => "invalid_value",
            ErrorCode::InvalidFilter => "invalid_filter",
            ErrorCode::InvalidPath => "invalid_path",
            ErrorCode::NoTarget => "no_target",
            ErrorCode::Mutability => "mutability",
            ErrorCode::Uniqueness => "uniqueness",
            ErrorCode::PreconditionFailed => "precondition_failed",
            ErrorCode::Conflict => "conflict",
            ErrorCode::StoreFailed => "store_failed",
            ErrorCode::StoreContractViolated => "store_contract_violated",
            ErrorCode::SamlInputTooLarge => "saml_input_too_large",
            ErrorCode::SamlEncoding => "saml_encoding",
            ErrorCode::XmlMalformed => "xml_malformed",
            ErrorCode::XmlDoctypeForbidden => "xml_doctype_forbidden",
            ErrorCode::XmlLimitExceeded => "xml_limit_exceeded",
            ErrorCode::MalformedResponse => "malformed_response",
            ErrorCode::DuplicateId => "duplicate_id",
            ErrorCode::AssertionCount => "assertion_count",
            ErrorCode::StatusNotSuccess => "status_not_success",
            ErrorCode::SignatureMissing => "signature_missing",
            ErrorCode::SignatureInvalid => "signature_invalid",
            ErrorCode::SignatureUnsupported => "signature_unsupported",
            ErrorCode::AlgorithmNotAllowed => "algorithm_not_allowed",
            ErrorCode::IssuerMismatch => "issuer_mismatch",
            ErrorCode::DestinationMismatch => "destination_mismatch",
            ErrorCode::RecipientMismatch => "recipient_mismatch",
            ErrorCode::AudienceMismatch => "audience_mismatch",
            ErrorCode::InResponseToMismatch => "in_response_to_mismatch",
            ErrorCode::UnsolicitedResponse => "unsolicited_response",
            ErrorCode::NotYetValid => "not_yet_valid",
            ErrorCode::Expired => "expired",
            ErrorCode::SubjectConfirmationMissing => "subject_confirmation_missing",
            ErrorCode::NameIdMissing => "name_id_missing",
            ErrorCode::DecryptionFailed => "decryption_failed",
            ErrorCode::Replayed => "replayed",
            ErrorCode::UnknownUser => "unknown_user",
            ErrorCode::UserArchived => "user_archived",
            ErrorCode::WrongWorkspace => "wrong_workspace",
            ErrorCode::InvalidSettings => "invalid_settings",
            ErrorCode::InvalidCertificate => "invalid_certificate",
            ErrorCode::InvalidKey => "invalid_key",
            ErrorCode::InvalidMetadata => "invalid_metadata",
            ErrorCode::InvalidStore => "invalid_store",
            ErrorCode::InvalidArgument => "invalid_argument",
            ErrorCode::InternalError => "internal_error",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of failure a store reports; the core maps each kind to a protocol answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StoreErrorKind {
    /// `insert_user` found another user of the workspace with the same userName key.
    Conflict,
    /// `update_user` found a version other than the expected one (a concurrent writer won).
    VersionMismatch,
    /// `update_user` found no such user.
    NotFound,
    /// Anything else: the database is down, a host callback threw, and so on.
    Failed,
    /// The store does not offer this operation (a host without Groups); answered 501.
    Unsupported,
    /// The store answered something that breaks the `Directory` contract (a malformed record,
    /// a reply of the wrong shape); answered 500 `store_contract_violated`.
    ContractViolated,
}

impl StoreErrorKind {
    /// Every kind, in declaration order.
    pub const ALL: &'static [StoreErrorKind] = &[
        StoreErrorKind::Conflict,
        StoreErrorKind::VersionMismatch,
        StoreErrorKind::NotFound,
        StoreErrorKind::Failed,
        StoreErrorKind::Unsupported,
        StoreErrorKind::ContractViolated,
    ];

    /// The snake_case name a host store uses to signal this kind (a thrown error's `code`,
    /// a raised exception's `code`, a C callback's status).
    pub const fn as_str(self) -> &'static str {
        match self {
            StoreErrorKind::Conflict => "conflict",
            StoreErrorKind::VersionMismatch => "version_mismatch",
            StoreErrorKind::NotFound => "not_found",
            StoreErrorKind::Failed => "failed",
            StoreErrorKind::Unsupported => "unsupported",
            StoreErrorKind::ContractViolated => "contract_violated",
        }
    }

    /// The kind a host signalled by name: only `conflict`, `version_mismatch`, `not_found` and
    /// `unsupported` carry meaning for the core; any other name (or none) is a plain failure,
    /// so a host error can never pass itself off as something milder by accident.
    pub fn from_host_code(code: &str) -> StoreErrorKind {
        match code {
            "conflict" => StoreErrorKind::Conflict,
            "version_mismatch" => StoreErrorKind::VersionMismatch,
            "not_found" => StoreErrorKind::NotFound,
            "unsupported" => StoreErrorKind::Unsupported,
            _ => StoreErrorKind::Failed,
        }
    }

    /// Whether a binding fails the call with this error instead of answering: the host's own
    /// failure (handed back unchanged) and a broken contract. Conflicts, version races and
    /// `unsupported` are answered by the core (409, retries, 501).
    pub const fn is_raised(self) -> bool {
        matches!(self, StoreErrorKind::Failed | StoreErrorKind::ContractViolated)
    }

    /// The stable error code a request answers when the store fails this way and the core
    /// cannot recover (conflicts and version races are handled before they get here).
    pub const fn error_code(self) -> ErrorCode {
        match self {
            StoreErrorKind::Unsupported => ErrorCode::NotImplemented,
            StoreErrorKind::ContractViolated => ErrorCode::StoreContractViolated,
            _ => ErrorCode::StoreFailed,
        }
    }
}

/// An error raised by the host's store (its implementation of the `Directory` trait).
///
/// `source` carries the host's own error object opaquely through the core, so a binding can
/// hand the very same object back to its host (Python re-raises it, Node sets `cause`).
#[derive(Debug)]
pub struct StoreError {
    kind: StoreErrorKind,
    message: String,
    source: Option<Box<dyn StdError + Send + Sync + 'static>>,
}

impl StoreError {
    /// A store error of the given kind with a message.
    pub fn new(kind: StoreErrorKind, message: impl Into<String>) -> Self {
        StoreError { kind, message: message.into(), source: None }
    }

    /// A generic failure that wraps the host's own error.
    pub fn failed(source: impl Into<Box<dyn StdError + Send + Sync + 'static>>) -> Self {
        let source = source.into();
        StoreError { kind: StoreErrorKind::Failed, message: source.to_string(), source: Some(source) }
    }

    /// The store does not offer `what` (the trait's default for optional methods).
    pub fn unsupported(what: &str) -> Self {
        StoreError::new(StoreErrorKind::Unsupported, format!("this directory does not support {what}"))
    }

    /// Attach the host's own error as the source.
    pub fn with_source(mut self, source: impl Into<Box<dyn StdError + Send + Sync + 'static>>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> StoreErrorKind {
        self.kind
    }

    /// The message given by the store.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The host's own error, if one was attached; bindings downcast it to their wrapper type.
    pub fn host_error(&self) -> Option<&(dyn StdError + Send + Sync + 'static)> {
        self.source.as_deref()
    }

    /// Take the host's own error out, leaving none behind.
    pub fn take_host_error(&mut self) -> Option<Box<dyn StdError + Send + Sync + 'static>> {
        self.source.take()
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "store error ({:?}): {}", self.kind, self.message)
    }
}

impl StdError for StoreError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn StdError + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_snake_case() {
        let mut seen = HashSet::new();
        for code in ErrorCode::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "duplicate code {s}");
            assert!(s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{s} is not snake_case");
        }
    }

    #[test]
    fn store_error_keeps_host_source() {
        #[derive(Debug)]
        struct HostError;
        impl fmt::Display for HostError {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("database is down")
            }
        }
        impl StdError for HostError {}

        let err = StoreError::failed(HostError);
        assert_eq!(err.kind(), StoreErrorKind::Failed);
        assert_eq!(err.message(), "database is down");
        let source = StdError::source(&err).expect("source kept");
        assert!(source.downcast_ref::<HostError>().is_some());
    }
}
