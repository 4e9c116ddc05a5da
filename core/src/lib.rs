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

//! ## The public interface
//!
//! Modules are private unless they are a namespace a host works in; everything public is
//! listed here (the layers and the request's path through them: `docs/ARCHITECTURE.md`).
//!
//! - **Storage** — what the host implements and what it is asked: [`Directory`], the pages
//!   and query it answers ([`ListQuery`], [`UserPage`], [`GroupPage`], [`TokenGrant`]), the
//!   records ([`Workspace`], [`UserRecord`], [`UserState`], [`GroupRecord`],
//!   [`user_name_key`], [`display_name_key`], [`DEFAULT_ROLE`]), the parsed filters and sorts
//!   in [`query`], and [`MemoryDirectory`] for tests and the simplest hosts.
//! - **Errors** — one table of stable codes: [`ErrorCode`] (with its [`ErrorFamily`]),
//!   [`CodedError`] for refused SAML messages and binding calls, [`StoreError`] /
//!   [`StoreErrorKind`] for what a store signals.
//! - **SCIM** — [`scim`]: [`ScimHandler`](scim::ScimHandler) over a [`Directory`], its
//!   [`ScimConfig`](scim::ScimConfig), the HTTP-shaped [`ScimRequest`](scim::ScimRequest) and
//!   [`ScimResponse`](scim::ScimResponse).
//! - **SAML** — [`saml`]: [`ServiceProvider`](saml::ServiceProvider) from
//!   [`SamlSettings`](saml::SamlSettings), validated [`Identity`](saml::Identity), metadata in
//!   and out; [`login`]: the sign-in decision over the directory.
//! - **Tokens** — [`token`]: SCIM bearer tokens, generated, hashed and checked in constant time.
//! - **Bindings** — [`bridge`]: the JSON wire form, host stores spoken to in JSON, the driving
//!   loop; what the C ABI, the Node addon and the Python module are built on.
//! - [`executor::now_or_never`] runs a core future over a synchronous store.
//!
//! `internal` (hidden from the documentation) gives the fuzz targets, benchmarks and tests the
//! parsers they drive directly. It carries no stability promise.

mod directory;
mod error;
mod json;
mod model;
mod schema;

pub mod bridge;
pub mod executor;
#[doc(hidden)]
pub mod internal;
pub mod login;
pub mod query;
pub mod saml;
pub mod scim;
pub mod token;

pub use directory::{Directory, GroupPage, ListQuery, MemoryDirectory, TokenGrant, UserPage};
pub use error::{CodedError, ErrorCode, ErrorFamily, StoreError, StoreErrorKind};
pub use model::{DEFAULT_ROLE, GroupRecord, UserRecord, UserState, Workspace, display_name_key, user_name_key};

/// The README's examples, compiled and run as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeExamples;
