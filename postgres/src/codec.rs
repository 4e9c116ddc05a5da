//! Record fields as SQL values and back: times, versions and SCIM documents, the same way
//! for every table that holds them (users, groups).

use serde_json::{Map, Value};
use sso_scim_core::{StoreError, StoreErrorKind};
use time::OffsetDateTime;
use tokio_postgres::Row;

use crate::errors::{corrupt, failed};

/// Milliseconds since the Unix epoch (floored: sub-millisecond digits are dropped; the SCIM
/// handler never stamps any).
pub(crate) fn to_ms(t: OffsetDateTime) -> i64 {
    // The time crate's range (±9999 years) is far inside i64 milliseconds.
    i64::try_from(t.unix_timestamp_nanos().div_euclid(1_000_000)).unwrap_or(i64::MAX)
}

/// The instant `ms` milliseconds after the Unix epoch, if the time crate can represent it.
pub(crate) fn from_ms(ms: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
}

/// Column `idx` of `row` as `T`, a mismatch reported as a failure naming the column.
pub(crate) fn column<'a, T: tokio_postgres::types::FromSql<'a>>(row: &'a Row, idx: usize) -> Result<T, StoreError> {
    row.try_get(idx).map_err(|e| failed(&format!("cannot read column {idx}"), e))
}

/// A time stored as milliseconds.
pub(crate) fn time_at(row: &Row, idx: usize) -> Result<OffsetDateTime, StoreError> {
    let ms: i64 = column(row, idx)?;
    from_ms(ms).ok_or_else(|| corrupt(format!("{ms} ms is not a representable time")))
}

/// A version, never negative (the table's CHECK says so too).
pub(crate) fn version_at(row: &Row, idx: usize) -> Result<u64, StoreError> {
    let version: i64 = column(row, idx)?;
    u64::try_from(version).map_err(|_| corrupt(format!("negative version {version}")))
}

/// A SCIM document stored as JSON text.
pub(crate) fn resource_at(row: &Row, idx: usize) -> Result<Map<String, Value>, StoreError> {
    let text: &str = column(row, idx)?;
    serde_json::from_str(text).map_err(|e| corrupt(format!("a stored resource is not a JSON object: {e}")))
}

/// The column values of a record that are not plain strings, converted for SQL.
pub(crate) struct Encoded {
    pub(crate) version: i64,
    pub(crate) resource: String,
}

/// Convert before any connection is taken, so a record that cannot be stored costs nothing.
pub(crate) fn encode(version: u64, resource: &Map<String, Value>) -> Result<Encoded, StoreError> {
    let version = i64::try_from(version).map_err(|_| {
        StoreError::new(StoreErrorKind::Failed, format!("version {version} does not fit in PostgreSQL's BIGINT"))
    })?;
    let resource = serde_json::to_string(resource)
        .map_err(|e| StoreError::new(StoreErrorKind::Failed, format!("cannot serialise the SCIM document: {e}")))?;
    Ok(Encoded { version, resource })
}

/// A page size or offset as SQL's LIMIT/OFFSET take it (`usize::MAX` means "all").
pub(crate) fn to_sql_count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Refuse text PostgreSQL cannot store: its `text` type has no NUL character. The SCIM handler
/// already refuses NUL in the attributes that name a resource; other values reach here only from
/// a host's own code or a free-text attribute, and get a clear failure instead of a driver error.
pub(crate) fn check_text<'a>(field: &str, values: impl IntoIterator<Item = Option<&'a str>>) -> Result<(), StoreError> {
    if values.into_iter().flatten().any(|v| v.contains('\0')) {
        return Err(StoreError::new(
            StoreErrorKind::Failed,
            format!("{field} contains a NUL character, which PostgreSQL text cannot hold"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milliseconds_floor_and_come_back() {
        let t = OffsetDateTime::from_unix_timestamp_nanos(-1_500_000).unwrap();
        assert_eq!(to_ms(t), -2, "floored, not truncated toward zero");
        assert_eq!(from_ms(to_ms(OffsetDateTime::UNIX_EPOCH)), Some(OffsetDateTime::UNIX_EPOCH));
        assert_eq!(from_ms(i64::MAX), None);
    }

    #[test]
    fn versions_beyond_bigint_and_nul_characters_are_refused() {
        assert!(encode(i64::MAX as u64, &Map::new()).is_ok());
        assert_eq!(encode(u64::MAX, &Map::new()).err().map(|e| e.kind()), Some(StoreErrorKind::Failed));
        assert!(check_text("userName", [Some("a"), None]).is_ok());
        let err = check_text("name.givenName", [Some("ok"), Some("a\0b")]).unwrap_err();
        assert!(err.message().contains("name.givenName"), "{}", err.message());
    }
}
