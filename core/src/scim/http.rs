//! HTTP-shaped request and response: what a host's web framework forwards in and out.

use serde_json::Value;

use super::error::ScimError;

/// The media type of every SCIM response body.
pub const SCIM_MEDIA_TYPE: &str = "application/scim+json";

/// One HTTP request, with the path relative to the SCIM base (`/Users/2819c223…`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScimRequest {
    /// HTTP method, any case.
    pub method: String,
    /// Path below the SCIM base, percent-encoded as received (`/Users`, `/Schemas/urn%3A…`).
    /// A `?query` left on it is split off.
    pub path: String,
    /// The raw query string without the `?` (percent-encoded).
    pub query: String,
    /// Request headers (names compare case-insensitively).
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl ScimRequest {
    /// A request with a method and path.
    pub fn new(method: &str, path: &str) -> Self {
        ScimRequest { method: method.to_owned(), path: path.to_owned(), ..Default::default() }
    }

    /// The same request with a raw query string.
    pub fn with_query(mut self, query: &str) -> Self {
        self.query = query.to_owned();
        self
    }

    /// The same request with one more header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The same request with a body.
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// The same request with a JSON body and its content type.
    pub fn with_json(self, body: &Value) -> Self {
        self.with_header("Content-Type", SCIM_MEDIA_TYPE).with_body(body.to_string())
    }

    /// The first value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

/// One HTTP response.
#[derive(Debug, Default)]
pub struct ScimResponse {
    /// HTTP status code.
    pub status: u16,
    /// Response headers.
    pub headers: Vec<(String, String)>,
    /// The body (a SCIM JSON document, or empty).
    pub body: Vec<u8>,
    /// For error answers: the error, with its stable code and, for store failures, the host's
    /// own error as its source. Not sent on the wire.
    pub error: Option<ScimError>,
}

impl ScimResponse {
    /// The first value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// Take out the store error a binding must raise instead of answering (a host failure or a
    /// broken contract, [`StoreErrorKind::is_raised`](crate::StoreErrorKind::is_raised));
    /// `None` for every other answer, which is sent as it is.
    pub fn take_raised_store_error(&mut self) -> Option<crate::StoreError> {
        let error = self.error.as_mut()?;
        if !error.store_error()?.kind().is_raised() {
            return None;
        }
        error.take_store_error()
    }

    /// The stable error code of an error answer.
    pub fn error_code(&self) -> Option<&'static str> {
        self.error.as_ref().map(|e| e.code().as_str())
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}
