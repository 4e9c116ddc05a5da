//! The product's view of workspaces and users, shared by SCIM, SAML and every store.

mod group;
mod user;
mod workspace;

pub use group::{GroupRecord, display_name_key};
pub use user::{UserRecord, UserState, user_name_key};
pub use workspace::{DEFAULT_ROLE, Workspace};
