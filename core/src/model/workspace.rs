use serde::{Deserialize, Serialize};

/// The role a SCIM-created user gets when the workspace configures none.
pub const DEFAULT_ROLE: &str = "Project Manager";

/// A tenant of the host product. Every user, token and assertion belongs to exactly one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workspace {
    /// The host's stable identifier of the workspace.
    pub id: String,
    /// A display name, for logs and admin tools.
    pub name: String,
    /// The product role given to users created through SCIM (only on creation).
    #[serde(default = "default_role")]
    pub default_role: String,
}

fn default_role() -> String {
    DEFAULT_ROLE.to_owned()
}

impl Workspace {
    /// A workspace with the default role ([`DEFAULT_ROLE`]).
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Workspace { id: id.into(), name: name.into(), default_role: default_role() }
    }

    /// The same workspace with another default role for new SCIM users.
    pub fn with_default_role(mut self, role: impl Into<String>) -> Self {
        self.default_role = role.into();
        self
    }
}
