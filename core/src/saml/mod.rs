//! SAML 2.0 service provider: pure and synchronous (no store, no clock: `now` is always an
//! argument).

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
pub mod settings;
pub mod xml;

pub use authn_request::{AuthnRequest, escape_html};
pub use error::SamlError;
pub use identity::Identity;
pub use metadata::IdpMetadata;
pub use settings::{AttributeMap, SamlSettings, ServiceProvider, UserLookup};
