//! The one trait a host implements to persist users, and the in-memory implementation.

mod memory;

use std::future::Future;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub use memory::MemoryDirectory;

use crate::error::StoreError;
use crate::model::{GroupRecord, UserRecord, Workspace};
use crate::query::{Filter, SortSpec, ValueSource};
use crate::token::TokenHash;

/// A page request for users (or groups) of one workspace.
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    /// Only users matching this filter (all when `None`). Stores may translate it (SQL hosts
    /// push it down; [`Filter::index_hint`] names an indexed equality) or evaluate
    /// [`Filter::matches`] on each candidate.
    pub filter: Option<Filter>,
    /// Order of results; without one, the store's own stable order (insertion order is best).
    pub sort: Option<SortSpec>,
    /// 1-based index of the first result to return.
    pub start_index: usize,
    /// How many results at most to return (may be 0: then only the total is wanted).
    pub count: usize,
}

impl ListQuery {
    /// Filter, sort and page `candidates` as the query asks, for a store that keeps its
    /// records in memory: `(total_results, page)`. Without a sort the candidates' own order
    /// is kept (stable), and a sort keeps that order among equal keys.
    pub fn select<R: ValueSource>(&self, candidates: impl IntoIterator<Item = R>) -> (usize, Vec<R>) {
        let skip = self.start_index.saturating_sub(1);
        let matching = candidates.into_iter().filter(|r| self.filter.as_ref().is_none_or(|f| f.matches(r)));
        if let Some(sort) = &self.sort {
            let mut all: Vec<R> = matching.collect();
            sort.sort(&mut all);
            let total = all.len();
            return (total, all.into_iter().skip(skip).take(self.count).collect());
        }
        let mut total = 0;
        let mut page = Vec::new();
        for record in matching {
            if total >= skip && page.len() < self.count {
                page.push(record);
            }
            total += 1;
        }
        (total, page)
    }
}

/// What a store answers for a token hash: the workspace and the hash it has on record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenGrant {
    /// The workspace the token belongs to.
    pub workspace: Workspace,
    /// The hash the store has on record, re-checked by the core in constant time.
    pub token_hash: TokenHash,
}

/// One page of groups.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct GroupPage {
    /// How many groups match in all.
    pub total_results: usize,
    /// The groups of this page, in order.
    pub groups: Vec<GroupRecord>,
}

/// One page of users.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct UserPage {
    /// How many users match in all (not just on this page).
    pub total_results: usize,
    /// The users of this page, in order.
    pub users: Vec<UserRecord>,
}

/// The store the host implements.
///
/// Every method is scoped to one workspace: the core passes the workspace resolved from the
/// bearer token, and checks that every user a store returns belongs to it. Methods return
/// `Send` futures and the core awaits nothing else, so a synchronous store makes every core
/// future complete on its first poll.
///
/// Users in state [`Deprovisioned`](crate::UserState::Deprovisioned) are gone for SCIM but
/// still exist: `get_user` and `find_by_user_name` return them (the core hides them), while
/// `query_users` must leave them out so totals and pages stay right.
pub trait Directory: Send + Sync {
    /// The workspace a SCIM bearer token belongs to, looked up by the token's SHA-256 hash.
    fn workspace_for_token(
        &self,
        token_hash: &TokenHash,
    ) -> impl Future<Output = Result<Option<TokenGrant>, StoreError>> + Send;

    /// The user with this id, in any state.
    fn get_user(
        &self,
        workspace_id: &str,
        id: &str,
    ) -> impl Future<Output = Result<Option<UserRecord>, StoreError>> + Send;

    /// The user whose [`user_name_key`](crate::user_name_key) equals `user_name_key`, in any
    /// state (archived and deprovisioned included), so that uniqueness and the filter agree.
    fn find_by_user_name(
        &self,
        workspace_id: &str,
        user_name_key: &str,
    ) -> impl Future<Output = Result<Option<UserRecord>, StoreError>> + Send;

    /// A page of the workspace's users that SCIM can see (not deprovisioned) matching the
    /// query.
    fn query_users(
        &self,
        workspace_id: &str,
        query: &ListQuery,
    ) -> impl Future<Output = Result<UserPage, StoreError>> + Send;

    /// Store a new user; fail with [`StoreErrorKind::Conflict`](crate::StoreErrorKind::Conflict)
    /// if the workspace already has a user with the same userName key. Returns the stored
    /// record (a store may substitute its own `id`).
    fn insert_user(&self, user: &UserRecord) -> impl Future<Output = Result<UserRecord, StoreError>> + Send;

    /// Replace a user if its stored version is still `expected_version`; otherwise fail with
    /// [`VersionMismatch`](crate::StoreErrorKind::VersionMismatch) (or
    /// [`NotFound`](crate::StoreErrorKind::NotFound), or
    /// [`Conflict`](crate::StoreErrorKind::Conflict) when the new userName key is taken).
    fn update_user(
        &self,
        user: &UserRecord,
        expected_version: u64,
    ) -> impl Future<Output = Result<UserRecord, StoreError>> + Send;

    /// Record a SAML assertion id until `not_on_or_after`; `true` the first time, `false` on
    /// every replay. Stores may forget entries once they expire.
    fn remember_assertion(
        &self,
        workspace_id: &str,
        assertion_id: &str,
        not_on_or_after: OffsetDateTime,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// The group with this id. Groups are optional: a store without them keeps these
    /// defaults, and the SCIM handler answers 501 for `/Groups`.
    fn get_group(
        &self,
        workspace_id: &str,
        id: &str,
    ) -> impl Future<Output = Result<Option<GroupRecord>, StoreError>> + Send {
        let _ = (workspace_id, id);
        std::future::ready(Err(StoreError::unsupported("groups")))
    }

    /// The group whose [`display_name_key`](crate::display_name_key) equals `key`.
    fn find_group_by_display_name(
        &self,
        workspace_id: &str,
        key: &str,
    ) -> impl Future<Output = Result<Option<GroupRecord>, StoreError>> + Send {
        let _ = (workspace_id, key);
        std::future::ready(Err(StoreError::unsupported("groups")))
    }

    /// A page of the workspace's groups matching the query (filter resolved against the Group
    /// schema).
    fn query_groups(
        &self,
        workspace_id: &str,
        query: &ListQuery,
    ) -> impl Future<Output = Result<GroupPage, StoreError>> + Send {
        let _ = (workspace_id, query);
        std::future::ready(Err(StoreError::unsupported("groups")))
    }

    /// Store a new group; `Conflict` if the displayName key is taken.
    fn insert_group(&self, group: &GroupRecord) -> impl Future<Output = Result<GroupRecord, StoreError>> + Send {
        let _ = group;
        std::future::ready(Err(StoreError::unsupported("groups")))
    }

    /// Replace a group if its version is still `expected_version` (`VersionMismatch`,
    /// `NotFound` or `Conflict` otherwise).
    fn update_group(
        &self,
        group: &GroupRecord,
        expected_version: u64,
    ) -> impl Future<Output = Result<GroupRecord, StoreError>> + Send {
        let _ = (group, expected_version);
        std::future::ready(Err(StoreError::unsupported("groups")))
    }

    /// Delete a group if its version is still `expected_version`; `NotFound` if it is gone.
    fn delete_group(
        &self,
        workspace_id: &str,
        id: &str,
        expected_version: u64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        let _ = (workspace_id, id, expected_version);
        std::future::ready(Err(StoreError::unsupported("groups")))
    }
}

/// A shared store is a store: hosts keep one `Arc` for the SCIM handler, the login path and
/// their own admin code.
impl<D: Directory> Directory for Arc<D> {
    fn workspace_for_token(
        &self,
        h: &TokenHash,
    ) -> impl Future<Output = Result<Option<TokenGrant>, StoreError>> + Send {
        (**self).workspace_for_token(h)
    }

    fn get_user(&self, w: &str, id: &str) -> impl Future<Output = Result<Option<UserRecord>, StoreError>> + Send {
        (**self).get_user(w, id)
    }

    fn find_by_user_name(
        &self,
        w: &str,
        key: &str,
    ) -> impl Future<Output = Result<Option<UserRecord>, StoreError>> + Send {
        (**self).find_by_user_name(w, key)
    }

    fn query_users(&self, w: &str, q: &ListQuery) -> impl Future<Output = Result<UserPage, StoreError>> + Send {
        (**self).query_users(w, q)
    }

    fn insert_user(&self, user: &UserRecord) -> impl Future<Output = Result<UserRecord, StoreError>> + Send {
        (**self).insert_user(user)
    }

    fn update_user(
        &self,
        user: &UserRecord,
        expected: u64,
    ) -> impl Future<Output = Result<UserRecord, StoreError>> + Send {
        (**self).update_user(user, expected)
    }

    fn remember_assertion(
        &self,
        w: &str,
        id: &str,
        until: OffsetDateTime,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        (**self).remember_assertion(w, id, until)
    }

    fn get_group(&self, w: &str, id: &str) -> impl Future<Output = Result<Option<GroupRecord>, StoreError>> + Send {
        (**self).get_group(w, id)
    }

    fn find_group_by_display_name(
        &self,
        w: &str,
        key: &str,
    ) -> impl Future<Output = Result<Option<GroupRecord>, StoreError>> + Send {
        (**self).find_group_by_display_name(w, key)
    }

    fn query_groups(&self, w: &str, q: &ListQuery) -> impl Future<Output = Result<GroupPage, StoreError>> + Send {
        (**self).query_groups(w, q)
    }

    fn insert_group(&self, g: &GroupRecord) -> impl Future<Output = Result<GroupRecord, StoreError>> + Send {
        (**self).insert_group(g)
    }

    fn update_group(&self, g: &GroupRecord, v: u64) -> impl Future<Output = Result<GroupRecord, StoreError>> + Send {
        (**self).update_group(g, v)
    }

    fn delete_group(&self, w: &str, id: &str, v: u64) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).delete_group(w, id, v)
    }
}
