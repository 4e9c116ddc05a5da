//! Mapping SQLite failures onto the core's store error kinds.

use rusqlite::ErrorCode;
use rusqlite::ffi;
use sso_scim_core::{StoreError, StoreErrorKind};

/// A generic failure that names what was being done and keeps SQLite's error as the source,
/// so the host's logs show both.
pub(crate) fn failed(context: &str, err: rusqlite::Error) -> StoreError {
    StoreError::new(StoreErrorKind::Failed, format!("{context}: {err}")).with_source(err)
}

/// Which constraint a failed statement broke, when it broke one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Constraint {
    /// A primary key or UNIQUE index.
    Unique,
    /// A foreign key (the referenced workspace does not exist).
    ForeignKey,
}

pub(crate) fn constraint(err: &rusqlite::Error) -> Option<Constraint> {
    match err {
        rusqlite::Error::SqliteFailure(e, _) if e.code == ErrorCode::ConstraintViolation => match e.extended_code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => Some(Constraint::Unique),
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => Some(Constraint::ForeignKey),
            _ => None,
        },
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
    e: rusqlite::Error,
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
