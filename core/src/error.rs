//! The one error model shared by every part of the core and every binding: a stable snake_case
//! [`ErrorCode`] plus a human message ([`CodedError`]), and [`StoreError`] for failures raised
//! by the host's store.
//!
//! Every fact about a code — its wire name, its [`ErrorFamily`] (which picks the exception
//! class a binding raises), the HTTP status a SCIM answer gives and its RFC 7644 `scimType` —
//! is one row of the table below. Nothing else in the crate or the bindings decides any of
//! them: a new code is one new row, and the compiler walks every consumer through it.
//!
//! This module is a leaf of the crate's layers: it uses nothing else of the crate, so every
//! other module may use it.

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;

/// Declares the error table: each row is a code's variant, wire name, family, HTTP status
/// and `scimType` (`None` for none), and the macro derives [`ErrorCode`] with `ALL`,
/// `as_str`, `parse`, `family`, `status` and `scim_type` from the rows, so no wildcard can
/// give a new code a family or a status by accident.
macro_rules! error_table {
    (@scim_type None) => { None };
    (@scim_type $scim_type:ident) => { Some(ScimType::$scim_type) };
    ($(
        $(#[doc = $doc:literal])+
        $variant:ident => $wire:literal, $family:ident, $status:literal, $scim_type:ident;
    )+) => {
        /// Stable, snake_case error codes. Bindings expose these strings unchanged (C as an
        /// enum, Python as `.code`, Node as `err.code`), so a code once published is never
        /// renamed.
        ///
        /// `#[non_exhaustive]` because codes are added over time; bindings never match on
        /// codes but on their [`ErrorFamily`], which is closed.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $(
                $(#[doc = $doc])+
                $variant,
            )+
        }

        impl ErrorCode {
            /// Every code, in table order: the order bindings list them in and the C ABI
            /// numbers them by (new codes are appended, so numbers never move).
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),+];

            /// The stable snake_case string of this code.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $wire,)+
                }
            }

            /// The code whose [`as_str`](ErrorCode::as_str) is `name`, if there is one.
            pub fn parse(name: &str) -> Option<ErrorCode> {
                match name {
                    $($wire => Some(ErrorCode::$variant),)+
                    _ => None,
                }
            }

            /// Who the error is about: picks the exception class a binding raises it as.
            pub const fn family(self) -> ErrorFamily {
                match self {
                    $(ErrorCode::$variant => ErrorFamily::$family,)+
                }
            }

            /// The HTTP status of an answer refused with this code. SCIM answers send it;
            /// for SAML and settings codes it is what a host answering for us would send
            /// (400: the message or setting was refused).
            pub const fn status(self) -> u16 {
                match self {
                    $(ErrorCode::$variant => $status,)+
                }
            }

            /// The RFC 7644 `scimType` a SCIM error answer carries for this code, if any
            /// (only 400 and 409 answers have one).
            pub const fn scim_type(self) -> Option<ScimType> {
                match self {
                    $(ErrorCode::$variant => error_table!(@scim_type $scim_type),)+
                }
            }
        }
    };
}

// The table. Columns: variant => wire name, family, HTTP status, scimType.
// Rows are appended, never reordered or removed: the C ABI numbers codes by their row.
error_table! {
    /// No, malformed or unknown bearer token.
    Unauthorized => "unauthorized", Scim, 401, None;
    /// The resource does not exist (or is gone for SCIM).
    NotFound => "not_found", Scim, 404, None;
    /// The HTTP method is not allowed on this endpoint.
    MethodNotAllowed => "method_not_allowed", Scim, 405, None;
    /// The endpoint or operation exists in SCIM but is not implemented here.
    NotImplemented => "not_implemented", Scim, 501, None;
    /// The request body exceeds the configured size limit.
    PayloadTooLarge => "payload_too_large", Scim, 413, None;
    /// A PATCH request carries more operations than the configured limit.
    TooManyOperations => "too_many_operations", Scim, 413, None;
    /// The body is not valid JSON, not UTF-8, repeats a key, or is nested too deeply.
    InvalidSyntax => "invalid_syntax", Scim, 400, InvalidSyntax;
    /// A value has the wrong type or shape, or a required attribute is missing.
    InvalidValue => "invalid_value", Scim, 400, InvalidValue;
    /// The filter cannot be parsed, is too long or too deep, or compares in a way the
    /// attribute's type does not allow.
    InvalidFilter => "invalid_filter", Scim, 400, InvalidFilter;
    /// A PATCH path or attribute list names something that cannot be resolved.
    InvalidPath => "invalid_path", Scim, 400, InvalidPath;
    /// A PATCH path selects nothing where the operation needs a target.
    NoTarget => "no_target", Scim, 400, NoTarget;
    /// The operation would change a read-only attribute or remove a required one.
    Mutability => "mutability", Scim, 400, Mutability;
    /// Another resource already holds a value that must be unique (userName).
    Uniqueness => "uniqueness", Scim, 409, Uniqueness;
    /// `If-Match` did not match the resource's current version.
    PreconditionFailed => "precondition_failed", Scim, 412, None;
    /// A concurrent change won every retry of a read-modify-write.
    Conflict => "conflict", Scim, 409, None;
    /// The host's store failed; the host's own error is kept as the source.
    StoreFailed => "store_failed", Store, 500, None;
    /// The store broke the contract of the `Directory` trait (for example returned a user of
    /// another workspace); the core refuses to use such an answer.
    StoreContractViolated => "store_contract_violated", Store, 500, None;
    /// The SAML message exceeds the configured size.
    SamlInputTooLarge => "saml_input_too_large", Saml, 400, None;
    /// The SAML message is neither raw XML nor base64 of UTF-8 XML.
    SamlEncoding => "saml_encoding", Saml, 400, None;
    /// The XML is not well-formed (or uses an undeclared entity).
    XmlMalformed => "xml_malformed", Saml, 400, None;
    /// The XML carries a DOCTYPE; DTDs and entities are never processed.
    XmlDoctypeForbidden => "xml_doctype_forbidden", Saml, 400, None;
    /// The XML nests too deeply or has too many nodes, attributes or namespace declarations.
    XmlLimitExceeded => "xml_limit_exceeded", Saml, 400, None;
    /// The message is not a SAML 2.0 Response, or a required element or attribute is missing
    /// or invalid.
    MalformedResponse => "malformed_response", Saml, 400, None;
    /// Two elements carry the same `ID`.
    DuplicateId => "duplicate_id", Saml, 400, None;
    /// The Response does not hold exactly one Assertion or EncryptedAssertion as a direct
    /// child, or an Assertion sits elsewhere.
    AssertionCount => "assertion_count", Saml, 400, None;
    /// The IdP answered with a status other than Success.
    StatusNotSuccess => "status_not_success", Saml, 400, None;
    /// No verified signature covers the assertion (or the Response, when required).
    SignatureMissing => "signature_missing", Saml, 400, None;
    /// A signature or digest does not verify with any configured IdP key.
    SignatureInvalid => "signature_invalid", Saml, 400, None;
    /// A signature uses a shape, reference, transform or canonicalization that is not allowed.
    SignatureUnsupported => "signature_unsupported", Saml, 400, None;
    /// A signature or digest algorithm is not allowed (SHA-1 without the setting, HMAC,
    /// unknown).
    AlgorithmNotAllowed => "algorithm_not_allowed", Saml, 400, None;
    /// The Issuer is not the configured IdP entity ID.
    IssuerMismatch => "issuer_mismatch", Saml, 400, None;
    /// The Response Destination is not the ACS URL.
    DestinationMismatch => "destination_mismatch", Saml, 400, None;
    /// The bearer SubjectConfirmationData Recipient is not the ACS URL.
    RecipientMismatch => "recipient_mismatch", Saml, 400, None;
    /// An AudienceRestriction does not name the SP entity ID.
    AudienceMismatch => "audience_mismatch", Saml, 400, None;
    /// InResponseTo does not match the request this SP sent.
    InResponseToMismatch => "in_response_to_mismatch", Saml, 400, None;
    /// An IdP-initiated (unsolicited) response while the setting does not allow them.
    UnsolicitedResponse => "unsolicited_response", Saml, 400, None;
    /// A NotBefore lies in the future (beyond the clock skew).
    NotYetValid => "not_yet_valid", Saml, 400, None;
    /// A NotOnOrAfter has passed (beyond the clock skew).
    Expired => "expired", Saml, 400, None;
    /// No bearer SubjectConfirmation with SubjectConfirmationData.
    SubjectConfirmationMissing => "subject_confirmation_missing", Saml, 400, None;
    /// The assertion has no NameID.
    NameIdMissing => "name_id_missing", Saml, 400, None;
    /// The EncryptedAssertion cannot be decrypted with any configured SP key (one error for
    /// every cause).
    DecryptionFailed => "decryption_failed", Saml, 400, None;
    /// The assertion was already used.
    Replayed => "replayed", Saml, 400, None;
    /// No user of the workspace matches the signed-in identity.
    UnknownUser => "unknown_user", Saml, 400, None;
    /// The user is archived or deprovisioned and cannot sign in.
    UserArchived => "user_archived", Saml, 400, None;
    /// The directory answered with a user of another workspace.
    WrongWorkspace => "wrong_workspace", Saml, 400, None;
    /// The SAML or SCIM settings cannot work (a required value is missing or invalid).
    InvalidSettings => "invalid_settings", Settings, 400, None;
    /// A certificate or public key cannot be read.
    InvalidCertificate => "invalid_certificate", Settings, 400, None;
    /// A private key cannot be read (PKCS#8 PEM expected).
    InvalidKey => "invalid_key", Settings, 400, None;
    /// SAML metadata cannot be read or lacks what is needed.
    InvalidMetadata => "invalid_metadata", Settings, 400, None;
    /// A binding was handed a host store object that lacks a required method.
    InvalidStore => "invalid_store", Settings, 400, None;
    /// A binding call received an argument of the wrong type or shape.
    InvalidArgument => "invalid_argument", Argument, 400, None;
    /// A fault inside sso-scim itself (a caught panic): never the host's or the client's doing.
    /// Bindings raise it as their documented error type (C: `PANIC`).
    InternalError => "internal_error", Internal, 500, None;
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who an error is about: the column of the table that picks the exception class a binding
/// raises a code as (Python has one class per family; Node and C hand out the code alone,
/// except that C reports [`Internal`](ErrorFamily::Internal) as its own `PANIC`).
///
/// Deliberately not `#[non_exhaustive]`: a new family must break every binding's exhaustive
/// match until the binding picks what to raise for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorFamily {
    /// A refused SCIM request (Python `ScimError`).
    Scim,
    /// A refused SAML message or sign-in (Python `SamlError`).
    Saml,
    /// Settings, certificates, keys, metadata or a host store object that cannot work
    /// (Python `ConfigurationError`).
    Settings,
    /// The host's store failed or broke its contract (Python `StoreContractError`).
    Store,
    /// A binding call received an argument of the wrong shape (Python `InvalidArgumentError`).
    Argument,
    /// A fault inside sso-scim itself (Python `InternalError`, C `PANIC`).
    Internal,
}

impl ErrorFamily {
    /// Every family, in declaration order.
    pub const ALL: &'static [ErrorFamily] = &[
        ErrorFamily::Scim,
        ErrorFamily::Saml,
        ErrorFamily::Settings,
        ErrorFamily::Store,
        ErrorFamily::Argument,
        ErrorFamily::Internal,
    ];
}

/// The `scimType` values of RFC 7644 Table 9. They live beside the table (not in `scim`) so
/// that the table can name them while this module stays a leaf.
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

/// A refusal: a stable [`ErrorCode`] and a message naming what was wrong, so an admin can fix
/// their setup from the message alone.
///
/// The one error of SAML validation, of settings checks and of the binding helpers; the SAML
/// side calls it `saml::SamlError` and the binding side `bridge::BridgeError` (both are
/// aliases of this type, so one converts into the other for free). SCIM answers have their
/// own `ScimError`, which adds a status and keeps a store failure as its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodedError {
    code: ErrorCode,
    message: String,
}

impl CodedError {
    /// An error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        CodedError { code, message: message.into() }
    }

    /// `field`: expected `expected`, got `actual`, each cut to its first 200 characters
    /// because either may come from an untrusted message.
    pub fn mismatch(code: ErrorCode, field: &str, expected: &str, actual: &str) -> Self {
        CodedError::new(code, format!("{field}: expected \"{}\", got \"{}\"", excerpt(expected), excerpt(actual)))
    }

    /// An argument of the wrong shape (`invalid_argument`).
    pub fn argument(message: impl Into<String>) -> Self {
        CodedError::new(ErrorCode::InvalidArgument, message)
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

impl fmt::Display for CodedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl StdError for CodedError {}

/// The longest excerpt of untrusted text an error message quotes, in characters.
const EXCERPT_CHARS: usize = 200;

/// `text` cut to its first [`EXCERPT_CHARS`] characters (on a character boundary, "…" marking
/// the cut), so a 256 KB attribute never becomes a 256 KB error message or log line.
pub(crate) fn excerpt(text: &str) -> Cow<'_, str> {
    match text.char_indices().nth(EXCERPT_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]).into(),
        None => text.into(),
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
            StoreErrorKind::Conflict
            | StoreErrorKind::VersionMismatch
            | StoreErrorKind::NotFound
            | StoreErrorKind::Failed => ErrorCode::StoreFailed,
        }
    }
}

/// An error raised by the host's `Directory` implementation (named, not linked: this module
/// is a leaf and links nothing above it).
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

    /// Every row has its own variant and wire name, the name is snake_case, and it parses
    /// back to the same code.
    #[test]
    fn every_row_is_unique_and_parses_back() {
        let mut names = HashSet::new();
        let mut codes = HashSet::new();
        for code in ErrorCode::ALL {
            let s = code.as_str();
            assert!(names.insert(s), "duplicate wire name {s}");
            assert!(codes.insert(*code), "{code:?} listed twice");
            assert!(s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{s} is not snake_case");
            assert_eq!(ErrorCode::parse(s), Some(*code));
            assert_eq!(code.to_string(), s);
        }
        assert_eq!(ErrorCode::parse("Unauthorized"), None, "names are exact, not case-folded");
        assert_eq!(ErrorCode::parse(""), None);
        assert_eq!(ErrorCode::ALL.len(), 52);
        // The C ABI numbers codes by row: the first and the last rows stay where they are.
        assert_eq!(ErrorCode::ALL[0], ErrorCode::Unauthorized);
        assert_eq!(ErrorCode::ALL[50], ErrorCode::InvalidArgument);
        assert_eq!(ErrorCode::ALL[51], ErrorCode::InternalError);
    }

    /// The answers SCIM clients (Entra, Okta) act on: status and `scimType` per code, as
    /// RFC 7644 §3.12 and the shared vectors have them.
    #[test]
    fn scim_clients_get_the_statuses_and_scim_types_they_rely_on() {
        use ErrorCode as C;
        let expected: &[(ErrorCode, u16, Option<&str>)] = &[
            (C::Unauthorized, 401, None),
            (C::NotFound, 404, None),
            (C::MethodNotAllowed, 405, None),
            (C::NotImplemented, 501, None),
            (C::PayloadTooLarge, 413, None),
            (C::TooManyOperations, 413, None),
            (C::InvalidSyntax, 400, Some("invalidSyntax")),
            (C::InvalidValue, 400, Some("invalidValue")),
            (C::InvalidFilter, 400, Some("invalidFilter")),
            (C::InvalidPath, 400, Some("invalidPath")),
            (C::NoTarget, 400, Some("noTarget")),
            (C::Mutability, 400, Some("mutability")),
            (C::Uniqueness, 409, Some("uniqueness")),
            (C::PreconditionFailed, 412, None),
            (C::Conflict, 409, None),
            (C::StoreFailed, 500, None),
            (C::StoreContractViolated, 500, None),
            (C::InternalError, 500, None),
        ];
        for (code, status, scim_type) in expected {
            assert_eq!((code.status(), code.scim_type().map(ScimType::as_str)), (*status, *scim_type), "{code}");
        }
        for code in ErrorCode::ALL {
            assert!(matches!(code.status(), 400..=599), "{code}: {}", code.status());
            if code.scim_type().is_some() {
                assert!(matches!(code.status(), 400 | 409), "{code}: a scimType only on 400 and 409");
                assert_eq!(code.family(), ErrorFamily::Scim, "{code}");
            }
            // Every code outside SCIM is a refusal of the caller's input (400), except the
            // ones that are nobody's fault but the store's or ours (500).
            let server_side = matches!(code.family(), ErrorFamily::Store | ErrorFamily::Internal);
            if code.family() != ErrorFamily::Scim {
                assert_eq!(code.status(), if server_side { 500 } else { 400 }, "{code}");
            }
        }
    }

    /// Every family holds at least one code, and the families bindings single out hold
    /// exactly the codes they document.
    #[test]
    fn families_partition_the_codes_as_the_bindings_document() {
        for family in ErrorFamily::ALL {
            assert!(ErrorCode::ALL.iter().any(|c| c.family() == *family), "{family:?} is empty");
        }
        let of =
            |family| ErrorCode::ALL.iter().filter(|c| c.family() == family).map(|c| c.as_str()).collect::<Vec<_>>();
        assert_eq!(of(ErrorFamily::Store), ["store_failed", "store_contract_violated"]);
        assert_eq!(
            of(ErrorFamily::Settings),
            ["invalid_settings", "invalid_certificate", "invalid_key", "invalid_metadata", "invalid_store"]
        );
        assert_eq!(of(ErrorFamily::Argument), ["invalid_argument"]);
        assert_eq!(of(ErrorFamily::Internal), ["internal_error"]);
        assert_eq!(of(ErrorFamily::Scim).len(), 15);
        assert_eq!(ErrorCode::Replayed.family(), ErrorFamily::Saml);
        assert_eq!(ErrorCode::UnknownUser.family(), ErrorFamily::Saml, "login refusals are SAML's");
    }

    #[test]
    fn store_kinds_answer_with_store_codes() {
        for kind in StoreErrorKind::ALL {
            let code = kind.error_code();
            let expected = if *kind == StoreErrorKind::Unsupported { ErrorFamily::Scim } else { ErrorFamily::Store };
            assert_eq!(code.family(), expected, "{kind:?}");
        }
    }

    #[test]
    fn excerpts_cut_long_text_on_a_character_boundary() {
        assert_eq!(excerpt("short"), "short");
        let exact = "é".repeat(EXCERPT_CHARS);
        assert_eq!(excerpt(&exact), exact);
        let long = "é".repeat(100_000);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), EXCERPT_CHARS + 1);
        assert!(cut.ends_with('…'));
        let mismatch = CodedError::mismatch(ErrorCode::IssuerMismatch, "Issuer", "a", &long);
        assert!(mismatch.message().len() < 1_000, "{}", mismatch.message().len());
        assert!(mismatch.message().starts_with("Issuer: expected \"a\", got \"éé"), "{}", mismatch.message());
        assert_eq!(mismatch.to_string(), format!("issuer_mismatch: {}", mismatch.message()));
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
