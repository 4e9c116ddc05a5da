//! The store behind every command: an SQLite file, or a PostgreSQL database when `--db` is a
//! `postgres://` or `postgresql://` URL (README "Several processes on PostgreSQL").
//!
//! Commands and the blocking pool of `serve` call the store synchronously. SQLite answers on
//! the calling thread; PostgreSQL's driver is async, so its calls are driven to completion on
//! the runtime `main` started ([`Store::complete`]): from a pool thread directly, from an async
//! worker (start-up only) inside `block_in_place`.

use std::future::Future;
use std::path::{Path, PathBuf};

use sso_scim_core::executor::now_or_never;
use sso_scim_core::token::TokenHash;
use sso_scim_core::{
    Directory, GroupPage, GroupRecord, ListQuery, StoreError, TokenGrant, UserPage, UserRecord, Workspace,
};
use sso_scim_postgres::PostgresDirectory;
use sso_scim_sqlite::{SqliteDirectory, TokenInfo};
use time::OffsetDateTime;
use tokio::runtime::Handle;

/// What `--db` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An SQLite database file.
    File(PathBuf),
    /// A PostgreSQL connection URL.
    Postgres(String),
}

impl Target {
    /// A `postgres://` or `postgresql://` URL names PostgreSQL; anything else is a file path.
    pub fn of(db: &Path) -> Target {
        match db.to_str() {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Target::Postgres(url.to_owned())
            }
            _ => Target::File(db.to_owned()),
        }
    }

    /// How messages name the database: the file, or the URL without its password.
    pub fn describe(&self) -> String {
        match self {
            Target::File(path) => path.display().to_string(),
            Target::Postgres(url) => redact(url),
        }
    }
}

/// `url` with the password of its user-info replaced by `***`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((user_info, host)) => match user_info.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// An open store.
pub enum Store {
    /// SQLite: every call completes on the calling thread.
    Sqlite(SqliteDirectory),
    /// PostgreSQL, and the runtime its calls are driven on.
    Postgres(PostgresDirectory, Handle),
}

impl Store {
    /// Open (and migrate) the store `target` names; PostgreSQL connects through `runtime`.
    pub fn open(target: &Target, runtime: &Handle) -> Result<Store, String> {
        let failed = |e: StoreError| format!("{}: {e}", target.describe());
        match target {
            Target::File(path) => SqliteDirectory::open(path).map(Store::Sqlite).map_err(failed),
            Target::Postgres(url) => {
                let store = drive(runtime, PostgresDirectory::connect(url)).map_err(failed)?;
                Ok(Store::Postgres(store, runtime.clone()))
            }
        }
    }

    /// Run a future over this store to completion on the calling thread (a core request, a
    /// login decision): at once for SQLite, on the runtime for PostgreSQL.
    pub fn complete<F: Future>(&self, future: F) -> F::Output {
        match self {
            Store::Sqlite(_) => now_or_never(future).expect("futures over SQLite complete on their first poll"),
            Store::Postgres(_, runtime) => drive(runtime, future),
        }
    }
}

/// Drive `future` on `runtime` from a thread that may or may not be one of its workers.
fn drive<F: Future>(runtime: &Handle, future: F) -> F::Output {
    if Handle::try_current().is_ok() {
        tokio::task::block_in_place(|| runtime.block_on(future))
    } else {
        runtime.block_on(future)
    }
}

/// The synchronous administration API, the same on both stores.
macro_rules! admin {
    ($( $(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*) -> $out:ty; )*) => {
        impl Store {
            $(
                $(#[$doc])*
                pub fn $name(&self, $($arg: $ty),*) -> Result<$out, StoreError> {
                    match self {
                        Store::Sqlite(s) => s.$name($($arg),*),
                        Store::Postgres(p, runtime) => drive(runtime, p.$name($($arg),*)),
                    }
                }
            )*
        }
    };
}

admin! {
    /// A new workspace with a random id.
    fn create_workspace(name: &str, default_role: Option<&str>) -> Workspace;
    /// Every workspace, oldest first.
    fn workspaces() -> Vec<Workspace>;
    /// The workspace with this id.
    fn workspace(id: &str) -> Option<Workspace>;
    /// Grant a SCIM token (by its hash) to a workspace.
    fn add_token(workspace_id: &str, token_hash: &TokenHash) -> ();
    /// Revoke a token; whether it existed.
    fn revoke_token(token_hash: &TokenHash) -> bool;
    /// A workspace's stored SAML settings (JSON).
    fn saml_settings(workspace_id: &str) -> Option<String>;
    /// Store a workspace's SAML settings (JSON).
    fn set_saml_settings(workspace_id: &str, json: &str) -> ();
    /// Every user of a workspace.
    fn users(workspace_id: &str) -> Vec<UserRecord>;
    /// A server secret of `len` bytes, created on first use.
    fn secret(name: &str, len: usize) -> Vec<u8>;
}

impl Store {
    /// A workspace's tokens, as an administrator may see them.
    pub fn tokens(&self, workspace_id: &str) -> Result<Vec<TokenInfo>, StoreError> {
        match self {
            Store::Sqlite(s) => s.tokens(workspace_id),
            Store::Postgres(p, runtime) => Ok(drive(runtime, p.tokens(workspace_id))?
                .into_iter()
                .map(|t| TokenInfo { hash_prefix: t.hash_prefix, created: t.created })
                .collect()),
        }
    }
}

impl Directory for Store {
    async fn workspace_for_token(&self, h: &TokenHash) -> Result<Option<TokenGrant>, StoreError> {
        match self {
            Store::Sqlite(s) => s.workspace_for_token(h).await,
            Store::Postgres(p, _) => p.workspace_for_token(h).await,
        }
    }

    async fn get_user(&self, w: &str, id: &str) -> Result<Option<UserRecord>, StoreError> {
        match self {
            Store::Sqlite(s) => s.get_user(w, id).await,
            Store::Postgres(p, _) => p.get_user(w, id).await,
        }
    }

    async fn find_by_user_name(&self, w: &str, key: &str) -> Result<Option<UserRecord>, StoreError> {
        match self {
            Store::Sqlite(s) => s.find_by_user_name(w, key).await,
            Store::Postgres(p, _) => p.find_by_user_name(w, key).await,
        }
    }

    async fn query_users(&self, w: &str, q: &ListQuery) -> Result<UserPage, StoreError> {
        match self {
            Store::Sqlite(s) => s.query_users(w, q).await,
            Store::Postgres(p, _) => p.query_users(w, q).await,
        }
    }

    async fn insert_user(&self, user: &UserRecord) -> Result<UserRecord, StoreError> {
        match self {
            Store::Sqlite(s) => s.insert_user(user).await,
            Store::Postgres(p, _) => p.insert_user(user).await,
        }
    }

    async fn update_user(&self, user: &UserRecord, expected: u64) -> Result<UserRecord, StoreError> {
        match self {
            Store::Sqlite(s) => s.update_user(user, expected).await,
            Store::Postgres(p, _) => p.update_user(user, expected).await,
        }
    }

    async fn remember_assertion(&self, w: &str, id: &str, until: OffsetDateTime) -> Result<bool, StoreError> {
        match self {
            Store::Sqlite(s) => s.remember_assertion(w, id, until).await,
            Store::Postgres(p, _) => p.remember_assertion(w, id, until).await,
        }
    }

    async fn get_group(&self, w: &str, id: &str) -> Result<Option<GroupRecord>, StoreError> {
        match self {
            Store::Sqlite(s) => s.get_group(w, id).await,
            Store::Postgres(p, _) => p.get_group(w, id).await,
        }
    }

    async fn find_group_by_display_name(&self, w: &str, key: &str) -> Result<Option<GroupRecord>, StoreError> {
        match self {
            Store::Sqlite(s) => s.find_group_by_display_name(w, key).await,
            Store::Postgres(p, _) => p.find_group_by_display_name(w, key).await,
        }
    }

    async fn query_groups(&self, w: &str, q: &ListQuery) -> Result<GroupPage, StoreError> {
        match self {
            Store::Sqlite(s) => s.query_groups(w, q).await,
            Store::Postgres(p, _) => p.query_groups(w, q).await,
        }
    }

    async fn insert_group(&self, g: &GroupRecord) -> Result<GroupRecord, StoreError> {
        match self {
            Store::Sqlite(s) => s.insert_group(g).await,
            Store::Postgres(p, _) => p.insert_group(g).await,
        }
    }

    async fn update_group(&self, g: &GroupRecord, v: u64) -> Result<GroupRecord, StoreError> {
        match self {
            Store::Sqlite(s) => s.update_group(g, v).await,
            Store::Postgres(p, _) => p.update_group(g, v).await,
        }
    }

    async fn delete_group(&self, w: &str, id: &str, v: u64) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => s.delete_group(w, id, v).await,
            Store::Postgres(p, _) => p.delete_group(w, id, v).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_postgres_and_everything_else_a_file() {
        for url in ["postgres://u@h/db", "postgresql://u:p@h:5/db?sslmode=disable"] {
            assert_eq!(Target::of(Path::new(url)), Target::Postgres(url.to_owned()));
        }
        for file in ["sso-scim.db", "/tmp/postgres://x", "postgres:/x", "./postgresql://x"] {
            assert_eq!(Target::of(Path::new(file)), Target::File(file.into()));
        }
    }

    #[test]
    fn descriptions_never_show_a_password() {
        let t = Target::of(Path::new("postgres://admin:s3cret@db.internal:5432/sso?x=1"));
        assert_eq!(t.describe(), "postgres://admin:***@db.internal:5432/sso?x=1");
        assert_eq!(Target::of(Path::new("postgres://admin@h/db")).describe(), "postgres://admin@h/db");
        assert_eq!(Target::of(Path::new("postgres://h/db")).describe(), "postgres://h/db");
    }
}
