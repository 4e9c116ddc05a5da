//! SAML 2.0 service provider: pure and synchronous (no store, no clock: `now` is always an
//! argument).

// No production function here passes 80 lines (the bound is in the repository's clippy.toml):
// validation is a pipeline of short named stages, each tested alone.
#![warn(clippy::too_many_lines)]

pub mod algorithms;
pub mod authn_request;
pub mod certificate;
pub mod datetime;
mod dsig;
mod encrypted;
pub mod error;
pub mod identity;
mod input;
pub mod metadata;
mod response;
mod service_provider;
pub mod settings;
pub mod xml;

pub use authn_request::{AuthnRequest, escape_html};
pub use error::SamlError;
pub use identity::Identity;
pub use metadata::IdpMetadata;
pub use service_provider::ServiceProvider;
pub use settings::{AttributeMap, SamlSettings, UserLookup};
