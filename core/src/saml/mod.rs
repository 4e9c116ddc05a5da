//! SAML 2.0 service provider: pure and synchronous (no store, no clock: `now` is always an
//! argument).

// No production function here passes 80 lines (the bound is in the repository's clippy.toml):
// validation is a pipeline of short named stages, each tested alone.
#![warn(clippy::too_many_lines)]

mod algorithms;
mod authn_request;
mod certificate;
pub(crate) mod datetime;
mod dsig;
mod encrypted;
pub(crate) mod error;
mod identity;
mod input;
pub mod metadata;
mod response;
mod service_provider;
mod settings;
pub(crate) mod xml;

pub use algorithms::{DigestAlgorithm, SignatureAlgorithm};
pub use authn_request::{AUTO_SUBMIT_SCRIPT, AuthnRequest, MAX_RELAY_STATE_BYTES, SIG_ALG_RSA_SHA256, escape_html};
pub use certificate::{Certificate, DEFAULT_MIN_RSA_KEY_BITS, KeyKind, MIN_RSA_KEY_BITS_RANGE};
pub use error::SamlError;
pub use identity::Identity;
pub use metadata::IdpMetadata;
pub use service_provider::ServiceProvider;
pub use settings::{
    AttributeMap, Attributes, DEFAULT_CLOCK_SKEW_SECONDS, DEFAULT_MAX_RESPONSE_BYTES, MAX_CLOCK_SKEW_SECONDS,
    MAX_RESPONSE_BYTES_LIMIT, SamlSettings, UserLookup,
};
pub use xml::XmlLimits;
