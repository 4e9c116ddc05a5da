//! Building responses.

use crate::scim::error::ScimError;
use crate::scim::http::{SCIM_MEDIA_TYPE, ScimResponse};

pub(super) fn content_type() -> (String, String) {
    ("Content-Type".to_owned(), SCIM_MEDIA_TYPE.to_owned())
}

/// A JSON answer already serialised.
pub(super) fn serialized(status: u16, body: Vec<u8>, mut headers: Vec<(String, String)>) -> ScimResponse {
    headers.insert(0, content_type());
    ScimResponse { status, headers, body, error: None }
}

/// A pre-rendered JSON answer.
pub(super) fn bytes(status: u16, body: &[u8]) -> ScimResponse {
    ScimResponse { status, headers: vec![content_type()], body: body.to_vec(), error: None }
}

/// An answer without a body (204, 304).
pub(super) fn empty(status: u16, headers: Vec<(String, String)>) -> ScimResponse {
    ScimResponse { status, headers, body: Vec::new(), error: None }
}

/// A SCIM Error answer, with the headers its status calls for.
pub(super) fn error(e: ScimError, mut headers: Vec<(String, String)>) -> ScimResponse {
    headers.insert(0, content_type());
    if e.status() == 401 {
        headers.push(("WWW-Authenticate".to_owned(), "Bearer realm=\"SCIM\"".to_owned()));
    }
    ScimResponse { status: e.status(), headers, body: e.body().to_string().into_bytes(), error: Some(e) }
}
