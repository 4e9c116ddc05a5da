//! The SCIM 2.0 service provider (RFC 7643 / RFC 7644) for Users and Groups.
//!
//! [`ScimHandler::handle`] takes an HTTP-shaped [`ScimRequest`] and returns a [`ScimResponse`];
//! the host's web framework only forwards bytes. Behaviour toward real clients is chosen by
//! [`config::Profile`]: the default profile accepts what Entra ID, Okta and OneLogin actually
//! send, `strict` follows the RFC to the letter.

// No production function here passes 80 lines (the bound is in the repository's clippy.toml).
#![warn(clippy::too_many_lines)]

mod config;
mod discovery;
mod error;
pub(crate) mod filter;
mod handler;
mod http;
mod patch;
mod resource;

pub use config::{ConfigError, Limits, PatchResponse, Profile, ScimConfig};
pub use error::{ScimError, ScimType};
pub use handler::{Clock, ScimHandler};
pub use http::{SCIM_MEDIA_TYPE, ScimRequest, ScimResponse};
