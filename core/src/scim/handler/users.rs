//! `/Users` and `/Users/{id}`: create, read, replace, patch, delete — and the product
//! lifecycle behind them (README "Product lifecycle"): `active:false` archives, `active:true` restores, DELETE
//! deprovisions (archived in the product, gone for SCIM), a later POST of the same userName
//! re-links and restores.

use time::OffsetDateTime;

use super::crud::{MAX_ATTEMPTS, check_written, concurrent, new_id, next_version, taken};
use super::{ScimHandler, list::ListParams, respond};
use crate::directory::Directory;
use crate::error::StoreErrorKind;
use crate::model::{UserRecord, UserState, Workspace, user_name_key};
use crate::schema::USER;
use crate::scim::config::PatchResponse;
use crate::scim::error::ScimError;
use crate::scim::http::{ScimRequest, ScimResponse};
use crate::scim::patch::{Working, apply, parse_patch};
use crate::scim::resource::{Normalizer, Rendered, user_name_of};

fn state_for(active: bool) -> UserState {
    if active { UserState::Active } else { UserState::Archived }
}

fn render<'a>(u: &'a UserRecord, base: &'a str, p: &crate::scim::resource::Projection) -> Rendered<'a> {
    Rendered::new(u, base, p)
}

impl<D: Directory> ScimHandler<D> {
    fn normalizer(&self) -> Normalizer {
        Normalizer { lenient: self.config.profile.lenient() }
    }

    pub(super) async fn get(&self, ws: &Workspace, id: &str, req: &ScimRequest) -> Result<ScimResponse, ScimError> {
        self.get_one::<UserRecord>(ws, id, req, render).await
    }

    pub(super) async fn create(&self, ws: &Workspace, req: &ScimRequest) -> Result<ScimResponse, ScimError> {
        let projection = self.projection(&USER, req)?;
        let (doc, active) = self.normalizer().user(&self.body(req)?)?;
        let user_name = user_name_of(&doc).expect("normaliser requires userName").to_owned();
        let key = user_name_key(&user_name);
        let state = state_for(active.unwrap_or(true));
        let mut fresh = UserRecord::new(&ws.id, &new_id(), &ws.default_role, state, OffsetDateTime::UNIX_EPOCH, doc);
        // Measured once: a re-link stores this same document.
        self.fits(&fresh)?;
        for _ in 0..MAX_ATTEMPTS {
            let existing = self.directory.find_by_user_name(&ws.id, &key).await.map_err(ScimError::store)?;
            let now = self.now();
            let mut written = (fresh.id.clone(), fresh.version);
            let result = match existing {
                Some(holder) => {
                    self.owns(ws, &holder.workspace_id)?;
                    if holder.user_name_key() != key {
                        return Err(ScimError::contract_violated(
                            "the directory store returned a user with another userName",
                        ));
                    }
                    if holder.state.visible_to_scim() {
                        return Err(taken::<UserRecord>(&user_name));
                    }
                    // Re-link: the product user deleted through SCIM comes back, same id, role
                    // and history.
                    let mut next = holder.clone();
                    next.resource = fresh.resource.clone();
                    next.state = state;
                    next.version = next_version(&holder)?;
                    next.last_modified = now;
                    next.sync_from_resource();
                    written = (next.id.clone(), next.version);
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
                    self.owns(ws, &saved.workspace_id)?;
                    check_written(&saved, &written.0, written.1)?;
                    return Ok(self.representation(&saved, render(&saved, self.config.base(), &projection), 201));
                }
                Err(e) if matches!(e.kind(), StoreErrorKind::VersionMismatch | StoreErrorKind::NotFound) => continue,
                Err(e) if e.kind() == StoreErrorKind::Conflict => return Err(taken::<UserRecord>(&user_name)),
                Err(e) => return Err(ScimError::store(e)),
            }
        }
        Err(concurrent())
    }

    pub(super) async fn replace(&self, ws: &Workspace, id: &str, req: &ScimRequest) -> Result<ScimResponse, ScimError> {
        let projection = self.projection(&USER, req)?;
        let (doc, active) = self.normalizer().user(&self.body(req)?)?;
        let saved = self
            .modify(ws, id, req, |current: &UserRecord| {
                let mut next = current.clone();
                next.resource = doc.clone();
                // An omitted `active` keeps the state: a PUT must not re-enable a disabled user.
                if let Some(active) = active {
                    next.state = state_for(active);
                }
                Ok(next)
            })
            .await?;
        Ok(self.representation(&saved, render(&saved, self.config.base(), &projection), 200))
    }

    pub(super) async fn patch(&self, ws: &Workspace, id: &str, req: &ScimRequest) -> Result<ScimResponse, ScimError> {
        let params = ListParams::from_query(&req.query)?;
        let projection = params.projection(&USER, &self.config)?;
        let ops = parse_patch(&USER, &self.body(req)?, &self.config)?;
        let saved = self
            .modify(ws, id, req, |current: &UserRecord| {
                let mut working = Working::new(&USER, &current.resource, Some(current.state == UserState::Active));
                apply(&ops, &mut working, &self.config)?;
                let (doc, active) = working.finish()?;
                let mut next = current.clone();
                next.resource = doc;
                next.state = state_for(active.unwrap_or(true));
                Ok(next)
            })
            .await?;
        if self.patch_wants_no_content(req, &params, self.config.patch_response == PatchResponse::NoContent) {
            return Ok(respond::empty(204, vec![("ETag".to_owned(), saved.etag())]));
        }
        Ok(self.representation(&saved, render(&saved, self.config.base(), &projection), 200))
    }

    /// Whether a successful PATCH answers 204: `Prefer` decides, else the default; a request
    /// naming `attributes` always gets 200 with the resource (RFC 7644 §3.5.2).
    pub(super) fn patch_wants_no_content(&self, req: &ScimRequest, params: &ListParams, default: bool) -> bool {
        let prefer = req.header("Prefer").map(str::to_ascii_lowercase);
        let minimal = match prefer.as_deref() {
            Some(p) if p.contains("return=minimal") => true,
            Some(p) if p.contains("return=representation") => false,
            _ => default,
        };
        minimal && !params.has_projection()
    }

    pub(super) async fn delete(&self, ws: &Workspace, id: &str, req: &ScimRequest) -> Result<ScimResponse, ScimError> {
        self.modify(ws, id, req, |current: &UserRecord| {
            let mut next = current.clone();
            next.state = UserState::Deprovisioned;
            Ok(next)
        })
        .await?;
        Ok(respond::empty(204, Vec::new()))
    }
}
