//! The product's view of workspaces and users, shared by SCIM, SAML and every store.

mod user;
mod workspace;

pub use user::{UserRecord, UserState, user_name_key};
pub use workspace::{DEFAULT_ROLE, Workspace};
