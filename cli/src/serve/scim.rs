//! The SCIM route: read the body (capped, under the body timeout), then hand method, path,
//! query, headers and body to the core handler on the blocking pool, within the workspace's
//! share of requests in progress.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sso_scim_core::Directory;
use sso_scim_core::scim::{ScimRequest, ScimResponse};
use sso_scim_core::token::{bearer, hash_token, is_well_formed};

use super::App;
use super::admission::Slot;
use super::body::{self, BodyError};
use super::held::Held;
use super::pool::JobError;

/// The share that requests without a valid token have together, so anonymous traffic can take
/// no more than one workspace's share of the process.
const ANONYMOUS: &str = "(no valid token)";

/// Any method on `/scim/v2/…`.
pub async fn handle(State(app): State<Arc<App>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let limit = app.scim.config().limits.max_body_bytes;
    // One byte more than the limit reaches the core, which answers a SCIM 413; a larger body
    // stops here, unread.
    let body = match body::read(body, limit + 1, app.limits.body_timeout).await {
        Ok(b) => b,
        Err(BodyError::TooLarge) => return error(413, &format!("the body exceeds {limit} bytes")),
        Err(BodyError::TimedOut) => return closing(error(408, "the body did not arrive in time")),
        Err(BodyError::Failed) => return closing(error(400, "the body could not be read")),
    };
    let path = parts.uri.path().strip_prefix("/scim/v2").unwrap_or("/");
    let mut scim_request = ScimRequest::new(parts.method.as_str(), if path.is_empty() { "/" } else { path })
        .with_query(parts.uri.query().unwrap_or(""))
        .with_body(body.to_vec());
    for (name, value) in &parts.headers {
        if let Ok(v) = value.to_str() {
            scim_request = scim_request.with_header(name.as_str(), v);
        }
    }
    let Some((tenant, slot)) = admit(&app, &parts.headers).await else {
        return retry_later(error(429, "too many requests of this workspace are in progress; retry shortly"));
    };
    let job_app = app.clone();
    match app.pool.run(&tenant, move || answer(&job_app, scim_request)).await {
        Ok(answer) => Held::response(into_response(answer), slot),
        Err(JobError::Busy) => retry_later(error(503, "the server is busy; retry shortly")),
        Err(JobError::Panicked) => error(500, "internal error"),
    }
}

/// The core's answer, on the blocking pool.
fn answer(app: &App, request: ScimRequest) -> ScimResponse {
    let mut answer = app.store.complete(app.scim.handle(request));
    if let Some(error) = answer.error.as_mut()
        && let Some(store) = error.store_error()
    {
        tracing::error!(code = error.code().as_str(), error = %store, "store failure answering SCIM");
    }
    answer
}

/// The workspace a request counts against and its slot, taken before the request waits for a
/// worker (so one tenant's queued requests count too); `None` when that workspace has its
/// full share in progress. The workspace comes from the bearer token (the core checks the
/// token again, in constant time, before answering); a token never seen is looked up within
/// the share of requests without a valid token.
async fn admit(app: &Arc<App>, headers: &HeaderMap) -> Option<(String, Slot)> {
    let token = headers
        .get("authorization")
        .and_then(|h| h.to_str().ok())
        .and_then(bearer)
        .filter(|token| is_well_formed(token));
    let Some(token) = token else {
        return Some((ANONYMOUS.to_owned(), app.requests.try_take(ANONYMOUS)?));
    };
    let hash = hash_token(token);
    if let Some(workspace) = app.tenant_of(&hash) {
        let slot = app.requests.try_take(&workspace)?;
        return Some((workspace, slot));
    }
    let anonymous = app.requests.try_take(ANONYMOUS)?;
    let job_app = app.clone();
    let found = app.pool.run(ANONYMOUS, move || job_app.store.complete(job_app.store.workspace_for_token(&hash))).await;
    let workspace = match found {
        Ok(Ok(Some(grant))) if grant.token_hash.ct_eq(&hash) => {
            app.remember_tenant(hash, &grant.workspace.id);
            grant.workspace.id
        }
        _ => return Some((ANONYMOUS.to_owned(), anonymous)),
    };
    let slot = app.requests.try_take(&workspace)?;
    Some((workspace, slot))
}

fn into_response(answer: ScimResponse) -> Response {
    let mut response = Response::new(Body::from(answer.body));
    *response.status_mut() = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in answer.headers {
        if let (Ok(n), Ok(v)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            response.headers_mut().append(n, v);
        }
    }
    response
}

/// A SCIM error document the host answers itself (before or instead of the core).
fn error(status: u16, detail: &str) -> Response {
    let body = serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": status.to_string(), "detail": detail
    });
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [("content-type", "application/scim+json")], body.to_string()).into_response()
}

fn retry_later(mut response: Response) -> Response {
    response.headers_mut().insert("retry-after", HeaderValue::from_static("1"));
    response
}

fn closing(mut response: Response) -> Response {
    response.headers_mut().insert("connection", HeaderValue::from_static("close"));
    response
}
