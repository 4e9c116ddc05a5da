//! The SCIM route: forward method, path, query, headers and body to the core handler.

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sso_scim_core::scim::ScimRequest;

use super::App;

/// Any method on `/scim/v2/…`.
pub async fn handle(State(app): State<Arc<App>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let limit = app.scim.config().limits.max_body_bytes;
    // One byte more than the limit reaches the core, which answers a SCIM 413; a larger body
    // stops here, unread.
    let body = match to_bytes(body, limit + 1).await {
        Ok(b) => b,
        Err(_) => {
            let detail = format!("the body exceeds {limit} bytes");
            let error = serde_json::json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "413", "detail": detail
            });
            return (StatusCode::PAYLOAD_TOO_LARGE, [("content-type", "application/scim+json")], error.to_string())
                .into_response();
        }
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
    let mut answer = app.scim.handle(scim_request).await;
    if let Some(error) = answer.error.as_mut()
        && let Some(store) = error.store_error()
    {
        tracing::error!(code = error.code().as_str(), error = %store, "store failure answering SCIM");
    }
    let mut response = Response::new(Body::from(answer.body));
    *response.status_mut() = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in answer.headers {
        if let (Ok(n), Ok(v)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            response.headers_mut().append(n, v);
        }
    }
    response
}
