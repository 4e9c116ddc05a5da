//! SAML routes: SP metadata, the SP-initiated login redirect, the ACS, and a home page that
//! says who is signed in.

use std::collections::HashMap;
use std::sync::Arc;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use sso_scim_core::Directory;
use sso_scim_core::login::{LoginDecision, decide};
use sso_scim_core::saml::ServiceProvider;
use sso_scim_core::saml::metadata::sp_metadata_for;
use time::OffsetDateTime;

use super::App;
use super::body::{self, BodyError};
use super::cookie::{self, Session};
use super::pages::{escape, facts, page};
use crate::settings;

/// How long a session cookie lasts.
const SESSION_SECONDS: i64 = 8 * 3600;

fn html(status: StatusCode, title: &str, body: &str) -> Response {
    (status, Html(page(title, body))).into_response()
}

/// A page explaining why a request cannot be served (small, so it travels in `Result`s).
struct Problem {
    status: StatusCode,
    title: &'static str,
    body: String,
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        html(self.status, self.title, &self.body)
    }
}

fn store_failed(e: &sso_scim_core::StoreError) -> Problem {
    tracing::error!(error = %e, "store failure");
    Problem {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        title: "Error",
        body: "<p>The directory store failed.</p>".into(),
    }
}

fn known_workspace(app: &App, workspace: &str) -> Result<(), Problem> {
    match app.store.workspace(workspace) {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(Problem {
            status: StatusCode::NOT_FOUND,
            title: "Unknown workspace",
            body: "<p>There is no such workspace.</p>".into(),
        }),
        Err(e) => Err(store_failed(&e)),
    }
}

/// The workspace's service provider, parsed once per settings version.
fn provider(app: &App, workspace: &str) -> Result<Arc<ServiceProvider>, Problem> {
    known_workspace(app, workspace)?;
    let not_configured = || Problem {
        status: StatusCode::SERVICE_UNAVAILABLE,
        title: "Single sign-on is not configured",
        body: format!(
            "<p>Import the IdP's metadata first: <code>sso-scim saml import-metadata --workspace {} FILE</code></p>",
            escape(workspace)
        ),
    };
    let json = match app.store.saml_settings(workspace) {
        Ok(Some(json)) => json,
        Ok(None) => return Err(not_configured()),
        Err(e) => return Err(store_failed(&e)),
    };
    let mut cache = app.providers.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((cached_json, sp)) = cache.get(workspace)
        && *cached_json == json
    {
        return Ok(sp.clone());
    }
    let sp = sso_scim_core::saml::SamlSettings::from_json(&json).and_then(ServiceProvider::new).map(Arc::new).map_err(
        |e| {
            tracing::warn!(workspace, code = e.code().as_str(), "stored SAML settings are unusable");
            not_configured()
        },
    )?;
    cache.insert(workspace.to_owned(), (json, sp.clone()));
    Ok(sp)
}

/// `GET /saml/{workspace}/metadata`: our SP metadata (available before the IdP is configured).
pub async fn metadata(
    State(app): State<Arc<App>>,
    Path(workspace): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let slot = match app.admit_anonymous(peer, &headers, &workspace) {
        Ok(slot) => slot,
        Err(refusal) => return refusal.into_response(),
    };
    let job_app = app.clone();
    app.blocking(&workspace.clone(), slot, move || metadata_document(&job_app, &workspace)).await
}

fn metadata_document(app: &App, workspace: &str) -> Response {
    if let Err(r) = known_workspace(app, workspace) {
        return r.into_response();
    }
    let xml = settings::load(&app.store, &app.public_url, workspace)
        .and_then(|s| sp_metadata_for(&s).map_err(|e| e.to_string()));
    match xml {
        Ok(xml) => ([(header::CONTENT_TYPE, "application/samlmetadata+xml")], xml).into_response(),
        Err(e) => html(StatusCode::INTERNAL_SERVER_ERROR, "Error", &format!("<p>{}</p>", escape(&e))),
    }
}

/// A RelayState we are willing to send the browser to afterwards: a local path only (never
/// `//host`, `/\host`, a scheme, or control characters).
fn safe_local_path(target: &str) -> bool {
    target.starts_with('/')
        && !target.starts_with("//")
        && !target.starts_with("/\\")
        && !target.chars().any(|c| c.is_control() || c == '\\')
}

/// `GET /saml/{workspace}/login[?redirect=/path]`: redirect the browser to the IdP with an
/// AuthnRequest whose ID is kept to match the response.
pub async fn login(
    State(app): State<Arc<App>>,
    Path(workspace): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let slot = match app.admit_anonymous(peer, &headers, &workspace) {
        Ok(slot) => slot,
        Err(refusal) => return refusal.into_response(),
    };
    let relay = query.get("redirect").filter(|t| safe_local_path(t)).cloned();
    let job_app = app.clone();
    app.blocking(&workspace.clone(), slot, move || login_redirect(&job_app, &workspace, relay.as_deref())).await
}

fn login_redirect(app: &App, workspace: &str, relay: Option<&str>) -> Response {
    let sp = match provider(app, workspace) {
        Ok(sp) => sp,
        Err(r) => return r.into_response(),
    };
    let now = OffsetDateTime::now_utc();
    match sp.authn_request(now, relay) {
        Ok(request) => {
            app.remember_request(&request.id, workspace, now);
            Redirect::to(&request.redirect_url).into_response()
        }
        Err(e) => html(
            StatusCode::SERVICE_UNAVAILABLE,
            "Single sign-on is not ready",
            &format!("<p>{}</p>", escape(&e.to_string())),
        ),
    }
}

/// Largest ACS form accepted: a SAMLResponse in base64 with room to spare (the verifier's
/// own size cap applies to the decoded response).
const MAX_FORM_BYTES: usize = 1 << 20;

/// `POST /saml/{workspace}/acs`: validate, decide, and set the session cookie. The form is
/// read first (under the body timeout), then the verification is admitted — or refused at
/// once with 429/503 — and runs on the blocking pool.
pub async fn acs(
    State(app): State<Arc<App>>,
    Path(workspace): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let slot = match app.admit_anonymous(peer, &headers, &workspace) {
        Ok(slot) => slot,
        Err(refusal) => return refusal.into_response(),
    };
    let form = match body::read(body, MAX_FORM_BYTES, app.limits.body_timeout).await {
        Ok(bytes) => form_urlencoded::parse(&bytes).into_owned().collect::<HashMap<String, String>>(),
        Err(e) => return body_refused(e),
    };
    let verifying = match app.admit_verification(&workspace) {
        Ok(held) => held,
        Err(refusal) => return refusal.into_response(),
    };
    let job_app = app.clone();
    app.blocking(&workspace.clone(), (slot, verifying), move || sign_in(&job_app, &workspace, &form)).await
}

fn body_refused(e: BodyError) -> Response {
    let (status, text) = match e {
        BodyError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "The form is too large."),
        BodyError::TimedOut => (StatusCode::REQUEST_TIMEOUT, "The form did not arrive in time."),
        BodyError::Failed => (StatusCode::BAD_REQUEST, "The form could not be read."),
    };
    let mut response = html(status, "Sign-in failed", &format!("<p>{text}</p>"));
    response.headers_mut().insert(header::CONNECTION, axum::http::HeaderValue::from_static("close"));
    response
}

/// Validate, decide and answer (on the blocking pool).
fn sign_in(app: &App, workspace: &str, form: &HashMap<String, String>) -> Response {
    #[cfg(debug_assertions)]
    super::test_delay();
    let sp = match provider(app, workspace) {
        Ok(sp) => sp,
        Err(r) => return r.into_response(),
    };
    let Some(response) = form.get("SAMLResponse") else {
        return html(StatusCode::BAD_REQUEST, "Sign-in failed", "<p>The form carries no SAMLResponse.</p>");
    };
    let now = OffsetDateTime::now_utc();
    // A response answering a request we issued names it; only a pending, unused ID of this
    // workspace is passed on (the validator then checks it against signed content). The claim
    // comes out of the one parse validation uses.
    let pending = |claimed: Option<&str>| claimed.filter(|id| app.take_request(id, workspace, now)).map(str::to_owned);
    let identity = match sp.validate_response_with(response.as_bytes(), now, pending) {
        Ok(identity) => identity,
        Err(e) => {
            tracing::info!(workspace, code = e.code().as_str(), "SAML response refused");
            return html(
                StatusCode::BAD_REQUEST,
                "Sign-in failed",
                &format!(
                    "<p>The identity provider's response was refused.</p>{}",
                    facts(&[("code", e.code().as_str().to_owned()), ("reason", e.message().to_owned())])
                ),
            );
        }
    };
    match app.store.complete(decide(&*app.store, workspace, &sp, &identity)) {
        Ok(LoginDecision::Allowed(user)) => {
            tracing::info!(workspace, user = user.id, "signed in");
            let session = Session {
                ws: workspace.to_owned(),
                uid: user.id.clone(),
                exp: (now.unix_timestamp() + SESSION_SECONDS),
            };
            let secure = if app.public_url.starts_with("https://") { "; Secure" } else { "" };
            let cookie = format!(
                "{}={}; HttpOnly; Path=/; SameSite=Lax; Max-Age={SESSION_SECONDS}{secure}",
                cookie::SESSION,
                app.cookies.seal(&session)
            );
            let next = form.get("RelayState").map(String::as_str).filter(|t| safe_local_path(t));
            let link = next.map(|n| format!("<p><a href=\"{}\">Continue</a></p>", escape(n))).unwrap_or_default();
            let body = format!(
                "{}{link}",
                facts(&[
                    ("user", user.user_name.clone()),
                    (
                        "name",
                        [user.given_name.clone(), user.family_name.clone()]
                            .into_iter()
                            .flatten()
                            .collect::<Vec<_>>()
                            .join(" ")
                    ),
                    ("e-mail", user.email.clone().unwrap_or_default()),
                    ("role", user.role.clone()),
                    ("workspace", workspace.to_owned()),
                ])
            );
            ([(header::SET_COOKIE, cookie)], Html(page("Signed in", &body))).into_response()
        }
        Ok(LoginDecision::Refused(refusal)) => {
            tracing::info!(workspace, code = refusal.code.as_str(), "sign-in refused");
            html(
                StatusCode::FORBIDDEN,
                "Sign-in refused",
                &facts(&[("code", refusal.code.as_str().to_owned()), ("reason", refusal.message)]),
            )
        }
        Err(e) => {
            tracing::error!(error = %e, "store failure during sign-in");
            store_failed_page()
        }
    }
}

/// `GET /`: who is signed in (the session cookie, checked against the directory now).
pub async fn home(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let now = OffsetDateTime::now_utc();
    let session = headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|c| cookie::find(c, cookie::SESSION))
        .and_then(|v| app.cookies.open(v, now));
    let Some(session) = session else {
        return html(
            StatusCode::OK,
            "sso-scim",
            "<p>Not signed in. Start at <code>/saml/{workspace}/login</code>.</p>",
        );
    };
    let Some(slot) = app.requests.try_take(&session.ws) else {
        return app.too_many_for_workspace().into_response();
    };
    let job_app = app.clone();
    app.blocking(&session.ws.clone(), slot, move || signed_in_page(&job_app, session)).await
}

fn signed_in_page(app: &App, session: Session) -> Response {
    let found = app.store.complete(app.store.get_user(&session.ws, &session.uid));
    match found {
        Ok(Some(user)) if user.can_sign_in() => html(
            StatusCode::OK,
            "sso-scim",
            &facts(&[("signed in as", user.user_name.clone()), ("workspace", session.ws), ("role", user.role.clone())]),
        ),
        Ok(_) => {
            html(StatusCode::FORBIDDEN, "sso-scim", "<p>Your account is archived: the session no longer counts.</p>")
        }
        Err(e) => store_failed(&e).into_response(),
    }
}

fn store_failed_page() -> Response {
    html(StatusCode::INTERNAL_SERVER_ERROR, "Error", "<p>The directory store failed.</p>")
}

#[cfg(test)]
mod tests {
    use super::safe_local_path;

    #[test]
    fn only_local_paths_are_relay_targets() {
        for ok in ["/", "/projects", "/a?b=c"] {
            assert!(safe_local_path(ok), "{ok}");
        }
        for bad in ["https://evil", "//evil", "/\\evil", "javascript:alert(1)", "evil", "/a\nb", ""] {
            assert!(!safe_local_path(bad), "{bad:?}");
        }
    }
}
