//! # sso-scim-postgres
//!
//! A [`Directory`](sso_scim_core::Directory) on PostgreSQL, for hosts that run several
//! processes (on several machines) over one database: workspaces, SCIM tokens (as SHA-256
//! hashes), users, groups, the SAML replay cache, SAML settings and server secrets, with the
//! same administration API as `sso-scim-sqlite`.
//!
//! It answers exactly as the core's `MemoryDirectory` and `sso-scim-sqlite` do (the same
//! vectors and contract tests run against all three), and adds what a shared database needs:
//!
//! - **Several processes are one service.** Uniqueness (userName and displayName keys,
//!   replayed assertions) is decided by the database's unique indexes, optimistic concurrency
//!   by a conditional `UPDATE … AND version = $expected`, and nothing is cached in the
//!   process: a token revoked by one process is refused by every other at once.
//! - **Durability.** One transaction per change: once a method returns `Ok`, PostgreSQL has
//!   committed it (with the server's own `fsync` and `synchronous_commit` settings).
//! - **Lists in SQL.** Every filter and sort is translated by the core
//!   (`sso_scim_core::query::sql`) into SQL over byte-ordered key columns and values tables the
//!   store writes from the core's own keys: `COUNT` for the total, `LIMIT`/`OFFSET` for the page,
//!   so memory holds one page whatever the directory's size.
//! - **Truly async.** Every method awaits its statements on a pooled connection
//!   (tokio-postgres and deadpool-postgres); call it from a tokio runtime.
//! - **Migrations.** Numbered SQL files (`migrations/`), recorded in `schema_migrations`, applied
//!   by [`PostgresDirectory::connect`] in one transaction under an advisory lock, so processes
//!   starting together migrate once; a database written by a newer build is refused.
//!
//! ```no_run
//! use sso_scim_core::scim::{ScimConfig, ScimHandler, ScimRequest};
//! use sso_scim_core::token::ScimToken;
//! use sso_scim_postgres::PostgresDirectory;
//!
//! # async fn serve() -> Result<(), sso_scim_core::StoreError> {
//! let store = PostgresDirectory::connect("postgres://app@db.internal/sso").await?;
//! let workspace = store.create_workspace("Acme", None).await?;
//! let token = ScimToken::generate();
//! store.add_token(&workspace.id, &token.hash()).await?;
//!
//! let handler = ScimHandler::new(store, ScimConfig::default()).expect("default settings are valid");
//! let request = ScimRequest::new("GET", "/Users")
//!     .with_header("Authorization", &format!("Bearer {}", token.as_str()));
//! assert_eq!(handler.handle(request).await.status, 200);
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![warn(clippy::too_many_lines)]

mod admin;
mod assertions;
mod codec;
mod db;
mod directory;
mod errors;
mod groups;
#[cfg(test)]
mod plans;
mod random;
mod schema;
mod table;
mod tokens;
mod users;
mod values;

use std::fmt;

use sso_scim_core::StoreError;
use time::OffsetDateTime;

pub use schema::SCHEMA_VERSION;
pub use tokens::TokenInfo;

/// A [`Directory`](sso_scim_core::Directory) in a PostgreSQL database.
///
/// `Send + Sync`: share it (in an `Arc`, or inside a `ScimHandler`) between tasks freely.
/// Several instances, in one process or many, may use one database at once.
pub struct PostgresDirectory {
    db: db::Db,
}

impl PostgresDirectory {
    /// Connect to the database at `url` (`postgres://` or `postgresql://`, with the usual
    /// parameters: `user:password@host:port/dbname?connect_timeout=…`) through a pool of at
    /// most 16 connections, and bring its schema up to [`SCHEMA_VERSION`].
    ///
    /// Must be called from a tokio runtime, which then runs the connections. Fails (kind
    /// [`Failed`](sso_scim_core::StoreErrorKind::Failed)) when the URL is invalid, the server
    /// cannot be reached, the schema holds some other application's tables, or the database
    /// was written by a newer build (the message names both schema versions). Expired SAML
    /// replay-cache entries are swept on connect.
    ///
    /// Connections are plain TCP or unix sockets: no TLS (reach a remote server over a
    /// private network, or through a local TLS tunnel).
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        PostgresDirectory::connect_with(url, db::DEFAULT_MAX_CONNECTIONS).await
    }

    /// [`connect`](PostgresDirectory::connect) with a pool of at most `max_connections`
    /// connections (at least 1).
    pub async fn connect_with(url: &str, max_connections: usize) -> Result<Self, StoreError> {
        let db = db::Db::connect(url, max_connections).await?;
        assertions::sweep_assertions(&db, OffsetDateTime::now_utc()).await?;
        Ok(PostgresDirectory { db })
    }
}

impl fmt::Debug for PostgresDirectory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresDirectory").field("database", &self.db.target).finish_non_exhaustive()
    }
}
