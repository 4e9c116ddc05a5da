//! The [`Directory`] implementation. Each method awaits its statements on a pooled
//! connection (in the module that owns the table: `users`, `groups`, `tokens`, `assertions`).

use sso_scim_core::TokenGrant;
use sso_scim_core::token::TokenHash;
use sso_scim_core::{Directory, GroupPage, GroupRecord, ListQuery, StoreError, UserPage, UserRecord};
use time::OffsetDateTime;

use crate::PostgresDirectory;
use crate::groups::GROUPS;
use crate::users::USERS;

impl Directory for PostgresDirectory {
    async fn workspace_for_token(&self, token_hash: &TokenHash) -> Result<Option<TokenGrant>, StoreError> {
        self.token_grant(token_hash).await
    }

    async fn get_user(&self, workspace_id: &str, id: &str) -> Result<Option<UserRecord>, StoreError> {
        USERS.lookup(&self.db, workspace_id, "id", id).await
    }

    async fn find_by_user_name(
        &self,
        workspace_id: &str,
        user_name_key: &str,
    ) -> Result<Option<UserRecord>, StoreError> {
        USERS.lookup(&self.db, workspace_id, "user_name_key", user_name_key).await
    }

    async fn query_users(&self, workspace_id: &str, query: &ListQuery) -> Result<UserPage, StoreError> {
        let page = USERS.page(&self.db, workspace_id, query).await?;
        Ok(UserPage { total_results: page.total_results, users: page.items })
    }

    async fn insert_user(&self, user: &UserRecord) -> Result<UserRecord, StoreError> {
        self.insert_user_row(user).await
    }

    async fn update_user(&self, user: &UserRecord, expected_version: u64) -> Result<UserRecord, StoreError> {
        self.update_user_row(user, expected_version).await
    }

    async fn remember_assertion(
        &self,
        workspace_id: &str,
        assertion_id: &str,
        not_on_or_after: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        self.remember(workspace_id, assertion_id, not_on_or_after).await
    }

    async fn get_group(&self, workspace_id: &str, id: &str) -> Result<Option<GroupRecord>, StoreError> {
        GROUPS.lookup(&self.db, workspace_id, "id", id).await
    }

    async fn find_group_by_display_name(
        &self,
        workspace_id: &str,
        key: &str,
    ) -> Result<Option<GroupRecord>, StoreError> {
        GROUPS.lookup(&self.db, workspace_id, "display_name_key", key).await
    }

    async fn query_groups(&self, workspace_id: &str, query: &ListQuery) -> Result<GroupPage, StoreError> {
        let page = GROUPS.page(&self.db, workspace_id, query).await?;
        Ok(GroupPage { total_results: page.total_results, groups: page.items })
    }

    async fn insert_group(&self, group: &GroupRecord) -> Result<GroupRecord, StoreError> {
        self.insert_group_row(group).await
    }

    async fn update_group(&self, group: &GroupRecord, expected_version: u64) -> Result<GroupRecord, StoreError> {
        self.update_group_row(group, expected_version).await
    }

    async fn delete_group(&self, workspace_id: &str, id: &str, expected_version: u64) -> Result<(), StoreError> {
        self.delete_group_row(workspace_id, id, expected_version).await
    }
}
