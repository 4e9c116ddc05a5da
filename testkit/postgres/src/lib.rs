//! # sso-scim-pg-testkit
//!
//! A throwaway PostgreSQL server for sso-scim's tests: no external service, no fixed port.
//!
//! [`TestPostgres::start`] finds the newest `/usr/lib/postgresql/*/bin` (Debian's
//! `postgresql` package; [`BIN_ENV`] overrides it), runs `initdb` into a new temporary folder —
//! as the `postgres` user when the tests run as root, since `initdb` refuses root — and starts
//! the server with `pg_ctl` on a free TCP port of 127.0.0.1 and a unix socket in that folder,
//! fsync on. Dropping it stops the server (`pg_ctl stop -m fast`) and removes the folder.
//!
//! A test binary shares one server ([`TestPostgres::shared`]) and gives each test a database
//! of its own ([`TestPostgres::create_database`]). When the server cannot start, these
//! panic with the reason and the server's log: PostgreSQL tests fail, they never skip.
//!
//! ```no_run
//! use sso_scim_pg_testkit::TestPostgres;
//!
//! let url = TestPostgres::shared().create_database(); // postgres://postgres@127.0.0.1:PORT/t1
//! # let _ = url;
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![warn(clippy::too_many_lines)]

mod binaries;
mod server;

pub use binaries::BIN_ENV;
pub use server::{SUPERUSER, TestPostgres};
