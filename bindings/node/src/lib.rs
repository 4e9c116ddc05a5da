//! # sso-scim for Node.js
//!
//! The napi-rs 3 addon over `sso-scim-core`: a SCIM 2.0 handler over a host `Directory` object
//! (plain or `async` methods), SAML 2.0 service providers, the login decision and the SCIM
//! token helpers. This crate is conversion and host-callback glue only: every protocol rule
//! lives in the core, and the host store is spoken to through the core's JSON bridge
//! (`bridge::ForeignDirectory` with camelCase keys).
//!
//! Threading: SCIM requests and login decisions are driven on the JS thread
//! (`bridge::Driven`): the core's work runs there in slices between store calls, and each store
//! method is called directly, its Promise (if it returns one) awaited on the event loop, so a
//! synchronous store is as welcome as an asynchronous one and no thread is woken per request.
//! SAML validation, the one piece of heavy CPU work, runs on libuv's thread pool.

mod convert;
mod drive;
mod error;
mod handler;
mod offload;
mod saml;
mod settings;
mod store;
#[cfg(all(debug_assertions, not(test)))]
mod testing;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use sso_scim_core::bridge::{self, KeyCase};
use sso_scim_core::token;

pub use handler::Handler;
pub use saml::{ServiceProvider, import_metadata, sp_metadata};

/// The version of this package (and of the core it was built with).
#[napi(catch_unwind)]
pub fn version(env: &Env) -> Result<String> {
    error::guard(env, || Ok(env!("CARGO_PKG_VERSION").to_owned()))
}

/// Every stable error code, in the core's order (the `ErrorCode` type lists the same).
#[napi(catch_unwind, ts_return_type = "ErrorCode[]")]
pub fn error_codes(env: &Env) -> Result<Vec<&'static str>> {
    error::guard(env, || Ok(sso_scim_core::ErrorCode::ALL.iter().map(|c| c.as_str()).collect()))
}

/// A new SCIM bearer token and the SHA-256 hash to store in its place.
#[napi(object)]
pub struct GeneratedToken {
    /// The secret: show it to the admin once, never store it.
    pub token: String,
    /// 64 lower-case hex digits: what the store keeps and `workspaceForToken` receives.
    pub hash: String,
}

/// Generate a SCIM bearer token (`ssoscim_…`, 256 random bits) with its hash.
#[napi(catch_unwind)]
pub fn generate_token(env: &Env) -> Result<GeneratedToken> {
    error::guard(env, || {
        let secret = token::ScimToken::generate();
        Ok(GeneratedToken { hash: secret.hash().to_hex(), token: secret.as_str().to_owned() })
    })
}

/// The hash a store keeps for a presented token (what `workspaceForToken` is asked about).
#[napi(catch_unwind)]
pub fn hash_token(env: &Env, text: String) -> Result<String> {
    error::guard(env, || Ok(token::hash_token(&text).to_hex()))
}

/// Whether `text` has the shape of a token this library generates.
#[napi(catch_unwind)]
pub fn is_well_formed_token(env: &Env, text: String) -> Result<bool> {
    error::guard(env, || Ok(token::is_well_formed(&text)))
}

/// The key a store indexes `userName` under (`findByUserName` receives it): Unicode lower case.
#[napi(catch_unwind)]
pub fn user_name_key(env: &Env, user_name: String) -> Result<String> {
    error::guard(env, || Ok(sso_scim_core::user_name_key(&user_name)))
}

/// The key a store indexes a group's `displayName` under (`findGroupByDisplayName`).
#[napi(catch_unwind)]
pub fn display_name_key(env: &Env, display_name: String) -> Result<String> {
    error::guard(env, || Ok(sso_scim_core::display_name_key(&display_name)))
}

/// Answer `queryUsers` from every user a simple store keeps for the workspace: filter, sort
/// and page exactly as the core's own in-memory directory does (deprovisioned users left
/// out). Synchronous, so a synchronous store stays synchronous.
#[napi(catch_unwind, ts_args_type = "query: StoreQuery, users: UserRecord[]", ts_return_type = "UserPage")]
pub fn select_users<'e>(env: &'e Env, query: Unknown, users: Unknown) -> Result<Unknown<'e>> {
    error::guard(env, || select(env, query, users, bridge::select_users))
}

/// `selectUsers` for `queryGroups`.
#[napi(catch_unwind, ts_args_type = "query: StoreQuery, groups: GroupRecord[]", ts_return_type = "GroupPage")]
pub fn select_groups<'e>(env: &'e Env, query: Unknown, groups: Unknown) -> Result<Unknown<'e>> {
    error::guard(env, || select(env, query, groups, bridge::select_groups))
}

/// Translate the filter and sort of a query `queryUsers` / `queryGroups` received into SQL over
/// the host's own columns (`where`, `params`, `order`), saying whether it is exact; when it is
/// not, the rows it selects go through `selectUsers` / `selectGroups`.
#[napi(catch_unwind, ts_args_type = "query: StoreQuery, options: SqlOptions", ts_return_type = "SqlTranslation")]
pub fn filter_to_sql<'e>(env: &'e Env, query: Unknown, options: Unknown) -> Result<Unknown<'e>> {
    error::guard(env, || {
        let argument = sso_scim_core::ErrorCode::InvalidArgument;
        let query = convert::to_json(env, query).map_err(|r| r.within("query").into_error(env, argument))?;
        let options = convert::to_json(env, options).map_err(|r| r.within("options").into_error(env, argument))?;
        let translation = bridge::filter_to_sql(query, options).map_err(|e| error::bridge(env, &e))?;
        convert::from_json(env, &translation)
    })
}

type Select = fn(
    KeyCase,
    serde_json::Value,
    Vec<serde_json::Value>,
) -> std::result::Result<serde_json::Value, bridge::BridgeError>;

fn select<'e>(env: &'e Env, query: Unknown, records: Unknown, run: Select) -> Result<Unknown<'e>> {
    let argument = sso_scim_core::ErrorCode::InvalidArgument;
    let query = convert::to_json(env, query).map_err(|r| r.within("query").into_error(env, argument))?;
    let records = match convert::to_json(env, records) {
        Ok(serde_json::Value::Array(items)) => items,
        Ok(_) => return Err(error::argument(env, "records are an array")),
        Err(r) => return Err(r.within("records").into_error(env, argument)),
    };
    let page = run(KeyCase::Camel, query, records).map_err(|e| error::bridge(env, &e))?;
    convert::from_json(env, &page)
}

/// mimalloc for the addon's own allocations: a request allocates many small JSON values, where
/// glibc's allocator showed as a large cost in profiles.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
