//! `sso_scim._native`: the Python binding of sso-scim (import it as `sso_scim`).
//!
//! Conversion and host-callback glue only: every protocol decision is the core's. Host
//! records, queries, settings, identities and decisions cross as snake_case dicts (the
//! bridge's JSON wire form, [`KeyCase::Snake`]); the host store is any object with the
//! methods of `sso_scim.Store`, plain or `async def`.

use pyo3::prelude::*;
use sso_scim_core::bridge::{
    KeyCase, filter_to_sql as core_filter_to_sql, select_groups as core_select_groups,
    select_users as core_select_users,
};
use sso_scim_core::token::{self, ScimToken};
use sso_scim_core::{ErrorCode, display_name_key as core_display_name_key, user_name_key as core_user_name_key};

mod awaitable;
mod convert;
mod errors;
mod handler;
mod host;
mod outcome;
mod saml;

use convert::{argument, to_py};
use errors::{bridge_error, guarded};

/// The version of this package (and of the core it wraps).
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// A new SCIM bearer token: `{"token": …, "hash": …}`. Show the token to the admin once;
/// store only the hash (64 lower-case hex digits), which `workspace_for_token` receives.
#[pyfunction]
fn generate_token(py: Python<'_>) -> PyResult<Py<PyAny>> {
    guarded(py, || {
        let t = ScimToken::generate();
        let value = serde_json::json!({"token": t.as_str(), "hash": t.hash().to_hex()});
        Ok(to_py(py, &value)?.unbind())
    })
}

/// The hash a store keeps for a token (SHA-256, lower-case hex).
#[pyfunction]
fn hash_token(py: Python<'_>, text: &str) -> PyResult<String> {
    guarded(py, || Ok(token::hash_token(text).to_hex()))
}

/// Whether `text` has the shape of a token this library generates.
#[pyfunction]
fn is_well_formed_token(py: Python<'_>, text: &str) -> PyResult<bool> {
    guarded(py, || Ok(token::is_well_formed(text)))
}

/// The key a store indexes userName under (what `find_by_user_name` receives).
#[pyfunction]
fn user_name_key(py: Python<'_>, user_name: &str) -> PyResult<String> {
    guarded(py, || Ok(core_user_name_key(user_name)))
}

/// The key a store indexes a group's displayName under.
#[pyfunction]
fn display_name_key(py: Python<'_>, display_name: &str) -> PyResult<String> {
    guarded(py, || Ok(core_display_name_key(display_name)))
}

/// Answer `query_users` from every user a simple store keeps for the workspace: filtered,
/// sorted and paged as the core's own in-memory store does (deprovisioned users left out).
#[pyfunction]
fn select_users(py: Python<'_>, query: &Bound<'_, PyAny>, users: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    guarded(py, || {
        let (query, records) = select_args(query, users, "users")?;
        let page = core_select_users(KeyCase::Snake, query, records).map_err(|e| bridge_error(py, &e))?;
        Ok(to_py(py, &page)?.unbind())
    })
}

/// `select_users` for `query_groups`.
#[pyfunction]
fn select_groups(py: Python<'_>, query: &Bound<'_, PyAny>, groups: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    guarded(py, || {
        let (query, records) = select_args(query, groups, "groups")?;
        let page = core_select_groups(KeyCase::Snake, query, records).map_err(|e| bridge_error(py, &e))?;
        Ok(to_py(py, &page)?.unbind())
    })
}

/// Translate the filter and sort of a query ``query_users`` / ``query_groups`` received into
/// SQL over the host's own columns (``where``, ``params``, ``order``), saying whether it is
/// exact; when it is not, the rows it selects go through ``select_users`` / ``select_groups``.
#[pyfunction]
fn filter_to_sql(py: Python<'_>, query: &Bound<'_, PyAny>, options: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    guarded(py, || {
        let (query, options) = (argument(query, "query")?, argument(options, "options")?);
        let translation = core_filter_to_sql(query, options).map_err(|e| bridge_error(py, &e))?;
        Ok(to_py(py, &translation)?.unbind())
    })
}

fn select_args(
    query: &Bound<'_, PyAny>,
    records: &Bound<'_, PyAny>,
    name: &str,
) -> PyResult<(serde_json::Value, Vec<serde_json::Value>)> {
    let query = argument(query, "query")?;
    let mut list = Vec::new();
    for item in records.try_iter()? {
        list.push(argument(&item?, name)?);
    }
    Ok((query, list))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(version, m)?)?;
    m.add_function(wrap_pyfunction!(generate_token, m)?)?;
    m.add_function(wrap_pyfunction!(hash_token, m)?)?;
    m.add_function(wrap_pyfunction!(is_well_formed_token, m)?)?;
    m.add_function(wrap_pyfunction!(user_name_key, m)?)?;
    m.add_function(wrap_pyfunction!(display_name_key, m)?)?;
    m.add_function(wrap_pyfunction!(select_users, m)?)?;
    m.add_function(wrap_pyfunction!(select_groups, m)?)?;
    m.add_function(wrap_pyfunction!(filter_to_sql, m)?)?;
    m.add_function(wrap_pyfunction!(saml::sp_metadata, m)?)?;
    m.add_function(wrap_pyfunction!(saml::import_metadata, m)?)?;
    m.add_class::<handler::Handler>()?;
    m.add_class::<awaitable::AsyncCall>()?;
    m.add_class::<handler::ScimRequest>()?;
    m.add_class::<outcome::ScimResponse>()?;
    m.add_class::<saml::ServiceProvider>()?;
    let codes: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    m.add("ERROR_CODES", pyo3::types::PyTuple::new(m.py(), codes)?)?;
    let families = pyo3::types::PyDict::new(m.py());
    for code in ErrorCode::ALL {
        families.set_item(code.as_str(), errors::family(*code))?;
    }
    m.add("ERROR_FAMILIES", families)?;
    // Test-only hooks (debug builds, which `make test-python` installs; not in release wheels).
    #[cfg(debug_assertions)]
    {
        m.add_function(wrap_pyfunction!(host::test_hook::_debug_panic_in_store_calls, m)?)?;
        m.add_function(wrap_pyfunction!(host::test_hook::_debug_panic, m)?)?;
    }
    Ok(())
}
