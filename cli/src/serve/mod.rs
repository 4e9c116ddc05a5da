//! `sso-scim serve`: SCIM at `/scim/v2` (workspace from the bearer token), SAML at
//! `/saml/{workspace}/…`, `GET /healthz`; SQLite underneath. Structured logs through
//! `tracing` (`RUST_LOG` sets the level); graceful shutdown on SIGTERM and SIGINT.

mod cookie;
mod keys;
mod pages;
mod saml;
mod scim;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{any, get, post};
use sso_scim_core::saml::ServiceProvider;
use sso_scim_core::scim::{ScimConfig, ScimHandler};
use sso_scim_core::token::ScimToken;
use sso_scim_sqlite::SqliteDirectory;
use time::OffsetDateTime;

use self::cookie::CookieJar;
use crate::args::ServeArgs;

/// How long an AuthnRequest ID waits for its response.
const REQUEST_LIFETIME: time::Duration = time::Duration::minutes(10);
/// Most AuthnRequest IDs kept at once (older ones are dropped first).
const MAX_PENDING_REQUESTS: usize = 10_000;

/// Shared server state.
pub struct App {
    store: Arc<SqliteDirectory>,
    scim: ScimHandler<Arc<SqliteDirectory>>,
    public_url: String,
    cookies: CookieJar,
    /// Outstanding AuthnRequest IDs → (workspace, expiry), kept server-side so the IdP's
    /// cross-site POST needs no cookie.
    pending: Mutex<HashMap<String, (String, OffsetDateTime)>>,
    /// Parsed service providers per workspace, keyed by the settings JSON they came from.
    providers: Mutex<HashMap<String, (String, Arc<ServiceProvider>)>>,
}

impl App {
    fn remember_request(&self, id: &str, workspace: &str, now: OffsetDateTime) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.retain(|_, (_, expiry)| *expiry > now);
        if pending.len() >= MAX_PENDING_REQUESTS
            && let Some(oldest) = pending.iter().min_by_key(|(_, (_, e))| *e).map(|(k, _)| k.clone())
        {
            pending.remove(&oldest);
        }
        pending.insert(id.to_owned(), (workspace.to_owned(), now + REQUEST_LIFETIME));
    }

    /// Take (use up) a pending request ID of `workspace`.
    fn take_request(&self, id: &str, workspace: &str, now: OffsetDateTime) -> bool {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        match pending.remove(id) {
            Some((ws, expiry)) if ws == workspace && expiry > now => true,
            Some(entry) => {
                pending.insert(id.to_owned(), entry);
                false
            }
            None => false,
        }
    }
}

/// Start serving; returns when a shutdown signal arrived and in-flight requests finished.
pub async fn run(db: &std::path::Path, args: ServeArgs) -> Result<(), String> {
    let store = Arc::new(SqliteDirectory::open(db).map_err(|e| format!("{}: {e}", db.display()))?);
    // Bind first: with port 0 the system picks one, and the default public URL must name it.
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    let public_url = args.public_url.unwrap_or_else(|| format!("http://{local}")).trim_end_matches('/').to_owned();
    if store.workspaces().map_err(|e| e.to_string())?.is_empty() {
        bootstrap(&store, &public_url)?;
    }
    let config = ScimConfig { base_url: format!("{public_url}/scim/v2"), ..ScimConfig::default() };
    let body_limit = config.limits.max_body_bytes;
    let scim = ScimHandler::new(store.clone(), config).map_err(|e| e.to_string())?;
    let cookies = CookieJar::new(&store.secret("cookie-signing-key", 32).map_err(|e| e.to_string())?);
    let app = Arc::new(App {
        store,
        scim,
        public_url,
        cookies,
        pending: Mutex::new(HashMap::new()),
        providers: Mutex::new(HashMap::new()),
    });
    let router = Router::new()
        .route("/healthz", get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }))
        .route("/scim/v2", any(scim::handle))
        .route("/scim/v2/{*rest}", any(scim::handle))
        .route("/saml/{workspace}/metadata", get(saml::metadata))
        .route("/saml/{workspace}/login", get(saml::login))
        .route("/saml/{workspace}/acs", post(saml::acs))
        .route("/", get(saml::home))
        .layer(middleware::from_fn(log))
        // SCIM reads its body itself (to answer 413 as a SCIM error); the ACS form needs room
        // for a SAMLResponse in base64.
        .layer(DefaultBodyLimit::max(body_limit.max(1 << 20) + 1))
        .with_state(app);
    // Printed (not only logged) so scripts and tests can find a system-chosen port.
    println!("sso-scim: listening on http://{local}");
    tracing::info!(listen = %local, "serving");
    axum::serve(listener, router).with_graceful_shutdown(shutdown()).await.map_err(|e| e.to_string())?;
    tracing::info!("stopped");
    Ok(())
}

/// First start on an empty database: one workspace and its token, printed once.
fn bootstrap(store: &SqliteDirectory, public_url: &str) -> Result<(), String> {
    let ws = store.create_workspace("Default", None).map_err(|e| e.to_string())?;
    let token = ScimToken::generate();
    store.add_token(&ws.id, &token.hash()).map_err(|e| e.to_string())?;
    println!("sso-scim: created workspace {} (\"{}\") in an empty database", ws.id, ws.name);
    println!("SCIM base URL (Entra \"Tenant URL\"): {public_url}/scim/v2");
    println!("SCIM bearer token (Entra \"Secret Token\"; shown once, only its hash is stored): {}", token.as_str());
    println!("SAML metadata for this workspace: {public_url}/saml/{}/metadata", ws.id);
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}

/// One log line per request: method, path (never the query: filters carry user names),
/// status and latency.
async fn log(request: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let micros = start.elapsed().as_micros() as u64;
    if path == "/healthz" {
        tracing::debug!(%method, %path, status, micros, "request");
    } else {
        tracing::info!(%method, %path, status, micros, "request");
    }
    response
}
