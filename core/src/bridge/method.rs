//! The methods of a host store, with their names in each spelling and their wire protocol.

/// One method of the host store. Arguments are positional JSON values; records travel in the
/// serde form of [`UserRecord`](crate::UserRecord) / [`GroupRecord`](crate::GroupRecord)
/// (keys per [`KeyCase`](super::KeyCase)), instants as RFC 3339 strings.
///
/// | method | arguments | answer |
/// | --- | --- | --- |
/// | `workspace_for_token` | token hash (64 lower-case hex digits) | `null`, or `{workspace: {id, name, default_role}, token_hash}` with the hash the store has on record (the core re-checks it in constant time) |
/// | `get_user` | workspace id, user id | `null` or a user |
/// | `find_by_user_name` | workspace id, userName key ([`user_name_key`](crate::user_name_key)) | `null` or a user (archived and deprovisioned included) |
/// | `query_users` | workspace id, query ([`query_to_wire`](super::query_to_wire)) | `{total_results, users: [...]}` without deprovisioned users |
/// | `insert_user` | user | the stored user, or `null` for "stored as given"; signal `conflict` on a taken userName key |
/// | `update_user` | user, expected version | the stored user or `null`; signal `version_mismatch`, `not_found` or `conflict` |
/// | `remember_assertion` | workspace id, assertion key, not-on-or-after instant | `true` the first time, `false` on a replay |
/// | `get_group` | workspace id, group id | `null` or a group |
/// | `find_group_by_display_name` | workspace id, displayName key ([`display_name_key`](crate::display_name_key)) | `null` or a group |
/// | `query_groups` | workspace id, query | `{total_results, groups: [...]}` |
/// | `insert_group` | group | the stored group or `null`; signal `conflict` |
/// | `update_group` | group, expected version | the stored group or `null`; signal `version_mismatch`, `not_found` or `conflict` |
/// | `delete_group` | workspace id, group id, expected version | anything (ignored); signal `version_mismatch` or `not_found` |
///
/// A host signals a kind by failing with its name
/// ([`StoreErrorKind::from_host_code`](crate::StoreErrorKind::from_host_code)); any other
/// failure is `store_failed` and keeps the host's own error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StoreMethod {
    /// See the table above.
    WorkspaceForToken,
    /// See the table above.
    GetUser,
    /// See the table above.
    FindByUserName,
    /// See the table above.
    QueryUsers,
    /// See the table above.
    InsertUser,
    /// See the table above.
    UpdateUser,
    /// See the table above.
    RememberAssertion,
    /// See the table above.
    GetGroup,
    /// See the table above.
    FindGroupByDisplayName,
    /// See the table above.
    QueryGroups,
    /// See the table above.
    InsertGroup,
    /// See the table above.
    UpdateGroup,
    /// See the table above.
    DeleteGroup,
}

impl StoreMethod {
    /// Every method, required ones first.
    pub const ALL: &'static [StoreMethod] = &[
        StoreMethod::WorkspaceForToken,
        StoreMethod::GetUser,
        StoreMethod::FindByUserName,
        StoreMethod::QueryUsers,
        StoreMethod::InsertUser,
        StoreMethod::UpdateUser,
        StoreMethod::RememberAssertion,
        StoreMethod::GetGroup,
        StoreMethod::FindGroupByDisplayName,
        StoreMethod::QueryGroups,
        StoreMethod::InsertGroup,
        StoreMethod::UpdateGroup,
        StoreMethod::DeleteGroup,
    ];

    /// The snake_case name (Python and C hosts).
    pub const fn snake_name(self) -> &'static str {
        match self {
            StoreMethod::WorkspaceForToken => "workspace_for_token",
            StoreMethod::GetUser => "get_user",
            StoreMethod::FindByUserName => "find_by_user_name",
            StoreMethod::QueryUsers => "query_users",
            StoreMethod::InsertUser => "insert_user",
            StoreMethod::UpdateUser => "update_user",
            StoreMethod::RememberAssertion => "remember_assertion",
            StoreMethod::GetGroup => "get_group",
            StoreMethod::FindGroupByDisplayName => "find_group_by_display_name",
            StoreMethod::QueryGroups => "query_groups",
            StoreMethod::InsertGroup => "insert_group",
            StoreMethod::UpdateGroup => "update_group",
            StoreMethod::DeleteGroup => "delete_group",
        }
    }

    /// The camelCase name (Node hosts).
    pub const fn camel_name(self) -> &'static str {
        match self {
            StoreMethod::WorkspaceForToken => "workspaceForToken",
            StoreMethod::GetUser => "getUser",
            StoreMethod::FindByUserName => "findByUserName",
            StoreMethod::QueryUsers => "queryUsers",
            StoreMethod::InsertUser => "insertUser",
            StoreMethod::UpdateUser => "updateUser",
            StoreMethod::RememberAssertion => "rememberAssertion",
            StoreMethod::GetGroup => "getGroup",
            StoreMethod::FindGroupByDisplayName => "findGroupByDisplayName",
            StoreMethod::QueryGroups => "queryGroups",
            StoreMethod::InsertGroup => "insertGroup",
            StoreMethod::UpdateGroup => "updateGroup",
            StoreMethod::DeleteGroup => "deleteGroup",
        }
    }

    /// The name in a key case.
    pub const fn name(self, case: super::KeyCase) -> &'static str {
        match case {
            super::KeyCase::Snake => self.snake_name(),
            super::KeyCase::Camel => self.camel_name(),
        }
    }

    /// Whether a host may leave the method out: the group methods are optional (without
    /// them `/Groups` answers 501; turn `groups` off in the SCIM settings to stop advertising
    /// them).
    pub const fn is_optional(self) -> bool {
        matches!(
            self,
            StoreMethod::GetGroup
                | StoreMethod::FindGroupByDisplayName
                | StoreMethod::QueryGroups
                | StoreMethod::InsertGroup
                | StoreMethod::UpdateGroup
                | StoreMethod::DeleteGroup
        )
    }

    /// How many arguments the method takes.
    pub const fn arity(self) -> usize {
        match self {
            StoreMethod::WorkspaceForToken | StoreMethod::InsertUser | StoreMethod::InsertGroup => 1,
            StoreMethod::RememberAssertion | StoreMethod::DeleteGroup => 3,
            _ => 2,
        }
    }

    /// The most records an answer may list: for `query_users`/`query_groups`, the query's
    /// `count` (in `args`, as this method was called). A binding checks the length of the
    /// host's `users`/`groups` array against it **before** converting a single record, so a
    /// store that ignores `count` costs nothing: the answer is refused as
    /// `store_contract_violated` (the core checks again after conversion, for every store).
    pub fn row_limit(self, args: &[serde_json::Value]) -> Option<usize> {
        match self {
            StoreMethod::QueryUsers | StoreMethod::QueryGroups => {
                let count = args.get(1)?.get("count")?.as_u64()?;
                Some(usize::try_from(count).unwrap_or(usize::MAX))
            }
            _ => None,
        }
    }

    /// The key of the record list in this method's answer (`users`, `groups`), if it has one.
    pub const fn rows_key(self) -> Option<&'static str> {
        match self {
            StoreMethod::QueryUsers => Some("users"),
            StoreMethod::QueryGroups => Some("groups"),
            _ => None,
        }
    }
}
