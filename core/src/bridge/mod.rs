//! What every language binding shares: the host store spoken to in JSON, and the JSON forms
//! of everything the core hands back.
//!
//! A binding (C, Python, Node) holds a host object whose methods persist users. Instead of
//! each binding converting records, queries and replies its own way, the binding implements
//! [`HostStore`] — "call the host's method `m` with these JSON arguments, give me its JSON
//! answer" — and [`ForeignDirectory`] turns that into a [`Directory`](crate::Directory): it
//! renders the arguments, checks every answer against the trait's contract and maps the
//! errors a host signals. The wire form of every argument and answer is the serde form of the
//! core's types (snake_case keys, RFC 3339 instants), with keys in camelCase for hosts that
//! ask for it ([`KeyCase`]). The protocol is documented method by method on [`StoreMethod`].
//!
//! A host with an event loop can run requests on its own thread instead of a runtime: see
//! [`Driven`] (store calls handed out as steps, answered by the host, no thread hop; the one
//! loop every binding runs is [`Driven::drive`]).
//!
//! [`json`] holds the JSON forms of outputs (identity, login decision, AuthnRequest, IdP
//! metadata) and [`select_users`]/[`select_groups`] let a simple host store answer a query by
//! handing over its records; [`filter_to_sql`] lets a host on its own SQL schema answer it in
//! SQL.

mod case;
mod drive;
mod error;
mod foreign;
pub mod json;
mod method;
mod query;
mod quiet;
mod sql;

pub use case::KeyCase;
pub use drive::{Driven, PendingCall, Perform, Performed, Progress, Relay, Stalled, Step};
pub use error::BridgeError;
pub use foreign::{ForeignDirectory, HostStore};
pub use method::StoreMethod;
pub use query::{query_to_wire, select_groups, select_users};
pub use quiet::catch_quietly;
pub use sql::filter_to_sql;

/// The message of a panic caught at a binding's boundary (it never unwinds into the host):
/// the same words in every binding, with the panic's own text.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown cause".to_owned());
    format!("internal error (a bug in sso-scim, please report it): {what}")
}

#[cfg(test)]
mod tests;
