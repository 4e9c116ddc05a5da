//! `/Groups` and `/Groups/{id}` (RFC 7643 §4.2): Entra pushes groups (create without members,
//! then PATCH members in and out), Okta pushes them the same way. `displayName` is unique per
//! workspace (case-insensitively, as Entra expects a 409 for a duplicate); members are kept as
//! given (their ids are not resolved: a member may be a user this workspace has not seen yet).
//! DELETE removes the group. A successful PATCH answers 204 unless the client asks for the
//! resource (Entra prefers 204; returning thousands of members is not advisable).

use time::OffsetDateTime;

use super::crud::{MAX_ATTEMPTS, concurrent, etag_listed, new_id, not_found, precondition, taken};
use super::{ScimHandler, list::ListParams, respond};
use crate::directory::Directory;
use crate::error::StoreErrorKind;
use crate::model::{GroupRecord, Workspace, display_name_key};
use crate::schema::GROUP;
use crate::scim::error::ScimError;
use crate::scim::http::{ScimRequest, ScimResponse};
use crate::scim::patch::{Working, apply, parse_patch};
use crate::scim::resource::{Normalizer, Projection, Rendered, key_of};

fn render<'a>(g: &'a GroupRecord, base: &'a str, p: &Projection) -> Rendered<'a> {
    Rendered::new(g, base, p)
}

impl<D: Directory> ScimHandler<D> {
    fn group_normalizer(&self) -> Normalizer {
        Normalizer { lenient: self.config.profile.lenient() }
    }

    pub(super) async fn get_group(
        &self,
        ws: &Workspace,
        id: &str,
        req: &ScimRequest,
    ) -> Result<ScimResponse, ScimError> {
        self.get_one::<GroupRecord>(ws, id, req, render).await
    }

    pub(super) async fn create_group(&self, ws: &Workspace, req: &ScimRequest) -> Result<ScimResponse, ScimError> {
        let projection = self.projection(&GROUP, req)?;
        let (doc, _) = self.group_normalizer().resource(&GROUP, &self.body(req)?)?;
        let name = key_of(&GROUP, &doc).expect("normaliser requires displayName").to_owned();
        let mut group = GroupRecord::new(&ws.id, &new_id(), OffsetDateTime::UNIX_EPOCH, doc);
        self.fits(&group)?;
        // The store's unique index on the display-name key is the arbiter: a racing insert of
        // the same name surfaces as a conflict, so one attempt suffices (no retry loop).
        if self
            .directory
            .find_group_by_display_name(&ws.id, &display_name_key(&name))
            .await
            .map_err(ScimError::store)?
            .is_some()
        {
            return Err(taken::<GroupRecord>(&name));
        }
        let now = self.now();
        group.created = now;
        group.last_modified = now;
        match self.directory.insert_group(&group).await {
            Ok(saved) => {
                self.owns(ws, &saved.workspace_id)?;
                super::crud::check_written(&saved, &group.id, group.version)?;
                Ok(self.representation(&saved, render(&saved, self.config.base(), &projection), 201))
            }
            Err(e) if e.kind() == StoreErrorKind::Conflict => Err(taken::<GroupRecord>(&name)),
            Err(e) => Err(ScimError::store(e)),
        }
    }

    pub(super) async fn replace_group(
        &self,
        ws: &Workspace,
        id: &str,
        req: &ScimRequest,
    ) -> Result<ScimResponse, ScimError> {
        let projection = self.projection(&GROUP, req)?;
        let (doc, _) = self.group_normalizer().resource(&GROUP, &self.body(req)?)?;
        let saved = self
            .modify(ws, id, req, |current: &GroupRecord| {
                let mut next = current.clone();
                next.resource = doc.clone();
                Ok(next)
            })
            .await?;
        Ok(self.representation(&saved, render(&saved, self.config.base(), &projection), 200))
    }

    pub(super) async fn patch_group(
        &self,
        ws: &Workspace,
        id: &str,
        req: &ScimRequest,
    ) -> Result<ScimResponse, ScimError> {
        let params = ListParams::from_query(&req.query)?;
        let projection = params.projection(&GROUP, &self.config)?;
        let ops = parse_patch(&GROUP, &self.body(req)?, &self.config)?;
        let saved = self
            .modify(ws, id, req, |current: &GroupRecord| {
                let mut working = Working::new(&GROUP, &current.resource, None);
                apply(&ops, &mut working, &self.config)?;
                let (doc, _) = working.finish()?;
                let mut next = current.clone();
                next.resource = doc;
                Ok(next)
            })
            .await?;
        if self.patch_wants_no_content(req, &params, true) {
            return Ok(respond::empty(204, vec![("ETag".to_owned(), saved.etag())]));
        }
        Ok(self.representation(&saved, render(&saved, self.config.base(), &projection), 200))
    }

    pub(super) async fn delete_group(
        &self,
        ws: &Workspace,
        id: &str,
        req: &ScimRequest,
    ) -> Result<ScimResponse, ScimError> {
        let if_match = req.header("If-Match");
        for _ in 0..MAX_ATTEMPTS {
            let current = self.visible::<GroupRecord>(ws, id).await?;
            if let Some(h) = if_match
                && !etag_listed(h, &current.etag())
            {
                return Err(precondition(&current));
            }
            match self.directory.delete_group(&ws.id, id, current.version).await {
                Ok(()) => return Ok(respond::empty(204, Vec::new())),
                Err(e) => match e.kind() {
                    StoreErrorKind::VersionMismatch if if_match.is_some() => return Err(precondition(&current)),
                    StoreErrorKind::VersionMismatch => continue,
                    StoreErrorKind::NotFound => return Err(not_found::<GroupRecord>(id)),
                    _ => return Err(ScimError::store(e)),
                },
            }
        }
        Err(concurrent())
    }
}
