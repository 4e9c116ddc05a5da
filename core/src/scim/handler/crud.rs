//! What Users and Groups share: reading a visible resource, rendering it with its `ETag`,
//! conditional requests, the optimistic read-modify-write loop, and the size cap on what is
//! stored.

use std::io;

use serde_json::{Map, Value};

use super::stored::Stored;
use super::{ScimHandler, respond};
use crate::directory::Directory;
use crate::error::{ErrorCode, StoreErrorKind};
use crate::model::Workspace;
use crate::scim::error::ScimError;
use crate::scim::http::{ScimRequest, ScimResponse};
use crate::scim::resource::{Projection, Rendered, location};

/// How often a read-modify-write is retried when a concurrent writer wins.
pub(super) const MAX_ATTEMPTS: usize = 4;

pub(super) fn not_found<R: Stored>(id: &str) -> ScimError {
    ScimError::new(ErrorCode::NotFound, format!("no {} with id \"{id}\"", R::TYPE.name.to_lowercase()))
}

pub(super) fn taken<R: Stored>(text: &str) -> ScimError {
    ScimError::new(ErrorCode::Uniqueness, format!("{} \"{text}\" is already taken", R::TYPE.key_attribute))
}

/// Whether an `If-Match` / `If-None-Match` list names `etag` (weak comparison, `*` = any).
pub(super) fn etag_listed(header: &str, etag: &str) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    header.split(',').any(|t| t.trim() == "*" || opaque(t) == opaque(etag))
}

pub(super) fn precondition<R: Stored>(current: &R) -> ScimError {
    ScimError::new(
        ErrorCode::PreconditionFailed,
        format!(
            "the {} has changed: its version is now {}; read it again",
            R::TYPE.name.to_lowercase(),
            current.etag()
        ),
    )
}

pub(super) fn concurrent() -> ScimError {
    ScimError::new(
        ErrorCode::Conflict,
        format!("the resource changed concurrently {MAX_ATTEMPTS} times; retry the request"),
    )
}

/// The version after `r`'s; a store that hands out `u64::MAX` breaks the contract.
pub(super) fn next_version<R: Stored>(r: &R) -> Result<u64, ScimError> {
    r.version()
        .checked_add(1)
        .ok_or_else(|| ScimError::contract_violated("the directory store returned an exhausted version number"))
}

/// An `io::Write` that keeps only the number of bytes written: sizes a document's JSON
/// without building it.
struct ByteCounter(usize);

impl io::Write for ByteCounter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 = self.0.saturating_add(buf.len());
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The length of `doc`'s compact JSON serialisation.
pub(super) fn document_bytes(doc: &Map<String, Value>) -> usize {
    let mut counter = ByteCounter(0);
    match serde_json::to_writer(&mut counter, doc) {
        Ok(()) => counter.0,
        // Unreachable (a JSON map always serialises, and the counter never fails), but if it
        // were reached the document could not be sized: treat it as too large.
        Err(_) => usize::MAX,
    }
}

/// The store must answer the record it was asked to write — same id, the version written —
/// or versions could go backwards (an `ETag` that names an older state).
pub(super) fn check_written<R: Stored>(saved: &R, id: &str, version: u64) -> Result<(), ScimError> {
    if saved.id() != id || saved.version() != version {
        return Err(ScimError::contract_violated(&format!(
            "the directory store answered id \"{}\" version {} for a write of id \"{id}\" version {version}",
            saved.id(),
            saved.version()
        )));
    }
    Ok(())
}

/// A fresh random UUID for a new resource.
pub(super) fn new_id() -> String {
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes).expect("the system random number generator failed");
    uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
}

impl<D: Directory> ScimHandler<D> {
    /// Refuse to store `r` when its document is larger than `limits.max_resource_bytes`
    /// (413 `payload_too_large`). Every write that changes a document passes here once per
    /// attempt, Users and Groups alike, so no resource grows past the cap one PATCH at a time.
    pub(super) fn fits<R: Stored>(&self, r: &R) -> Result<(), ScimError> {
        let limit = self.config.limits.max_resource_bytes;
        let size = document_bytes(r.document());
        if size <= limit {
            return Ok(());
        }
        Err(ScimError::new(
            ErrorCode::PayloadTooLarge,
            format!(
                "the resulting {} is {size} bytes; limits.max_resource_bytes is {limit}",
                R::TYPE.name.to_lowercase()
            ),
        ))
    }

    /// A resource SCIM can see, or 404.
    pub(super) async fn visible<R: Stored>(&self, ws: &Workspace, id: &str) -> Result<R, ScimError> {
        let found = R::fetch(&self.directory, &ws.id, id).await.map_err(ScimError::store)?;
        let Some(r) = found else { return Err(not_found::<R>(id)) };
        self.owns(ws, r.workspace_id())?;
        if r.id() != id {
            return Err(ScimError::contract_violated("the directory store returned another resource"));
        }
        if !r.visible() {
            return Err(not_found::<R>(id));
        }
        Ok(r)
    }

    /// The rendered, projected resource with its `ETag` (and `Location` on 201).
    pub(super) fn representation<'a, R: Stored>(&self, r: &'a R, rendered: Rendered<'a>, status: u16) -> ScimResponse {
        let mut headers = vec![("ETag".to_owned(), r.etag())];
        if status == 201 {
            headers.push(("Location".to_owned(), location(R::TYPE, self.config.base(), r.id())));
        }
        respond::serialized(status, rendered.to_vec(), headers)
    }

    /// `GET /{Type}/{id}`, with `If-None-Match`.
    pub(super) async fn get_one<R: Stored>(
        &self,
        ws: &Workspace,
        id: &str,
        req: &ScimRequest,
        render: impl for<'a> Fn(&'a R, &'a str, &Projection) -> Rendered<'a>,
    ) -> Result<ScimResponse, ScimError> {
        let projection = self.projection(R::TYPE, req)?;
        let r = self.visible::<R>(ws, id).await?;
        if req.header("If-None-Match").is_some_and(|h| etag_listed(h, &r.etag())) {
            return Ok(respond::empty(304, vec![("ETag".to_owned(), r.etag())]));
        }
        Ok(self.representation(&r, render(&r, self.config.base(), &projection), 200))
    }

    /// Read-modify-write with optimistic concurrency: re-read and re-apply when a concurrent
    /// writer wins, unless the client pinned a version with `If-Match` (then 412). An
    /// unchanged result writes nothing, so `version` and `lastModified` stay.
    pub(super) async fn modify<R: Stored>(
        &self,
        ws: &Workspace,
        id: &str,
        req: &ScimRequest,
        change: impl Fn(&R) -> Result<R, ScimError>,
    ) -> Result<R, ScimError> {
        let if_match = req.header("If-Match");
        for _ in 0..MAX_ATTEMPTS {
            let current = self.visible::<R>(ws, id).await?;
            if let Some(h) = if_match
                && !etag_listed(h, &current.etag())
            {
                return Err(precondition(&current));
            }
            let mut next = change(&current)?;
            next.sync();
            if next.same_content(&current) {
                return Ok(current);
            }
            // Only a changed document is measured: a DELETE or an `active` change of a user
            // stored before the cap was lowered stays possible.
            if next.document() != current.document() {
                self.fits(&next)?;
            }
            let key = next.key();
            if key != current.key()
                && let Some(holder) = R::find(&self.directory, &ws.id, &key).await.map_err(ScimError::store)?
                && holder.id() != current.id()
            {
                self.owns(ws, holder.workspace_id())?;
                return Err(self.taken_by(&next, &holder));
            }
            next.stamp(next_version(&current)?, self.now());
            match R::update(&self.directory, &next, current.version()).await {
                Ok(saved) => {
                    self.owns(ws, saved.workspace_id())?;
                    check_written(&saved, next.id(), next.version())?;
                    return Ok(saved);
                }
                Err(e) => match e.kind() {
                    StoreErrorKind::VersionMismatch if if_match.is_some() => return Err(precondition(&current)),
                    StoreErrorKind::VersionMismatch => continue,
                    StoreErrorKind::NotFound => return Err(not_found::<R>(id)),
                    StoreErrorKind::Conflict => return Err(taken::<R>(next.key_text())),
                    _ => return Err(ScimError::store(e)),
                },
            }
        }
        Err(concurrent())
    }

    /// The uniqueness error when `holder` already has `wanted`'s key.
    pub(super) fn taken_by<R: Stored>(&self, wanted: &R, holder: &R) -> ScimError {
        if holder.visible() {
            taken::<R>(wanted.key_text())
        } else {
            ScimError::new(
                ErrorCode::Uniqueness,
                format!(
                    "{} \"{}\" belongs to a deleted {}; POST it to restore that {}",
                    R::TYPE.key_attribute,
                    wanted.key_text(),
                    R::TYPE.name.to_lowercase(),
                    R::TYPE.name.to_lowercase()
                ),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn document_bytes_is_the_compact_json_length() {
        for doc in [json!({}), json!({"userName": "josé@例え.jp", "title": "a\"b\\c\n", "emails": [{"value": "x"}]})]
        {
            let Value::Object(map) = doc else { unreachable!() };
            assert_eq!(document_bytes(&map), serde_json::to_vec(&map).unwrap().len());
        }
    }
}
