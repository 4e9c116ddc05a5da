//! `sso-scim serve`: SCIM at `/scim/v2` (workspace from the bearer token), SAML at
//! `/saml/{workspace}/…`, `GET /healthz`; SQLite or PostgreSQL underneath (`crate::store`). Structured logs through
//! `tracing` (`RUST_LOG` sets the level); graceful shutdown on SIGTERM and SIGINT, within a
//! deadline.
//!
//! Built to face the open internet (README "Serving on the open internet"): the async workers
//! only move bytes; every store call and SAML verification runs on a bounded pool
//! (`pool.rs`); admission is decided at once (`admission.rs`: per-workspace shares, SAML
//! verification caps, rate limits on the unauthenticated endpoints); connections are capped
//! and timed (`conn.rs`); bodies are read under a size cap and a deadline (`body.rs`).

mod admission;
mod body;
mod conn;
mod cookie;
mod held;
mod keys;
mod pages;
mod pool;
mod saml;
mod scim;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{any, get, post};
use sso_scim_core::saml::ServiceProvider;
use sso_scim_core::scim::{ScimConfig, ScimHandler};
use sso_scim_core::token::{ScimToken, TokenHash};
use time::OffsetDateTime;

use self::admission::{RateLimit, Slot, Slots, client_address, client_key};
use self::cookie::CookieJar;
use self::held::Held;
use self::pool::{JobError, Pool};
use crate::args::{ServeArgs, ServeLimits};
use crate::store::{Store, Target};

/// How long an AuthnRequest ID waits for its response.
const REQUEST_LIFETIME: time::Duration = time::Duration::minutes(10);
/// Most AuthnRequest IDs kept at once (older ones are dropped first).
const MAX_PENDING_REQUESTS: usize = 10_000;

/// Shared server state.
pub struct App {
    store: Arc<Store>,
    scim: ScimHandler<Arc<Store>>,
    public_url: String,
    cookies: CookieJar,
    /// Outstanding AuthnRequest IDs → (workspace, expiry), kept server-side so the IdP's
    /// cross-site POST needs no cookie.
    pending: Mutex<HashMap<String, (String, OffsetDateTime)>>,
    /// Parsed service providers per workspace, keyed by the settings JSON they came from.
    providers: Mutex<HashMap<String, (String, Arc<ServiceProvider>)>>,
    /// Runs every blocking job.
    pool: Pool,
    /// The settings the rest is sized from.
    limits: ServeLimits,
    /// Requests in progress per workspace (SCIM by token, SAML by path).
    requests: Arc<Slots>,
    /// SAML verifications per workspace.
    verifications: Arc<Slots>,
    /// SAML verifications in all.
    all_verifications: Arc<tokio::sync::Semaphore>,
    /// Unauthenticated SAML requests per client address.
    client_rate: RateLimit,
    /// Unauthenticated SAML requests per workspace.
    workspace_rate: RateLimit,
    /// Token hash → workspace, for admission only (the core authenticates every request):
    /// filled by successful lookups alone, so anonymous clients cannot grow it.
    tenants: Mutex<HashMap<TokenHash, String>>,
}

/// Most token → workspace entries remembered for admission (then the map starts over).
const MAX_REMEMBERED_TOKENS: usize = 10_000;

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

    /// The workspace a token was found to belong to, if it was looked up before.
    fn tenant_of(&self, hash: &TokenHash) -> Option<String> {
        self.tenants.lock().unwrap_or_else(|e| e.into_inner()).get(hash).cloned()
    }

    fn remember_tenant(&self, hash: TokenHash, workspace: &str) {
        let mut tenants = self.tenants.lock().unwrap_or_else(|e| e.into_inner());
        if tenants.len() >= MAX_REMEMBERED_TOKENS {
            tenants.clear();
        }
        tenants.insert(hash, workspace.to_owned());
    }

    /// Rate limits (per client address, then per workspace) and the workspace's share of
    /// requests in progress, for the unauthenticated SAML endpoints.
    fn admit_anonymous(&self, peer: SocketAddr, headers: &HeaderMap, workspace: &str) -> Result<Slot, Refusal> {
        let client = client_address(peer.ip(), headers, &self.limits.trusted_proxies);
        if let Err(wait) = self.client_rate.check(&client_key(client)) {
            tracing::info!(%client, "rate limited: client");
            return Err(refusal(StatusCode::TOO_MANY_REQUESTS, wait, "Too many requests from your address."));
        }
        if let Err(wait) = self.workspace_rate.check(workspace) {
            tracing::info!(workspace, "rate limited: workspace");
            return Err(refusal(StatusCode::TOO_MANY_REQUESTS, wait, "Too many sign-in requests for this workspace."));
        }
        self.requests.try_take(workspace).ok_or_else(|| self.too_many_for_workspace())
    }

    /// A SAML verification slot of `workspace` (else 429) and one of the process (else 503).
    fn admit_verification(&self, workspace: &str) -> Result<(Slot, tokio::sync::OwnedSemaphorePermit), Refusal> {
        let second = std::time::Duration::from_secs(1);
        let Some(slot) = self.verifications.try_take(workspace) else {
            tracing::info!(workspace, "SAML verification refused: the workspace's share is in use");
            return Err(refusal(StatusCode::TOO_MANY_REQUESTS, second, "Too many sign-ins in progress; try again."));
        };
        match self.all_verifications.clone().try_acquire_owned() {
            Ok(permit) => Ok((slot, permit)),
            Err(_) => {
                tracing::info!(workspace, "SAML verification refused: every verification slot is in use");
                Err(refusal(StatusCode::SERVICE_UNAVAILABLE, second, "The server is busy; try again."))
            }
        }
    }

    fn too_many_for_workspace(&self) -> Refusal {
        let second = std::time::Duration::from_secs(1);
        refusal(StatusCode::TOO_MANY_REQUESTS, second, "Too many requests for this workspace are in progress.")
    }

    /// Run `job` for `workspace` on the blocking pool; `held` (slots, permits) lives until
    /// the answer is sent.
    async fn blocking<G, F>(&self, workspace: &str, held: G, job: F) -> Response
    where
        G: Send + Unpin + 'static,
        F: FnOnce() -> Response + Send + 'static,
    {
        match self.pool.run(workspace, job).await {
            Ok(response) => Held::response(response, held),
            Err(JobError::Busy) => {
                refusal(StatusCode::SERVICE_UNAVAILABLE, std::time::Duration::from_secs(1), "The server is busy.")
                    .into_response()
            }
            Err(JobError::Panicked) => (StatusCode::INTERNAL_SERVER_ERROR, Html("internal error")).into_response(),
        }
    }
}

/// Work refused for now: a page with `Retry-After` (whole seconds, at least 1).
struct Refusal {
    status: StatusCode,
    wait: std::time::Duration,
    text: &'static str,
}

fn refusal(status: StatusCode, wait: std::time::Duration, text: &'static str) -> Refusal {
    Refusal { status, wait, text }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let seconds = self.wait.as_secs() + u64::from(self.wait.subsec_nanos() > 0);
        let page = pages::page("Try again shortly", &format!("<p>{}</p>", self.text));
        let mut response = (self.status, Html(page)).into_response();
        if let Ok(v) = HeaderValue::try_from(seconds.max(1).to_string()) {
            response.headers_mut().insert("retry-after", v);
        }
        response
    }
}

/// Debug builds only: `SSO_SCIM_TEST_SAML_DELAY_MS` makes every SAML verification job sleep
/// first, so tests can hold verifications in progress and show what the caps do meanwhile.
#[cfg(debug_assertions)]
fn test_delay() {
    static DELAY: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let ms = *DELAY
        .get_or_init(|| std::env::var("SSO_SCIM_TEST_SAML_DELAY_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(0));
    if ms > 0 {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

/// Start serving; returns when a shutdown signal arrived and in-flight requests finished.
pub async fn run(db: &Target, args: ServeArgs) -> Result<(), String> {
    if let Target::File(path) = db {
        // A database others can read holds every session's key and the directory: refuse it
        // (the message names the chmod that fixes it).
        crate::files::check_private(path)?;
    }
    let store = Arc::new(Store::open(db, &tokio::runtime::Handle::current())?);
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
    let scim = ScimHandler::new(store.clone(), config).map_err(|e| e.to_string())?;
    let env_keys = std::env::var(keys::ENV).ok();
    let cookies = keys::cookie_jar(&store, args.keys.cookie_key_file.as_deref(), env_keys.as_deref())?;
    let limits = args.limits;
    let conn_limits = conn::ConnLimits {
        max_connections: connection_cap(limits.max_connections as usize),
        header_timeout: limits.header_timeout,
        idle_timeout: limits.idle_timeout,
        shutdown_timeout: limits.shutdown_timeout,
    };
    let app = Arc::new(App {
        store,
        scim,
        public_url,
        cookies,
        pending: Mutex::new(HashMap::new()),
        providers: Mutex::new(HashMap::new()),
        pool: Pool::new(limits.workers.into(), limits.queue.into(), limits.workers_per_workspace())
            .map_err(|e| format!("cannot start workers: {e}"))?,
        tenants: Mutex::new(HashMap::new()),
        requests: Slots::new(limits.max_requests_per_workspace.into()),
        verifications: Slots::new(limits.max_saml_per_workspace.into()),
        all_verifications: Arc::new(tokio::sync::Semaphore::new(limits.max_saml_verifications.into())),
        client_rate: RateLimit::per_second(limits.client_rate),
        workspace_rate: RateLimit::per_second(limits.workspace_rate),
        limits,
    });
    let stats = app.clone();
    let router = Router::new()
        .route("/healthz", get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }))
        .route("/scim/v2", any(scim::handle))
        .route("/scim/v2/{*rest}", any(scim::handle))
        .route("/saml/{workspace}/metadata", get(saml::metadata))
        .route("/saml/{workspace}/login", get(saml::login))
        .route("/saml/{workspace}/acs", post(saml::acs))
        .route("/", get(saml::home))
        .layer(middleware::from_fn(log))
        .with_state(app);
    // Printed (not only logged) so scripts and tests can find a system-chosen port.
    println!("sso-scim: listening on http://{local}");
    tracing::info!(listen = %local, "serving");
    conn::serve(listener, router, conn_limits, shutdown()).await;
    tracing::info!(dropped_jobs = stats.pool.skipped(), "stopped (dropped_jobs: queued work whose client had gone)");
    Ok(())
}

/// The connection cap, lowered to fit the process's descriptor limit (the database, the
/// listener and the workers need some): past that limit `accept` fails for everyone.
fn connection_cap(wanted: usize) -> usize {
    let soft = std::fs::read_to_string("/proc/self/limits").ok().and_then(|text| {
        let line = text.lines().find(|l| l.starts_with("Max open files"))?;
        line.split_whitespace().nth(3)?.parse::<usize>().ok()
    });
    match soft {
        Some(limit) if wanted + 64 > limit => {
            let cap = limit.saturating_sub(64).max(1);
            tracing::warn!(wanted, cap, limit, "--max-connections lowered to fit the open-file limit (ulimit -n)");
            cap
        }
        _ => wanted,
    }
}

/// First start on an empty database: one workspace and its token, printed once.
fn bootstrap(store: &Store, public_url: &str) -> Result<(), String> {
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
