//! What the endpoints need from a stored User or Group, so that one read-modify-write loop,
//! one `If-Match` rule and one uniqueness check serve both.

use std::future::Future;

use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::directory::Directory;
use crate::error::StoreError;
use crate::model::{GroupRecord, UserRecord, UserState};
use crate::schema::{GROUP, ResourceType, USER};

/// A stored resource and the store calls that read and write it.
pub(super) trait Stored: Clone + Send + Sync + Sized {
    /// The resource type.
    const TYPE: &'static ResourceType;
    fn id(&self) -> &str;
    fn workspace_id(&self) -> &str;
    fn version(&self) -> u64;
    fn etag(&self) -> String;
    /// The uniqueness key (userName / displayName folded).
    fn key(&self) -> String;
    /// The unique value as given.
    fn key_text(&self) -> &str;
    /// Whether SCIM can see it (a deprovisioned user cannot).
    fn visible(&self) -> bool;
    /// The stored resource document (what `max_resource_bytes` measures).
    fn document(&self) -> &Map<String, Value>;
    /// Whether the content (document and state) equals `other`'s.
    fn same_content(&self, other: &Self) -> bool;
    /// Set a new version and last-modified time.
    fn stamp(&mut self, version: u64, now: OffsetDateTime);
    /// Recompute typed fields from the document.
    fn sync(&mut self);
    fn fetch<D: Directory>(
        dir: &D,
        ws: &str,
        id: &str,
    ) -> impl Future<Output = Result<Option<Self>, StoreError>> + Send;
    fn find<D: Directory>(
        dir: &D,
        ws: &str,
        key: &str,
    ) -> impl Future<Output = Result<Option<Self>, StoreError>> + Send;
    fn update<D: Directory>(dir: &D, r: &Self, expected: u64) -> impl Future<Output = Result<Self, StoreError>> + Send;
}

impl Stored for UserRecord {
    const TYPE: &'static ResourceType = &USER;

    fn id(&self) -> &str {
        &self.id
    }
    fn workspace_id(&self) -> &str {
        &self.workspace_id
    }
    fn version(&self) -> u64 {
        self.version
    }
    fn etag(&self) -> String {
        UserRecord::etag(self)
    }
    fn key(&self) -> String {
        self.user_name_key()
    }
    fn key_text(&self) -> &str {
        &self.user_name
    }
    fn visible(&self) -> bool {
        self.state != UserState::Deprovisioned
    }
    fn document(&self) -> &Map<String, Value> {
        &self.resource
    }
    fn same_content(&self, other: &Self) -> bool {
        self.resource == other.resource && self.state == other.state
    }
    fn stamp(&mut self, version: u64, now: OffsetDateTime) {
        self.version = version;
        self.last_modified = now;
    }
    fn sync(&mut self) {
        self.sync_from_resource();
    }
    fn fetch<D: Directory>(
        dir: &D,
        ws: &str,
        id: &str,
    ) -> impl Future<Output = Result<Option<Self>, StoreError>> + Send {
        dir.get_user(ws, id)
    }
    fn find<D: Directory>(
        dir: &D,
        ws: &str,
        key: &str,
    ) -> impl Future<Output = Result<Option<Self>, StoreError>> + Send {
        dir.find_by_user_name(ws, key)
    }
    fn update<D: Directory>(dir: &D, r: &Self, expected: u64) -> impl Future<Output = Result<Self, StoreError>> + Send {
        dir.update_user(r, expected)
    }
}

impl Stored for GroupRecord {
    const TYPE: &'static ResourceType = &GROUP;

    fn id(&self) -> &str {
        &self.id
    }
    fn workspace_id(&self) -> &str {
        &self.workspace_id
    }
    fn version(&self) -> u64 {
        self.version
    }
    fn etag(&self) -> String {
        GroupRecord::etag(self)
    }
    fn key(&self) -> String {
        self.display_name_key()
    }
    fn key_text(&self) -> &str {
        &self.display_name
    }
    fn visible(&self) -> bool {
        true
    }
    fn document(&self) -> &Map<String, Value> {
        &self.resource
    }
    fn same_content(&self, other: &Self) -> bool {
        self.resource == other.resource
    }
    fn stamp(&mut self, version: u64, now: OffsetDateTime) {
        self.version = version;
        self.last_modified = now;
    }
    fn sync(&mut self) {
        self.sync_from_resource();
    }
    fn fetch<D: Directory>(
        dir: &D,
        ws: &str,
        id: &str,
    ) -> impl Future<Output = Result<Option<Self>, StoreError>> + Send {
        dir.get_group(ws, id)
    }
    fn find<D: Directory>(
        dir: &D,
        ws: &str,
        key: &str,
    ) -> impl Future<Output = Result<Option<Self>, StoreError>> + Send {
        dir.find_group_by_display_name(ws, key)
    }
    fn update<D: Directory>(dir: &D, r: &Self, expected: u64) -> impl Future<Output = Result<Self, StoreError>> + Send {
        dir.update_group(r, expected)
    }
}
