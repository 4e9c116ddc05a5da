//! [`ScimHandler`]: routing, authentication and the request limits; the endpoints live in
//! `users` and `list`.

mod crud;
mod groups;
mod list;
mod respond;
mod route;
mod stored;
mod users;

use std::fmt;
use std::sync::Arc;

use serde_json::Value;
use time::OffsetDateTime;

use self::route::Route;
use super::config::{ConfigError, ScimConfig};
use super::discovery::Discovery;
use super::error::{ScimError, invalid_syntax};
use super::http::{ScimRequest, ScimResponse};
use super::resource::Projection;
use crate::directory::Directory;
use crate::error::ErrorCode;
use crate::json::{JsonError, parse_strict};
use crate::model::Workspace;
use crate::schema::{GROUP, ResourceType, USER};
use crate::token::{bearer, hash_token, is_well_formed};

/// The clock a handler stamps `meta.created` / `meta.lastModified` with.
pub type Clock = Arc<dyn Fn() -> OffsetDateTime + Send + Sync>;

/// The SCIM service provider over one host [`Directory`].
///
/// Share one handler between threads or tasks (`Arc<ScimHandler<D>>`); `handle` takes `&self`.
pub struct ScimHandler<D> {
    directory: D,
    config: ScimConfig,
    discovery: Discovery,
    clock: Clock,
}

impl<D> fmt::Debug for ScimHandler<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScimHandler").field("config", &self.config).finish_non_exhaustive()
    }
}

impl<D: Directory> ScimHandler<D> {
    /// A handler over `directory` with checked settings.
    pub fn new(directory: D, config: ScimConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        let discovery = Discovery::new(&config);
        Ok(ScimHandler { directory, config, discovery, clock: Arc::new(OffsetDateTime::now_utc) })
    }

    /// Use another clock (tests, or a host with its own time source).
    pub fn with_clock(mut self, clock: impl Fn() -> OffsetDateTime + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The host's store.
    pub fn directory(&self) -> &D {
        &self.directory
    }

    /// The settings.
    pub fn config(&self) -> &ScimConfig {
        &self.config
    }

    /// Answer one request. Never fails: every problem becomes a SCIM error answer, and a
    /// store failure keeps the host's error in [`ScimResponse::error`].
    pub async fn handle(&self, request: ScimRequest) -> ScimResponse {
        let mut request = request;
        if let Some((path, query)) = request.path.split_once('?') {
            let query = if request.query.is_empty() { query.to_owned() } else { format!("{query}&{}", request.query) };
            request.path = path.to_owned();
            request.query = query;
        }
        let route = Route::parse(&request.path, self.config.profile.lenient());
        match self.dispatch(&request, &route).await {
            Ok(response) => response,
            Err(e) if e.code() == ErrorCode::MethodNotAllowed => {
                respond::error(e, vec![("Allow".to_owned(), route.allowed().join(", "))])
            }
            Err(e) => respond::error(e, Vec::new()),
        }
    }

    async fn dispatch(&self, req: &ScimRequest, route: &Route) -> Result<ScimResponse, ScimError> {
        if req.body.len() > self.config.limits.max_body_bytes {
            return Err(ScimError::new(
                ErrorCode::PayloadTooLarge,
                format!("the body is {} bytes; the limit is {}", req.body.len(), self.config.limits.max_body_bytes),
            ));
        }
        let workspace = if route.is_discovery() && !self.config.authenticate_discovery {
            None
        } else {
            Some(self.authenticate(req).await?)
        };
        let method = req.method.to_ascii_uppercase();
        let allowed = route.allowed();
        if !allowed.is_empty() && !allowed.contains(&method.as_str()) {
            return Err(ScimError::new(
                ErrorCode::MethodNotAllowed,
                format!("{method} is not allowed here; use {}", allowed.join(", ")),
            ));
        }
        let d = &self.discovery;
        let ws = || workspace.as_ref().expect("authenticated above");
        match route {
            Route::ServiceProviderConfig => Ok(respond::bytes(200, &d.service_provider_config)),
            Route::ResourceTypes => Ok(respond::bytes(200, &d.resource_types)),
            Route::ResourceType(id) if d.resource_type(id).is_some() => {
                Ok(respond::bytes(200, d.resource_type(id).expect("checked")))
            }
            Route::Schemas => Ok(respond::bytes(200, &d.schemas)),
            Route::Schema(urn) => match d.schema(urn) {
                Some(body) => Ok(respond::bytes(200, body)),
                None => Err(ScimError::new(ErrorCode::NotFound, format!("no schema \"{urn}\""))),
            },
            Route::ResourceType(id) => Err(ScimError::new(ErrorCode::NotFound, format!("no resource type \"{id}\""))),
            Route::Unsupported(what) => Err(ScimError::new(
                ErrorCode::NotImplemented,
                format!("{what} is not supported by this service provider"),
            )),
            Route::NotFound => {
                Err(ScimError::new(ErrorCode::NotFound, format!("no SCIM endpoint at \"{}\"", req.path)))
            }
            Route::Users if method == "GET" => self.list(&USER, ws(), list::ListParams::from_query(&req.query)?).await,
            Route::Users => self.create(ws(), req).await,
            Route::UsersSearch => {
                let body = self.body(req)?;
                self.list(&USER, ws(), list::ListParams::from_search(&body, self.config.profile.lenient())?).await
            }
            Route::RootSearch => {
                let body = self.body(req)?;
                self.search_all(ws(), list::ListParams::from_search(&body, self.config.profile.lenient())?).await
            }
            Route::User(id) => match method.as_str() {
                "GET" => self.get(ws(), id, req).await,
                "PUT" => self.replace(ws(), id, req).await,
                "PATCH" => self.patch(ws(), id, req).await,
                _ => self.delete(ws(), id, req).await,
            },
            Route::Groups | Route::Group(_) | Route::GroupsSearch if !self.config.groups => {
                Err(ScimError::new(ErrorCode::NotImplemented, "Groups are not enabled on this service provider"))
            }
            Route::Groups if method == "GET" => {
                self.list(&GROUP, ws(), list::ListParams::from_query(&req.query)?).await
            }
            Route::Groups => self.create_group(ws(), req).await,
            Route::GroupsSearch => {
                let body = self.body(req)?;
                self.list(&GROUP, ws(), list::ListParams::from_search(&body, self.config.profile.lenient())?).await
            }
            Route::Group(id) => match method.as_str() {
                "GET" => self.get_group(ws(), id, req).await,
                "PUT" => self.replace_group(ws(), id, req).await,
                "PATCH" => self.patch_group(ws(), id, req).await,
                _ => self.delete_group(ws(), id, req).await,
            },
        }
    }

    /// Resolve the workspace from `Authorization: Bearer <token>`.
    async fn authenticate(&self, req: &ScimRequest) -> Result<Workspace, ScimError> {
        let unauthorized = |detail: &str| ScimError::new(ErrorCode::Unauthorized, detail);
        let header = req
            .header("Authorization")
            .ok_or_else(|| unauthorized("missing Authorization header; send \"Authorization: Bearer <token>\""))?;
        let token =
            bearer(header).ok_or_else(|| unauthorized("the Authorization header must use the Bearer scheme"))?;
        if !is_well_formed(token) {
            return Err(unauthorized(
                "the bearer token is not an sso-scim token; copy it again from the admin console",
            ));
        }
        let hash = hash_token(token);
        let grant = self.directory.workspace_for_token(&hash).await.map_err(ScimError::store)?;
        match grant {
            Some(grant) if grant.token_hash.ct_eq(&hash) => Ok(grant.workspace),
            _ => Err(unauthorized("the bearer token is unknown or has been revoked")),
        }
    }

    /// The request body as strict JSON.
    fn body(&self, req: &ScimRequest) -> Result<Value, ScimError> {
        if req.body.iter().all(u8::is_ascii_whitespace) {
            return Err(invalid_syntax("the request needs a JSON body"));
        }
        parse_strict(&req.body, self.config.limits.max_json_depth).map_err(|e| match e {
            JsonError::TooDeep { .. } | JsonError::DuplicateKey(_) | JsonError::Syntax(_) => {
                invalid_syntax(e.to_string())
            }
        })
    }

    /// `attributes` / `excludedAttributes` from the query string.
    fn projection(&self, rt: &'static ResourceType, req: &ScimRequest) -> Result<Projection, ScimError> {
        let params = list::ListParams::from_query(&req.query)?;
        params.projection(rt, &self.config)
    }

    /// The time to stamp, at millisecond precision (what every store can keep exactly).
    fn now(&self) -> OffsetDateTime {
        let t = (self.clock)();
        t.replace_nanosecond(t.nanosecond() / 1_000_000 * 1_000_000).unwrap_or(t)
    }

    /// Refuse a store answer about another workspace (tenant isolation by construction).
    fn owns(&self, ws: &Workspace, workspace_id: &str) -> Result<(), ScimError> {
        if workspace_id == ws.id {
            Ok(())
        } else {
            Err(ScimError::contract_violated(
                "the directory store returned a resource of another workspace; the answer was discarded",
            ))
        }
    }
}
