//! [`ForeignDirectory`]: a [`Directory`] over a host store spoken to in JSON.

use std::future::Future;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use time::OffsetDateTime;

use super::case::KeyCase;
use super::method::StoreMethod;
use super::query::query_to_wire;
use crate::directory::{Directory, GroupPage, ListQuery, TokenGrant, UserPage};
use crate::error::{StoreError, StoreErrorKind};
use crate::model::{GroupRecord, UserRecord};
use crate::token::TokenHash;

/// How much of a malformed answer an error message quotes.
const QUOTE_LIMIT: usize = 200;

/// The one thing a binding implements: call a method of the host's store.
pub trait HostStore: Send + Sync {
    /// Call `method` with its positional JSON `args` (already in the host's key case) and
    /// resolve with the host's JSON answer (`null` for "nothing"). A host failure is a
    /// [`StoreError`]: its kind from the name the host signalled
    /// ([`StoreErrorKind::from_host_code`]) and the host's own error as the source.
    fn call(&self, method: StoreMethod, args: Vec<Value>) -> impl Future<Output = Result<Value, StoreError>> + Send;
}

/// A [`Directory`] whose every method is a [`HostStore::call`]: arguments rendered in the wire
/// form, answers checked against the trait's contract (a malformed answer is
/// [`StoreErrorKind::ContractViolated`], quoting what the host sent).
#[derive(Debug)]
pub struct ForeignDirectory<H> {
    host: H,
    case: KeyCase,
}

impl<H: HostStore> ForeignDirectory<H> {
    /// Wrap a host store whose keys are spelled in `case`.
    pub fn new(host: H, case: KeyCase) -> Self {
        ForeignDirectory { host, case }
    }

    /// The host store.
    pub fn host(&self) -> &H {
        &self.host
    }

    /// The key case of the wire form.
    pub fn case(&self) -> KeyCase {
        self.case
    }

    fn arg(&self, value: &impl Serialize) -> Value {
        // The core's own types always serialize: no maps with non-string keys, no NaN.
        self.case.to_host(serde_json::to_value(value).unwrap_or(Value::Null))
    }

    async fn call<T: DeserializeOwned>(&self, method: StoreMethod, args: Vec<Value>) -> Result<T, StoreError> {
        let limit = method.row_limit(&args);
        let answer = self.host.call(method, args).await?;
        // Before any record is converted: a store that ignores `count` is refused at the cost
        // of reading one length.
        if let (Some(limit), Some(key)) = (limit, method.rows_key())
            && let Some(rows) = answer.get(key).and_then(Value::as_array)
            && rows.len() > limit
        {
            return Err(StoreError::new(
                StoreErrorKind::ContractViolated,
                format!("the store's {} listed {} records for a count of {limit}", method.name(self.case), rows.len()),
            ));
        }
        let answer = self.case.from_host(answer);
        // Read from a borrow: the answer is only kept to be quoted when it is malformed.
        T::deserialize(&answer).map_err(|e| {
            let mut quoted = answer.to_string();
            if quoted.len() > QUOTE_LIMIT {
                let mut end = QUOTE_LIMIT;
                while !quoted.is_char_boundary(end) {
                    end -= 1;
                }
                quoted.truncate(end);
                quoted.push('…');
            }
            StoreError::new(
                StoreErrorKind::ContractViolated,
                format!(
                    "the store's {} answered {quoted}, which is not what it must answer: {e}",
                    method.name(self.case)
                ),
            )
        })
    }

    /// `null` means "stored as given".
    async fn stored<T: DeserializeOwned + Clone>(
        &self,
        method: StoreMethod,
        given: &T,
        args: Vec<Value>,
    ) -> Result<T, StoreError> {
        let answer: Option<T> = self.call(method, args).await?;
        Ok(answer.unwrap_or_else(|| given.clone()))
    }
}

impl<H: HostStore> Directory for ForeignDirectory<H> {
    async fn workspace_for_token(&self, token_hash: &TokenHash) -> Result<Option<TokenGrant>, StoreError> {
        self.call(StoreMethod::WorkspaceForToken, vec![Value::from(token_hash.to_hex())]).await
    }

    async fn get_user(&self, workspace_id: &str, id: &str) -> Result<Option<UserRecord>, StoreError> {
        self.call(StoreMethod::GetUser, vec![workspace_id.into(), id.into()]).await
    }

    async fn find_by_user_name(&self, workspace_id: &str, key: &str) -> Result<Option<UserRecord>, StoreError> {
        self.call(StoreMethod::FindByUserName, vec![workspace_id.into(), key.into()]).await
    }

    async fn query_users(&self, workspace_id: &str, query: &ListQuery) -> Result<UserPage, StoreError> {
        let query = self.case.to_host(query_to_wire(query));
        self.call(StoreMethod::QueryUsers, vec![workspace_id.into(), query]).await
    }

    async fn insert_user(&self, user: &UserRecord) -> Result<UserRecord, StoreError> {
        self.stored(StoreMethod::InsertUser, user, vec![self.arg(user)]).await
    }

    async fn update_user(&self, user: &UserRecord, expected_version: u64) -> Result<UserRecord, StoreError> {
        self.stored(StoreMethod::UpdateUser, user, vec![self.arg(user), expected_version.into()]).await
    }

    async fn remember_assertion(
        &self,
        workspace_id: &str,
        assertion_id: &str,
        not_on_or_after: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let until = super::json::instant(not_on_or_after);
        self.call(StoreMethod::RememberAssertion, vec![workspace_id.into(), assertion_id.into(), until]).await
    }

    async fn get_group(&self, workspace_id: &str, id: &str) -> Result<Option<GroupRecord>, StoreError> {
        self.call(StoreMethod::GetGroup, vec![workspace_id.into(), id.into()]).await
    }

    async fn find_group_by_display_name(
        &self,
        workspace_id: &str,
        key: &str,
    ) -> Result<Option<GroupRecord>, StoreError> {
        self.call(StoreMethod::FindGroupByDisplayName, vec![workspace_id.into(), key.into()]).await
    }

    async fn query_groups(&self, workspace_id: &str, query: &ListQuery) -> Result<GroupPage, StoreError> {
        let query = self.case.to_host(query_to_wire(query));
        self.call(StoreMethod::QueryGroups, vec![workspace_id.into(), query]).await
    }

    async fn insert_group(&self, group: &GroupRecord) -> Result<GroupRecord, StoreError> {
        self.stored(StoreMethod::InsertGroup, group, vec![self.arg(group)]).await
    }

    async fn update_group(&self, group: &GroupRecord, expected_version: u64) -> Result<GroupRecord, StoreError> {
        self.stored(StoreMethod::UpdateGroup, group, vec![self.arg(group), expected_version.into()]).await
    }

    async fn delete_group(&self, workspace_id: &str, id: &str, expected_version: u64) -> Result<(), StoreError> {
        let args = vec![workspace_id.into(), id.into(), expected_version.into()];
        self.host.call(StoreMethod::DeleteGroup, args).await.map(drop)
    }
}
