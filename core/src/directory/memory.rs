//! `MemoryDirectory`: a thread-safe, synchronous, indexed store for tests, examples and the
//! simplest hosts. Every method completes immediately, so core futures over it are ready on
//! their first poll.

use std::collections::{BTreeMap, HashMap};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use time::OffsetDateTime;

use super::{Directory, GroupPage, ListQuery, TokenGrant, UserPage};
use crate::error::{StoreError, StoreErrorKind};
use crate::model::{GroupRecord, UserRecord, Workspace, display_name_key, user_name_key};
use crate::query::IndexHint;
use crate::token::TokenHash;

/// Replay entries kept before expired ones are swept.
const ASSERTION_SWEEP_THRESHOLD: usize = 4096;

/// An in-memory [`Directory`], indexed by id, userName key and externalId, partitioned by
/// workspace so one workspace's lookups never see another's users.
#[derive(Debug, Default)]
pub struct MemoryDirectory {
    state: RwLock<State>,
}

#[derive(Debug, Default)]
struct State {
    tokens: HashMap<TokenHash, String>,
    tenants: HashMap<String, Tenant>,
}

#[derive(Debug)]
struct Tenant {
    workspace: Workspace,
    next_seq: u64,
    /// Users in insertion order: the stable order of unsorted pages.
    users: BTreeMap<u64, UserRecord>,
    by_id: HashMap<String, u64>,
    by_user_name: HashMap<String, u64>,
    by_external_id: HashMap<String, Vec<u64>>,
    visible: usize,
    assertions: HashMap<String, OffsetDateTime>,
    groups: BTreeMap<u64, GroupRecord>,
    group_by_id: HashMap<String, u64>,
    group_by_name: HashMap<String, u64>,
}

impl Tenant {
    fn new(workspace: Workspace) -> Self {
        Tenant {
            workspace,
            next_seq: 0,
            users: BTreeMap::new(),
            by_id: HashMap::new(),
            by_user_name: HashMap::new(),
            by_external_id: HashMap::new(),
            visible: 0,
            assertions: HashMap::new(),
            groups: BTreeMap::new(),
            group_by_id: HashMap::new(),
            group_by_name: HashMap::new(),
        }
    }

    fn index_external_id(&mut self, external_id: Option<&str>, seq: u64) {
        if let Some(ext) = external_id {
            // Keep each list in insertion order, like the unfiltered pages.
            let list = self.by_external_id.entry(ext.to_owned()).or_default();
            list.insert(list.partition_point(|s| *s < seq), seq);
        }
    }

    fn unindex_external_id(&mut self, external_id: Option<&str>, seq: u64) {
        if let Some(ext) = external_id
            && let Some(list) = self.by_external_id.get_mut(ext)
        {
            list.retain(|s| *s != seq);
            if list.is_empty() {
                self.by_external_id.remove(ext);
            }
        }
    }

    fn candidates(&self, query: &ListQuery) -> Box<dyn Iterator<Item = &UserRecord> + '_> {
        let one = |seq: Option<&u64>| {
            Box::new(seq.and_then(|s| self.users.get(s)).into_iter()) as Box<dyn Iterator<Item = _>>
        };
        match query.filter.as_ref().and_then(|f| f.index_hint()) {
            Some(IndexHint::Id(id)) => one(self.by_id.get(id)),
            Some(IndexHint::UserName(name)) => one(self.by_user_name.get(&user_name_key(name))),
            Some(IndexHint::ExternalId(ext)) => {
                Box::new(self.by_external_id.get(ext).into_iter().flatten().filter_map(|s| self.users.get(s)))
            }
            _ => Box::new(self.users.values()),
        }
    }

    fn group_candidates(&self, query: &ListQuery) -> Box<dyn Iterator<Item = &GroupRecord> + '_> {
        let one = |seq: Option<&u64>| {
            Box::new(seq.and_then(|s| self.groups.get(s)).into_iter()) as Box<dyn Iterator<Item = _>>
        };
        match query.filter.as_ref().and_then(|f| f.index_hint()) {
            Some(IndexHint::Id(id)) => one(self.group_by_id.get(id)),
            Some(IndexHint::DisplayName(name)) => one(self.group_by_name.get(&display_name_key(name))),
            _ => Box::new(self.groups.values()),
        }
    }
}

fn poisoned() -> StoreError {
    StoreError::new(StoreErrorKind::Failed, "the in-memory directory's lock was poisoned by a panic")
}

impl MemoryDirectory {
    /// An empty directory.
    pub fn new() -> Self {
        Self::default()
    }

    fn read(&self) -> Result<RwLockReadGuard<'_, State>, StoreError> {
        self.state.read().map_err(|_| poisoned())
    }

    fn write(&self) -> Result<RwLockWriteGuard<'_, State>, StoreError> {
        self.state.write().map_err(|_| poisoned())
    }

    /// Add (or replace the settings of) a workspace; its users are kept.
    pub fn add_workspace(&self, workspace: Workspace) {
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        match state.tenants.get_mut(&workspace.id) {
            Some(tenant) => tenant.workspace = workspace,
            None => {
                state.tenants.insert(workspace.id.clone(), Tenant::new(workspace));
            }
        }
    }

    /// Grant a token (by hash) access to a workspace; `false` if the workspace is unknown.
    pub fn add_token(&self, workspace_id: &str, token_hash: TokenHash) -> bool {
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        if !state.tenants.contains_key(workspace_id) {
            return false;
        }
        state.tokens.insert(token_hash, workspace_id.to_owned());
        true
    }

    /// Revoke a token; `false` if it was not granted.
    pub fn revoke_token(&self, token_hash: &TokenHash) -> bool {
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        state.tokens.remove(token_hash).is_some()
    }

    /// Every user of a workspace in insertion order, deprovisioned ones included.
    pub fn users(&self, workspace_id: &str) -> Vec<UserRecord> {
        let state = self.state.read().unwrap_or_else(|e| e.into_inner());
        state.tenants.get(workspace_id).map(|t| t.users.values().cloned().collect()).unwrap_or_default()
    }
}

impl Directory for MemoryDirectory {
    async fn workspace_for_token(&self, token_hash: &TokenHash) -> Result<Option<TokenGrant>, StoreError> {
        let state = self.read()?;
        Ok(state
            .tokens
            .get(token_hash)
            .and_then(|ws| state.tenants.get(ws))
            .map(|tenant| TokenGrant { workspace: tenant.workspace.clone(), token_hash: *token_hash }))
    }

    async fn get_user(&self, workspace_id: &str, id: &str) -> Result<Option<UserRecord>, StoreError> {
        let state = self.read()?;
        Ok(state.tenants.get(workspace_id).and_then(|t| t.by_id.get(id).and_then(|s| t.users.get(s))).cloned())
    }

    async fn find_by_user_name(&self, workspace_id: &str, key: &str) -> Result<Option<UserRecord>, StoreError> {
        let state = self.read()?;
        Ok(state.tenants.get(workspace_id).and_then(|t| t.by_user_name.get(key).and_then(|s| t.users.get(s))).cloned())
    }

    async fn query_users(&self, workspace_id: &str, query: &ListQuery) -> Result<UserPage, StoreError> {
        let state = self.read()?;
        let Some(tenant) = state.tenants.get(workspace_id) else { return Ok(UserPage::default()) };
        let skip = query.start_index.saturating_sub(1);
        if query.filter.is_none() && query.sort.is_none() {
            let users = tenant.users.values().filter(|u| u.state.visible_to_scim()).skip(skip).take(query.count);
            return Ok(UserPage { total_results: tenant.visible, users: users.cloned().collect() });
        }
        let candidates = tenant.candidates(query).filter(|u| u.state.visible_to_scim());
        let (total_results, users) = query.select(candidates);
        Ok(UserPage { total_results, users: users.into_iter().cloned().collect() })
    }

    async fn insert_user(&self, user: &UserRecord) -> Result<UserRecord, StoreError> {
        let mut state = self.write()?;
        let tenant = state
            .tenants
            .get_mut(&user.workspace_id)
            .ok_or_else(|| StoreError::new(StoreErrorKind::Failed, format!("no workspace {}", user.workspace_id)))?;
        let key = user.user_name_key();
        if tenant.by_user_name.contains_key(&key) || tenant.by_id.contains_key(&user.id) {
            return Err(StoreError::new(StoreErrorKind::Conflict, format!("userName {} is taken", user.user_name)));
        }
        let seq = tenant.next_seq;
        tenant.next_seq += 1;
        tenant.by_id.insert(user.id.clone(), seq);
        tenant.by_user_name.insert(key, seq);
        tenant.index_external_id(user.external_id.as_deref(), seq);
        if user.state.visible_to_scim() {
            tenant.visible += 1;
        }
        tenant.users.insert(seq, user.clone());
        Ok(user.clone())
    }

    async fn update_user(&self, user: &UserRecord, expected_version: u64) -> Result<UserRecord, StoreError> {
        let mut state = self.write()?;
        let not_found = || StoreError::new(StoreErrorKind::NotFound, format!("no user {}", user.id));
        let tenant = state.tenants.get_mut(&user.workspace_id).ok_or_else(not_found)?;
        let seq = *tenant.by_id.get(&user.id).ok_or_else(not_found)?;
        let old = tenant.users.get(&seq).ok_or_else(not_found)?;
        if old.version != expected_version {
            return Err(StoreError::new(
                StoreErrorKind::VersionMismatch,
                format!("user {} is at version {}, not {expected_version}", user.id, old.version),
            ));
        }
        let (old_key, new_key) = (old.user_name_key(), user.user_name_key());
        if old_key != new_key && tenant.by_user_name.contains_key(&new_key) {
            return Err(StoreError::new(StoreErrorKind::Conflict, format!("userName {} is taken", user.user_name)));
        }
        let old_external = old.external_id.clone();
        let was_visible = old.state.visible_to_scim();
        tenant.by_user_name.remove(&old_key);
        tenant.by_user_name.insert(new_key, seq);
        if old_external != user.external_id {
            tenant.unindex_external_id(old_external.as_deref(), seq);
            tenant.index_external_id(user.external_id.as_deref(), seq);
        }
        match (was_visible, user.state.visible_to_scim()) {
            (true, false) => tenant.visible -= 1,
            (false, true) => tenant.visible += 1,
            _ => {}
        }
        tenant.users.insert(seq, user.clone());
        Ok(user.clone())
    }

    async fn get_group(&self, workspace_id: &str, id: &str) -> Result<Option<GroupRecord>, StoreError> {
        let state = self.read()?;
        Ok(state.tenants.get(workspace_id).and_then(|t| t.group_by_id.get(id).and_then(|s| t.groups.get(s))).cloned())
    }

    async fn find_group_by_display_name(
        &self,
        workspace_id: &str,
        key: &str,
    ) -> Result<Option<GroupRecord>, StoreError> {
        let state = self.read()?;
        Ok(state
            .tenants
            .get(workspace_id)
            .and_then(|t| t.group_by_name.get(key).and_then(|s| t.groups.get(s)))
            .cloned())
    }

    async fn query_groups(&self, workspace_id: &str, query: &ListQuery) -> Result<GroupPage, StoreError> {
        let state = self.read()?;
        let Some(tenant) = state.tenants.get(workspace_id) else { return Ok(GroupPage::default()) };
        let (total_results, groups) = query.select(tenant.group_candidates(query));
        Ok(GroupPage { total_results, groups: groups.into_iter().cloned().collect() })
    }

    async fn insert_group(&self, group: &GroupRecord) -> Result<GroupRecord, StoreError> {
        let mut state = self.write()?;
        let tenant = state
            .tenants
            .get_mut(&group.workspace_id)
            .ok_or_else(|| StoreError::new(StoreErrorKind::Failed, format!("no workspace {}", group.workspace_id)))?;
        let key = group.display_name_key();
        if tenant.group_by_name.contains_key(&key) || tenant.group_by_id.contains_key(&group.id) {
            return Err(StoreError::new(
                StoreErrorKind::Conflict,
                format!("displayName {} is taken", group.display_name),
            ));
        }
        let seq = tenant.next_seq;
        tenant.next_seq += 1;
        tenant.group_by_id.insert(group.id.clone(), seq);
        tenant.group_by_name.insert(key, seq);
        tenant.groups.insert(seq, group.clone());
        Ok(group.clone())
    }

    async fn update_group(&self, group: &GroupRecord, expected_version: u64) -> Result<GroupRecord, StoreError> {
        let mut state = self.write()?;
        let not_found = || StoreError::new(StoreErrorKind::NotFound, format!("no group {}", group.id));
        let tenant = state.tenants.get_mut(&group.workspace_id).ok_or_else(not_found)?;
        let seq = *tenant.group_by_id.get(&group.id).ok_or_else(not_found)?;
        let old = tenant.groups.get(&seq).ok_or_else(not_found)?;
        if old.version != expected_version {
            return Err(StoreError::new(StoreErrorKind::VersionMismatch, format!("group {} changed", group.id)));
        }
        let (old_key, new_key) = (old.display_name_key(), group.display_name_key());
        if old_key != new_key && tenant.group_by_name.contains_key(&new_key) {
            return Err(StoreError::new(
                StoreErrorKind::Conflict,
                format!("displayName {} is taken", group.display_name),
            ));
        }
        tenant.group_by_name.remove(&old_key);
        tenant.group_by_name.insert(new_key, seq);
        tenant.groups.insert(seq, group.clone());
        Ok(group.clone())
    }

    async fn delete_group(&self, workspace_id: &str, id: &str, expected_version: u64) -> Result<(), StoreError> {
        let mut state = self.write()?;
        let not_found = || StoreError::new(StoreErrorKind::NotFound, format!("no group {id}"));
        let tenant = state.tenants.get_mut(workspace_id).ok_or_else(not_found)?;
        let seq = *tenant.group_by_id.get(id).ok_or_else(not_found)?;
        let old = tenant.groups.get(&seq).ok_or_else(not_found)?;
        if old.version != expected_version {
            return Err(StoreError::new(StoreErrorKind::VersionMismatch, format!("group {id} changed")));
        }
        let key = old.display_name_key();
        tenant.group_by_name.remove(&key);
        tenant.group_by_id.remove(id);
        tenant.groups.remove(&seq);
        Ok(())
    }

    async fn remember_assertion(
        &self,
        workspace_id: &str,
        assertion_id: &str,
        not_on_or_after: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut state = self.write()?;
        let tenant = state
            .tenants
            .get_mut(workspace_id)
            .ok_or_else(|| StoreError::new(StoreErrorKind::Failed, format!("no workspace {workspace_id}")))?;
        if tenant.assertions.len() >= ASSERTION_SWEEP_THRESHOLD {
            let now = OffsetDateTime::now_utc();
            tenant.assertions.retain(|_, expiry| *expiry > now);
        }
        if tenant.assertions.contains_key(assertion_id) {
            return Ok(false);
        }
        tenant.assertions.insert(assertion_id.to_owned(), not_on_or_after);
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::executor::now_or_never;
    use crate::model::UserState;
    use crate::query::path::resolve_attr_in;
    use crate::query::{CompValue, CompareOp, Filter, SortSpec};
    use crate::schema::USER;
    use crate::token::ScimToken;
    use serde_json::json;

    fn user(ws: &str, id: &str, name: &str, external: Option<&str>) -> UserRecord {
        let mut doc = json!({"userName": name});
        if let Some(e) = external {
            doc["externalId"] = json!(e);
        }
        UserRecord::for_test(ws, id, doc)
    }

    fn run<T>(f: impl std::future::Future<Output = T>) -> T {
        now_or_never(f).expect("MemoryDirectory never waits")
    }

    fn query(
        dir: &MemoryDirectory,
        ws: &str,
        filter: Option<Filter>,
        start: usize,
        count: usize,
    ) -> (usize, Vec<String>) {
        let page = run(dir.query_users(ws, &ListQuery { filter, sort: None, start_index: start, count })).unwrap();
        (page.total_results, page.users.into_iter().map(|u| u.id).collect())
    }

    /// `attr op "value"`, built directly: the filter syntax is SCIM's, a layer above the store.
    fn compare(attr: &str, op: CompareOp, value: &str) -> Option<Filter> {
        let attr = resolve_attr_in(&USER, attr).unwrap();
        Some(Filter::Compare { attr, op, value: CompValue::String(value.into()) })
    }

    fn two_workspaces() -> MemoryDirectory {
        let dir = MemoryDirectory::new();
        dir.add_workspace(Workspace::new("a", "A"));
        dir.add_workspace(Workspace::new("b", "B"));
        dir
    }

    #[test]
    fn tokens_resolve_to_their_workspace_until_revoked() {
        let dir = two_workspaces();
        let t = ScimToken::generate();
        assert!(dir.add_token("a", t.hash()));
        assert!(!dir.add_token("nope", ScimToken::generate().hash()));
        let grant = run(dir.workspace_for_token(&t.hash())).unwrap().unwrap();
        assert_eq!(grant.workspace.id, "a");
        assert!(grant.token_hash.ct_eq(&t.hash()));
        assert!(dir.revoke_token(&t.hash()));
        assert!(run(dir.workspace_for_token(&t.hash())).unwrap().is_none());
    }

    #[test]
    fn user_names_are_unique_per_workspace_case_insensitively() {
        let dir = two_workspaces();
        run(dir.insert_user(&user("a", "1", "Ann@X.com", None))).unwrap();
        let err = run(dir.insert_user(&user("a", "2", "ann@x.COM", None))).unwrap_err();
        assert_eq!(err.kind(), StoreErrorKind::Conflict);
        run(dir.insert_user(&user("b", "2", "ann@x.com", None))).unwrap();
        assert_eq!(run(dir.find_by_user_name("a", "ann@x.com")).unwrap().unwrap().id, "1");
        assert_eq!(run(dir.find_by_user_name("b", "ann@x.com")).unwrap().unwrap().id, "2");
        assert!(run(dir.get_user("b", "1")).unwrap().is_none(), "workspaces are partitioned");
        let err = run(dir.insert_user(&user("zz", "9", "z", None))).unwrap_err();
        assert_eq!(err.kind(), StoreErrorKind::Failed);
    }

    #[test]
    fn updates_check_versions_and_move_indexes() {
        let dir = two_workspaces();
        run(dir.insert_user(&user("a", "1", "one", Some("e1")))).unwrap();
        run(dir.insert_user(&user("a", "2", "two", Some("e1")))).unwrap();
        let mut renamed = user("a", "1", "uno", Some("e9"));
        renamed.version = 2;
        assert_eq!(run(dir.update_user(&renamed, 7)).unwrap_err().kind(), StoreErrorKind::VersionMismatch);
        run(dir.update_user(&renamed, 1)).unwrap();
        assert!(run(dir.find_by_user_name("a", "one")).unwrap().is_none(), "old key released");
        assert_eq!(run(dir.find_by_user_name("a", "uno")).unwrap().unwrap().version, 2);
        assert_eq!(query(&dir, "a", compare("externalId", CompareOp::Eq, "e1"), 1, 10), (1, vec!["2".into()]));
        assert_eq!(query(&dir, "a", compare("externalId", CompareOp::Eq, "e9"), 1, 10), (1, vec!["1".into()]));
        let mut clash = user("a", "2", "UNO", Some("e1"));
        clash.version = 2;
        assert_eq!(run(dir.update_user(&clash, 1)).unwrap_err().kind(), StoreErrorKind::Conflict);
        let ghost = user("a", "404", "ghost", None);
        assert_eq!(run(dir.update_user(&ghost, 1)).unwrap_err().kind(), StoreErrorKind::NotFound);
    }

    #[test]
    fn queries_page_in_insertion_order_and_hide_deprovisioned_users() {
        let dir = two_workspaces();
        for i in 0..5 {
            run(dir.insert_user(&user("a", &format!("id{i}"), &format!("u{i}"), None))).unwrap();
        }
        run(dir.insert_user(&user("b", "other", "u0", None))).unwrap();
        assert_eq!(query(&dir, "a", None, 1, 2), (5, vec!["id0".into(), "id1".into()]));
        assert_eq!(query(&dir, "a", None, 4, 10), (5, vec!["id3".into(), "id4".into()]));
        assert_eq!(query(&dir, "a", None, 1, 0), (5, vec![]));
        let mut gone = run(dir.get_user("a", "id1")).unwrap().unwrap();
        gone.state = UserState::Deprovisioned;
        gone.version = 2;
        run(dir.update_user(&gone, 1)).unwrap();
        assert_eq!(query(&dir, "a", None, 1, 10).0, 4);
        assert_eq!(query(&dir, "a", compare("userName", CompareOp::Eq, "U1"), 1, 10), (0, vec![]));
        assert_eq!(
            query(&dir, "a", compare("userName", CompareOp::Sw, "u"), 2, 2),
            (4, vec!["id2".into(), "id3".into()])
        );
        assert_eq!(query(&dir, "a", compare("id", CompareOp::Eq, "id4"), 1, 10), (1, vec!["id4".into()]));
        let both = [compare("userName", CompareOp::Eq, "U4"), compare("id", CompareOp::Eq, "id3")];
        let and = Filter::And { filters: both.into_iter().flatten().collect() };
        assert_eq!(query(&dir, "a", Some(and), 1, 10), (0, vec![]));
        assert!(run(dir.find_by_user_name("a", "u1")).unwrap().is_some(), "still found for re-linking");
        let sort = SortSpec::parse("userName", Some("descending")).unwrap();
        let page =
            run(dir.query_users("a", &ListQuery { filter: None, sort: Some(sort), start_index: 1, count: 2 })).unwrap();
        assert_eq!(page.total_results, 4);
        assert_eq!(page.users.iter().map(|u| u.user_name.as_str()).collect::<Vec<_>>(), ["u4", "u3"]);
        assert_eq!(query(&dir, "nope", None, 1, 10), (0, vec![]));
    }

    #[test]
    fn assertions_are_remembered_once_and_expired_ones_swept() {
        let dir = two_workspaces();
        let past = OffsetDateTime::now_utc() - time::Duration::hours(1);
        let future = OffsetDateTime::now_utc() + time::Duration::hours(1);
        assert!(run(dir.remember_assertion("a", "x", future)).unwrap());
        assert!(!run(dir.remember_assertion("a", "x", future)).unwrap());
        assert!(run(dir.remember_assertion("b", "x", future)).unwrap(), "per workspace");
        for i in 0..ASSERTION_SWEEP_THRESHOLD {
            run(dir.remember_assertion("a", &format!("old{i}"), past)).unwrap();
        }
        run(dir.remember_assertion("a", "trigger", future)).unwrap();
        let state = dir.state.read().unwrap();
        let kept = state.tenants["a"].assertions.len();
        assert!(kept <= 3, "expired entries swept, {kept} kept");
        assert!(state.tenants["a"].assertions.contains_key("x"));
    }
}
