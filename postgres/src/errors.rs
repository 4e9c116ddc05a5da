//! Mapping PostgreSQL failures onto the core's store error kinds.

use sso_scim_core::{StoreError, StoreErrorKind};
use tokio_postgres::error::SqlState;

/// A generic failure that names what was being done and keeps the driver's error as the
/// source, so the host's logs show both.
pub(crate) fn failed(context: &str, err: tokio_postgres::Error) -> StoreError {
    // The database's own message (and detail) when it sent one: Display alone says "db error".
    let text = match err.as_db_error() {
        Some(db) => match db.detail() {
            Some(detail) => format!("{context}: {}: {detail}", db.message()),
            None => format!("{context}: {}", db.message()),
        },
        None => format!("{context}: {err}"),
    };
    StoreError::new(StoreErrorKind::Failed, text).with_source(err)
}

/// A failure to get a connection from the pool.
pub(crate) fn pool_failed(err: deadpool_postgres::PoolError) -> StoreError {
    match err {
        // The server's own reason (no such database, authentication failed, refused).
        deadpool_postgres::PoolError::Backend(e) => failed("cannot connect to PostgreSQL", e),
        other => StoreError::new(StoreErrorKind::Failed, format!("cannot get a PostgreSQL connection: {other}"))
            .with_source(other),
    }
}

/// Which constraint a failed statement broke, when it broke one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Constraint {
    /// A primary key or UNIQUE index (SQLSTATE 23505).
    Unique,
    /// A foreign key (SQLSTATE 23503): the referenced workspace does not exist.
    ForeignKey,
}

pub(crate) fn constraint(err: &tokio_postgres::Error) -> Option<Constraint> {
    match err.code() {
        Some(code) if *code == SqlState::UNIQUE_VIOLATION => Some(Constraint::Unique),
        Some(code) if *code == SqlState::FOREIGN_KEY_VIOLATION => Some(Constraint::ForeignKey),
        _ => None,
    }
}

/// The error for a write that named a workspace the database does not hold.
pub(crate) fn no_workspace(kind: StoreErrorKind, workspace_id: &str) -> StoreError {
    StoreError::new(kind, format!("no workspace {workspace_id}"))
}

/// A value read back from the database that cannot be what this crate wrote (edited by
/// hand, or written by a buggy build): reported as a failure, never guessed at.
pub(crate) fn corrupt(what: impl Into<String>) -> StoreError {
    StoreError::new(StoreErrorKind::Failed, what.into())
}

/// What a failed INSERT or UPDATE of a record means: a UNIQUE index (its name key, or its
/// id) is `taken`; a foreign key names a workspace the database does not hold.
pub(crate) fn write_error(
    e: tokio_postgres::Error,
    taken: impl FnOnce() -> StoreError,
    workspace_id: &str,
    context: &str,
) -> StoreError {
    match constraint(&e) {
        Some(Constraint::Unique) => taken(),
        Some(Constraint::ForeignKey) => no_workspace(StoreErrorKind::Failed, workspace_id),
        None => failed(context, e),
    }
}
