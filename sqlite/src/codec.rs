//! Record fields as SQL values and back: times, versions and SCIM documents, the same way
//! for every table that holds them (users, groups).

use rusqlite::Row;
use rusqlite::types::Type;
use serde_json::{Map, Value};
use sso_scim_core::{StoreError, StoreErrorKind};
use time::OffsetDateTime;

/// Milliseconds since the Unix epoch (floored: sub-millisecond digits are dropped; the SCIM
/// handler never stamps any).
pub(crate) fn to_ms(t: OffsetDateTime) -> i64 {
    // The time crate's range (±9999 years) is far inside i64 milliseconds.
    i64::try_from(t.unix_timestamp_nanos().div_euclid(1_000_000)).unwrap_or(i64::MAX)
}

pub(crate) fn from_ms(ms: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
}

/// A column value this crate cannot have written, reported through rusqlite so the row
/// mapper's caller names the column.
pub(crate) fn conversion(column: usize, ty: Type, message: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, ty, message.into())
}

pub(crate) fn time_at(row: &Row<'_>, column: usize) -> rusqlite::Result<OffsetDateTime> {
    let ms: i64 = row.get(column)?;
    from_ms(ms).ok_or_else(|| conversion(column, Type::Integer, format!("{ms} ms is not a representable time")))
}

pub(crate) fn version_at(row: &Row<'_>, column: usize) -> rusqlite::Result<u64> {
    let version: i64 = row.get(column)?;
    u64::try_from(version).map_err(|_| conversion(column, Type::Integer, format!("negative version {version}")))
}

/// A SCIM document stored as JSON text.
pub(crate) fn resource_at(row: &Row<'_>, column: usize) -> rusqlite::Result<Map<String, Value>> {
    let text: String = row.get(column)?;
    serde_json::from_str(&text).map_err(|e| conversion(column, Type::Text, format!("resource: {e}")))
}

/// The column values of a record that are not plain strings, converted for SQL.
pub(crate) struct Encoded {
    pub(crate) version: i64,
    pub(crate) resource: String,
}

/// Convert before the write transaction starts, so a record that cannot be stored never
/// holds the writer.
pub(crate) fn encode(version: u64, resource: &Map<String, Value>) -> Result<Encoded, StoreError> {
    let version = i64::try_from(version).map_err(|_| {
        StoreError::new(StoreErrorKind::Failed, format!("version {version} does not fit in SQLite's INTEGER"))
    })?;
    let resource = serde_json::to_string(resource)
        .map_err(|e| StoreError::new(StoreErrorKind::Failed, format!("cannot serialise the SCIM document: {e}")))?;
    Ok(Encoded { version, resource })
}

/// A page size or offset as SQL's LIMIT/OFFSET take it (`usize::MAX` means "all").
pub(crate) fn to_sql_count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
