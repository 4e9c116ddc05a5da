//! The SCIM 2.0 service provider (RFC 7643 / RFC 7644) for Users.
//!
//! [`ScimHandler::handle`] takes an HTTP-shaped [`ScimRequest`] and returns a [`ScimResponse`];
//! the host's web framework only forwards bytes. Behaviour toward real clients is chosen by
//! [`Compatibility`]: the default profile accepts what Entra ID, Okta and OneLogin actually
//! send, `strict` follows the RFC to the letter.

pub mod filter;
pub mod path;
pub mod schema;
