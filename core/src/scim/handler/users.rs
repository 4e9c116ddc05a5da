//! `/Users` and `/Users/{id}`: create, read, replace, patch, delete — and the product
//! lifecycle behind them (DESIGN.md): `active:false` archives, `active:true` restores, DELETE
//! deprovisions (archived in the product, gone for SCIM), a later POST of the same userName
//! re-links and restores.

use super::{ScimHandler, list::ListParams, respond};
use time::OffsetDateTime;

use crate::directory::Directory;
use crate::error::{ErrorCode, StoreErrorKind};
use crate::model::{UserRecord, UserState, Workspace, user_name_key};
use crate::scim::config::PatchResponse;
use crate::scim::error::ScimError;
use crate::scim::http::{ScimRequest, ScimResponse};
use crate::scim::patch::{Working, apply, parse_patch};
use crate::scim::resource::{Normalizer, Projection, Rendered, user_location, user_name_of};

/// How often a read-modify-write is retried when a concurrent writer wins.
const MAX_ATTEMPTS: usize = 4;

fn not_found(id: &str) -> ScimError {
    ScimError::new(ErrorCode::NotFound, format!("no user with id \"{id}\""))
}

fn taken(user_name: &str, holder: &UserRecord) -> ScimError {
    let detail = if holder.state.visible_to_scim() {
        format!("userName \"{user_name}\" is already taken")
    } else {
        format!("userName \"{user_name}\" belongs to a deleted user; POST it to restore that user")
    };
    ScimError::new(ErrorCode::Uniqueness, detail)
}

fn state_for(active: bool) -> UserState {
    if active { UserState::Active } else { UserState::Archived }
}

/// Whether an `If-Match` / `If-None-Match` list names `etag` (weak comparison, `*` = any).
fn etag_listed(header: &str, etag: &str) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    header.split(',').any(|t| t.trim() == "*" || opaque(t) == opaque(etag))
}

fn new_id() -> String {
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes).expect("the system random number generator failed");
    uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
}

impl<D: Directory> ScimHandler<D> {
    fn normalizer(&self) -> Normalizer {
        Normalizer { lenient: self.config.profile.lenient() }
    }

    /// A user SCIM can see, or 404.
    async fn visible(&self, ws: &Workspace, id: &str) -> Result<UserRecord, ScimError> {
        let user = self.directory.get_user(&ws.id, id).await.map_err(ScimError::store)?;
        let Some(user) = user else { return Err(not_found(id)) };
        self.owned(ws, &user)?;
        if user.id != id {
            return Err(ScimError::new(ErrorCode::StoreContractViolated, "the directory store returned another user"));
        }
        if !user.state.visible_to_scim() {
            return Err(not_found(id));
        }
        Ok(user)
    }

    /// The rendered, projected resource with its `ETag` header.
    fn representation(&self, user: &UserRecord, projection: &Projection, status: u16) -> ScimResponse {
        let body = Rendered::new(user, self.config.base(), projection).to_vec();
        let mut headers = vec![("ETag".to_owned(), user.etag())];
        if status == 201 {
            headers.push(("Location".to_owned(), user_location(self.config.base(), &user.id)));
        }
        respond::serialized(status, body, headers)
    }

    pub(super) async fn get(&self, ws: &Workspace, id: &str, req: &ScimRequest) -> Result<ScimResponse, ScimError> {
        let projection = self.projection(req)?;
        let user = self.visible(ws, id).await?;
        if req.header("If-None-Match").is_some_and(|h| etag_listed(h, &user.etag())) {
            return Ok(respond::empty(304, vec![("ETag".to_owned(), user.etag())]));
        }
        Ok(self.representation(&user, &projection, 200))
    }

    pub(super) async fn create(&self, ws: &Workspace, req: &ScimRequest) -> Result<ScimResponse, ScimError> {
        let projection = self.projection(req)?;
        let (doc, active) = self.normalizer().user(&self.body(req)?)?;
        let user_name = user_name_of(&doc).expect("normaliser requires userName").to_owned();
        let key = user_name_key(&user_name);
        let state = state_for(active.unwrap_or(true));
        let mut fresh = UserRecord::new(&ws.id, &new_id(), &ws.default_role, state, OffsetDateTime::UNIX_EPOCH, doc);
        for _ in 0..MAX_ATTEMPTS {
            let existing = self.directory.find_by_user_name(&ws.id, &key).await.map_err(ScimError::store)?;
            let now = self.now();
            let result = match existing {
                Some(holder) => {
                    self.owned(ws, &holder)?;
                    if holder.user_name_key() != key {
                        return Err(ScimError::new(
                            ErrorCode::StoreContractViolated,
                            "the directory store returned a user with another userName",
                        ));
                    }
                    if holder.state.visible_to_scim() {
                        return Err(taken(&user_name, &holder));
                    }
                    // Re-link: the product user deleted through SCIM comes back, same id, role
                    // and history.
                    let mut next = holder.clone();
                    next.resource = fresh.resource.clone();
                    next.state = state;
                    next.version = next_version(&holder)?;
                    next.last_modified = now;
                    next.sync_from_resource();
                    self.directory.update_user(&next, holder.version).await
                }
                None => {
                    fresh.created = now;
                    fresh.last_modified = now;
                    self.directory.insert_user(&fresh).await
                }
            };
            match result {
                Ok(saved) => {
                    self.owned(ws, &saved)?;
                    return Ok(self.representation(&saved, &projection, 201));
                }
                Err(e) if matches!(e.kind(), StoreErrorKind::VersionMismatch | StoreErrorKind::NotFound) => continue,
                Err(e) if e.kind() == StoreErrorKind::Conflict => {
                    return Err(ScimError::new(
                        ErrorCode::Uniqueness,
                        format!("userName \"{user_name}\" is already taken"),
                    ));
                }
                Err(e) => return Err(ScimError::store(e)),
            }
        }
        Err(concurrent())
    }

    pub(super) async fn replace(&self, ws: &Workspace, id: &str, req: &ScimRequest) -> Result<ScimResponse, ScimError> {
        let projection = self.projection(req)?;
        let (doc, active) = self.normalizer().user(&self.body(req)?)?;
        let saved = self
            .modify(ws, id, req, |current| {
                let mut next = current.clone();
                next.resource = doc.clone();
                // An omitted `active` keeps the state: a PUT must not re-enable a disabled user.
                if let Some(active) = active {
                    next.state = state_for(active);
                }
                Ok(next)
            })
            .await?;
        Ok(self.representation(&saved, &projection, 200))
    }

    pub(super) async fn patch(&self, ws: &Workspace, id: &str, req: &ScimRequest) -> Result<ScimResponse, ScimError> {
        let params = ListParams::from_query(&req.query)?;
        let projection = params.projection(&self.config)?;
        let ops = parse_patch(&self.body(req)?, &self.config)?;
        let saved = self
            .modify(ws, id, req, |current| {
                let mut working = Working::new(&current.resource, current.state == UserState::Active);
                apply(&ops, &mut working, &self.config)?;
                let (doc, active) = working.finish()?;
                let mut next = current.clone();
                next.resource = doc;
                next.state = state_for(active);
                Ok(next)
            })
            .await?;
        let prefer = req.header("Prefer").map(str::to_ascii_lowercase);
        let minimal = match prefer.as_deref() {
            Some(p) if p.contains("return=minimal") => true,
            Some(p) if p.contains("return=representation") => false,
            _ => self.config.patch_response == PatchResponse::NoContent,
        };
        if minimal && !params.has_projection() {
            return Ok(respond::empty(204, vec![("ETag".to_owned(), saved.etag())]));
        }
        Ok(self.representation(&saved, &projection, 200))
    }

    pub(super) async fn delete(&self, ws: &Workspace, id: &str, req: &ScimRequest) -> Result<ScimResponse, ScimError> {
        self.modify(ws, id, req, |current| {
            let mut next = current.clone();
            next.state = UserState::Deprovisioned;
            Ok(next)
        })
        .await?;
        Ok(respond::empty(204, Vec::new()))
    }

    /// Read-modify-write with optimistic concurrency: re-read and re-apply when a concurrent
    /// writer wins, unless the client pinned a version with `If-Match` (then 412). An
    /// unchanged result writes nothing, so `version` and `lastModified` stay.
    async fn modify(
        &self,
        ws: &Workspace,
        id: &str,
        req: &ScimRequest,
        change: impl Fn(&UserRecord) -> Result<UserRecord, ScimError>,
    ) -> Result<UserRecord, ScimError> {
        let if_match = req.header("If-Match");
        for _ in 0..MAX_ATTEMPTS {
            let current = self.visible(ws, id).await?;
            if let Some(h) = if_match
                && !etag_listed(h, &current.etag())
            {
                return Err(precondition(&current));
            }
            let mut next = change(&current)?;
            next.sync_from_resource();
            if next.resource == current.resource && next.state == current.state {
                return Ok(current);
            }
            let key = next.user_name_key();
            if key != current.user_name_key()
                && let Some(holder) = self.directory.find_by_user_name(&ws.id, &key).await.map_err(ScimError::store)?
                && holder.id != current.id
            {
                self.owned(ws, &holder)?;
                return Err(taken(&next.user_name, &holder));
            }
            next.version = next_version(&current)?;
            next.last_modified = self.now();
            match self.directory.update_user(&next, current.version).await {
                Ok(saved) => {
                    self.owned(ws, &saved)?;
                    return Ok(saved);
                }
                Err(e) => match e.kind() {
                    StoreErrorKind::VersionMismatch if if_match.is_some() => return Err(precondition(&current)),
                    StoreErrorKind::VersionMismatch => continue,
                    StoreErrorKind::NotFound => return Err(not_found(id)),
                    StoreErrorKind::Conflict => {
                        return Err(ScimError::new(
                            ErrorCode::Uniqueness,
                            format!("userName \"{}\" is already taken", next.user_name),
                        ));
                    }
                    _ => return Err(ScimError::store(e)),
                },
            }
        }
        Err(concurrent())
    }
}

/// The version after `user`'s; a store that hands out `u64::MAX` breaks the contract.
fn next_version(user: &UserRecord) -> Result<u64, ScimError> {
    user.version.checked_add(1).ok_or_else(|| {
        ScimError::new(ErrorCode::StoreContractViolated, "the directory store returned an exhausted version number")
    })
}

fn precondition(current: &UserRecord) -> ScimError {
    ScimError::new(
        ErrorCode::PreconditionFailed,
        format!("the user has changed: its version is now {}; read it again", current.etag()),
    )
}

fn concurrent() -> ScimError {
    ScimError::new(
        ErrorCode::Conflict,
        format!("the user changed concurrently {MAX_ATTEMPTS} times; retry the request"),
    )
}
