//! The connection pool, and what every process holds beside it.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use deadpool_postgres::{Client, Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use sso_scim_core::{StoreError, StoreErrorKind};
use tokio_postgres::NoTls;

use crate::errors::pool_failed;
use crate::schema;

/// Connections a pool opens at most unless the host says otherwise: enough for a busy server
/// process, and several processes together stay under PostgreSQL's default of 100.
pub(crate) const DEFAULT_MAX_CONNECTIONS: usize = 16;

/// How long opening a connection may take when the URL does not say (`connect_timeout`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a call waits for a free pooled connection before failing.
const WAIT_TIMEOUT: Duration = Duration::from_secs(30);

/// Replay-cache inserts (by this process) between sweeps of expired entries.
pub(crate) const ASSERTION_SWEEP_EVERY: u32 = 256;

/// The pool, and the replay-cache insert count since this process last swept.
pub(crate) struct Db {
    pool: Pool,
    assertion_inserts: AtomicU32,
    /// Host and database, for `Debug` (never the password).
    pub(crate) target: String,
}

/// The URL as the driver's configuration, with our defaults where it is silent.
fn config(url: &str) -> Result<tokio_postgres::Config, StoreError> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(StoreError::new(
            StoreErrorKind::Failed,
            "a PostgreSQL URL starts with postgres:// or postgresql://",
        ));
    }
    // The driver's message never repeats the URL, which may hold a password.
    let mut config: tokio_postgres::Config = url
        .parse()
        .map_err(|e| StoreError::new(StoreErrorKind::Failed, format!("invalid PostgreSQL URL: {e}")).with_source(e))?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    if config.get_application_name().is_none() {
        // What pg_stat_activity shows an operator.
        config.application_name("sso-scim");
    }
    Ok(config)
}

/// "host:port/dbname" of a configuration, for messages.
fn target(config: &tokio_postgres::Config) -> String {
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
        Some(tokio_postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!("{host}:{port}/{}", config.get_dbname().unwrap_or(""))
}

impl Db {
    /// A pool of at most `max_connections` connections to `url`, its schema migrated.
    pub(crate) async fn connect(url: &str, max_connections: usize) -> Result<Db, StoreError> {
        let config = config(url)?;
        let target = target(&config);
        // Fast recycling: a connection that broke is noticed by the driver and not handed out
        // again; anything subtler shows as a failed statement, reported to the caller.
        let manager = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager)
            .max_size(max_connections.max(1))
            .runtime(Runtime::Tokio1)
            .create_timeout(Some(CONNECT_TIMEOUT))
            .wait_timeout(Some(WAIT_TIMEOUT))
            .build()
            .map_err(|e| StoreError::new(StoreErrorKind::Failed, format!("cannot build the connection pool: {e}")))?;
        let db = Db { pool, assertion_inserts: AtomicU32::new(0), target };
        let mut client = db.client().await?;
        schema::migrate(&mut client).await?;
        Ok(db)
    }

    /// A pooled connection; it goes back to the pool when dropped.
    pub(crate) async fn client(&self) -> Result<Client, StoreError> {
        self.pool.get().await.map_err(pool_failed)
    }

    /// Count one replay-cache insert; `true` when this one should sweep expired entries first.
    pub(crate) fn assertion_sweep_due(&self) -> bool {
        let n = self.assertion_inserts.fetch_add(1, Ordering::Relaxed) + 1;
        n.is_multiple_of(ASSERTION_SWEEP_EVERY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_and_completed_without_echoing_secrets() {
        let c = config("postgresql://app:s3cret@db.example:6543/sso?sslmode=disable").unwrap();
        assert_eq!(target(&c), "db.example:6543/sso");
        assert_eq!(c.get_connect_timeout(), Some(&CONNECT_TIMEOUT));
        assert_eq!(c.get_application_name(), Some("sso-scim"));
        let c = config("postgres://h/d?connect_timeout=3&application_name=mine").unwrap();
        assert_eq!((c.get_connect_timeout(), c.get_application_name()), (Some(&Duration::from_secs(3)), Some("mine")));
        let err = config("host=h dbname=d").err().unwrap();
        assert!(err.message().contains("postgres://"), "{}", err.message());
        let err = config("postgres://u:s3cret@h:notaport/d").err().unwrap();
        assert!(!err.message().contains("s3cret"), "{}", err.message());
    }
}
