//! # sso-scim-core
//!
//! The storage-agnostic core of sso-scim: a SCIM 2.0 service provider for provisioning users
//! from Microsoft Entra ID, Okta, OneLogin and any RFC 7643/7644 client ([`scim`]), and the SAML
//! 2.0 sign-in side: response validation, metadata and the login decision ([`saml`], [`login`]).
//!
//! The core never stores anything itself. The host implements one trait, [`Directory`], and
//! hands the core an HTTP-shaped request; the core answers an HTTP-shaped response. Everything
//! async in here only awaits the host's store calls, so with a synchronous store every future
//! completes on its first poll (see [`executor::now_or_never`]).
//!
//! ```
//! use sso_scim_core::{executor::now_or_never, token, MemoryDirectory, Workspace};
//! use sso_scim_core::scim::{ScimConfig, ScimHandler, ScimRequest};
//!
//! let dir = MemoryDirectory::new();
//! dir.add_workspace(Workspace::new("ws-1", "Acme"));
//! let secret = token::ScimToken::generate();
//! dir.add_token("ws-1", secret.hash());
//!
//! let handler = ScimHandler::new(dir, ScimConfig::default()).expect("default settings are valid");
//! let request = ScimRequest::new("GET", "/Users")
//!     .with_query("filter=userName%20eq%20%22nobody%40example.com%22")
//!     .with_header("Authorization", &format!("Bearer {}", secret.as_str()));
//! let response = now_or_never(handler.handle(request)).expect("memory store never waits");
//! assert_eq!(response.status, 200);
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod bridge;
pub mod directory;
pub mod error;
pub mod executor;
pub mod json;
pub mod login;
pub mod model;
pub mod query;
pub mod saml;
pub mod schema;
pub mod scim;
pub mod token;

pub use directory::{Directory, GroupPage, ListQuery, MemoryDirectory, UserPage};
pub use error::{CodedError, ErrorCode, ErrorFamily, StoreError, StoreErrorKind};
pub use model::{GroupRecord, UserRecord, UserState, Workspace, display_name_key, user_name_key};
