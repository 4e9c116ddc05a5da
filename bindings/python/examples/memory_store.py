"""An in-memory host store for sso_scim: the simplest complete ``sso_scim.GroupStore``.

It keeps records as the dicts the core hands over, indexes them by id and by the userName
(displayName) key, answers list queries with ``sso_scim.select_users`` / ``select_groups``
and signals conflicts and version races with the library's exception classes. A real host
does the same against its database (translating ``query["filter_ast"]`` to SQL).

``MemoryStore`` has plain methods (for ``Handler.handle``); ``AsyncMemoryStore`` wraps it
with ``async def`` methods (for ``Handler.handle_async``). Both are checked with
``mypy --strict``.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Dict, Iterable, List, Optional, Tuple

import sso_scim
from sso_scim import (
    GroupPage,
    GroupRecord,
    Query,
    StoreConflict,
    StoreNotFound,
    StoreVersionMismatch,
    TokenGrant,
    UserPage,
    UserRecord,
    Workspace,
)

Key = Tuple[str, str]


class MemoryStore:
    """Users, groups, tokens and remembered assertions in dicts, behind one lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._grants: Dict[str, TokenGrant] = {}
        self._users: Dict[Key, UserRecord] = {}
        self._user_keys: Dict[Key, str] = {}
        self._groups: Dict[Key, GroupRecord] = {}
        self._group_keys: Dict[Key, str] = {}
        self._assertions: Dict[Key, str] = {}
        #: Store calls seen, by method name (tests count round trips).
        self.calls: List[str] = []

    # -- host-side set-up --------------------------------------------------------------

    def add_workspace(self, workspace: Workspace, token_hashes: Iterable[str]) -> None:
        """Grant each token (by its ``sso_scim.hash_token`` hash) to ``workspace``."""
        with self._lock:
            for token_hash in token_hashes:
                self._grants[token_hash] = {"workspace": workspace, "token_hash": token_hash}

    def users(self, workspace_id: str) -> List[UserRecord]:
        """Every user of a workspace, deprovisioned ones included."""
        with self._lock:
            return [u for (ws, _), u in self._users.items() if ws == workspace_id]

    # -- the store protocol ------------------------------------------------------------

    def workspace_for_token(self, token_hash: str) -> Optional[TokenGrant]:
        self.calls.append("workspace_for_token")
        return self._grants.get(token_hash)

    def get_user(self, workspace_id: str, id: str) -> Optional[UserRecord]:
        self.calls.append("get_user")
        return self._users.get((workspace_id, id))

    def find_by_user_name(self, workspace_id: str, user_name_key: str) -> Optional[UserRecord]:
        self.calls.append("find_by_user_name")
        with self._lock:
            id = self._user_keys.get((workspace_id, user_name_key))
            return None if id is None else self._users.get((workspace_id, id))

    def query_users(self, workspace_id: str, query: Query) -> UserPage:
        self.calls.append("query_users")
        with self._lock:
            candidates = self._user_candidates(workspace_id, query)
        # The hint only narrows the candidates: select_users still applies the whole filter.
        return sso_scim.select_users(query, candidates)

    def _user_candidates(self, workspace_id: str, query: Query) -> List[UserRecord]:
        hint = query["index_hint"]
        if hint is not None and hint["attribute"] == "id":
            found = self._users.get((workspace_id, hint["value"]))
            return [] if found is None else [found]
        if hint is not None and hint["attribute"] == "userName":
            id = self._user_keys.get((workspace_id, sso_scim.user_name_key(hint["value"])))
            return [] if id is None else [self._users[(workspace_id, id)]]
        return [u for (ws, _), u in self._users.items() if ws == workspace_id]

    def insert_user(self, user: UserRecord) -> Optional[UserRecord]:
        self.calls.append("insert_user")
        ws, key = user["workspace_id"], sso_scim.user_name_key(user["user_name"])
        with self._lock:
            if (ws, key) in self._user_keys or (ws, user["id"]) in self._users:
                raise StoreConflict(f"userName {user['user_name']!r} is taken")
            self._users[(ws, user["id"])] = user
            self._user_keys[(ws, key)] = user["id"]
        return None

    def update_user(self, user: UserRecord, expected_version: int) -> Optional[UserRecord]:
        self.calls.append("update_user")
        ws, id = user["workspace_id"], user["id"]
        key = sso_scim.user_name_key(user["user_name"])
        with self._lock:
            stored = self._users.get((ws, id))
            if stored is None:
                raise StoreNotFound(f"no user {id}")
            if stored["version"] != expected_version:
                raise StoreVersionMismatch(f"user {id} is at version {stored['version']}")
            holder = self._user_keys.get((ws, key))
            if holder is not None and holder != id:
                raise StoreConflict(f"userName {user['user_name']!r} is taken")
            del self._user_keys[(ws, sso_scim.user_name_key(stored["user_name"]))]
            self._users[(ws, id)] = user
            self._user_keys[(ws, key)] = id
        return user

    def remember_assertion(self, workspace_id: str, assertion_key: str, not_on_or_after: str) -> bool:
        self.calls.append("remember_assertion")
        with self._lock:
            first = (workspace_id, assertion_key) not in self._assertions
            self._assertions[(workspace_id, assertion_key)] = not_on_or_after
            return first

    def get_group(self, workspace_id: str, id: str) -> Optional[GroupRecord]:
        self.calls.append("get_group")
        return self._groups.get((workspace_id, id))

    def find_group_by_display_name(self, workspace_id: str, display_name_key: str) -> Optional[GroupRecord]:
        self.calls.append("find_group_by_display_name")
        with self._lock:
            id = self._group_keys.get((workspace_id, display_name_key))
            return None if id is None else self._groups.get((workspace_id, id))

    def query_groups(self, workspace_id: str, query: Query) -> GroupPage:
        self.calls.append("query_groups")
        with self._lock:
            mine = [g for (ws, _), g in self._groups.items() if ws == workspace_id]
        return sso_scim.select_groups(query, mine)

    def insert_group(self, group: GroupRecord) -> Optional[GroupRecord]:
        self.calls.append("insert_group")
        ws, key = group["workspace_id"], sso_scim.display_name_key(group["display_name"])
        with self._lock:
            if (ws, key) in self._group_keys:
                raise StoreConflict(f"displayName {group['display_name']!r} is taken")
            self._groups[(ws, group["id"])] = group
            self._group_keys[(ws, key)] = group["id"]
        return group

    def update_group(self, group: GroupRecord, expected_version: int) -> Optional[GroupRecord]:
        self.calls.append("update_group")
        ws, id = group["workspace_id"], group["id"]
        key = sso_scim.display_name_key(group["display_name"])
        with self._lock:
            stored = self._checked_group(ws, id, expected_version)
            holder = self._group_keys.get((ws, key))
            if holder is not None and holder != id:
                raise StoreConflict(f"displayName {group['display_name']!r} is taken")
            del self._group_keys[(ws, sso_scim.display_name_key(stored["display_name"]))]
            self._groups[(ws, id)] = group
            self._group_keys[(ws, key)] = id
        return None

    def delete_group(self, workspace_id: str, id: str, expected_version: int) -> None:
        self.calls.append("delete_group")
        with self._lock:
            stored = self._checked_group(workspace_id, id, expected_version)
            del self._groups[(workspace_id, id)]
            del self._group_keys[(workspace_id, sso_scim.display_name_key(stored["display_name"]))]

    def _checked_group(self, workspace_id: str, id: str, expected_version: int) -> GroupRecord:
        stored = self._groups.get((workspace_id, id))
        if stored is None:
            raise StoreNotFound(f"no group {id}")
        if stored["version"] != expected_version:
            raise StoreVersionMismatch(f"group {id} is at version {stored['version']}")
        return stored


class AsyncMemoryStore:
    """``MemoryStore`` behind ``async def`` methods that really suspend once per call, as a
    database driver would."""

    def __init__(self, inner: Optional[MemoryStore] = None) -> None:
        self.inner = inner if inner is not None else MemoryStore()

    async def workspace_for_token(self, token_hash: str) -> Optional[TokenGrant]:
        await asyncio.sleep(0)
        return self.inner.workspace_for_token(token_hash)

    async def get_user(self, workspace_id: str, id: str) -> Optional[UserRecord]:
        await asyncio.sleep(0)
        return self.inner.get_user(workspace_id, id)

    async def find_by_user_name(self, workspace_id: str, user_name_key: str) -> Optional[UserRecord]:
        await asyncio.sleep(0)
        return self.inner.find_by_user_name(workspace_id, user_name_key)

    async def query_users(self, workspace_id: str, query: Query) -> UserPage:
        await asyncio.sleep(0)
        return self.inner.query_users(workspace_id, query)

    async def insert_user(self, user: UserRecord) -> Optional[UserRecord]:
        await asyncio.sleep(0)
        return self.inner.insert_user(user)

    async def update_user(self, user: UserRecord, expected_version: int) -> Optional[UserRecord]:
        await asyncio.sleep(0)
        return self.inner.update_user(user, expected_version)

    async def remember_assertion(self, workspace_id: str, assertion_key: str, not_on_or_after: str) -> bool:
        await asyncio.sleep(0)
        return self.inner.remember_assertion(workspace_id, assertion_key, not_on_or_after)

    async def get_group(self, workspace_id: str, id: str) -> Optional[GroupRecord]:
        await asyncio.sleep(0)
        return self.inner.get_group(workspace_id, id)

    async def find_group_by_display_name(self, workspace_id: str, display_name_key: str) -> Optional[GroupRecord]:
        await asyncio.sleep(0)
        return self.inner.find_group_by_display_name(workspace_id, display_name_key)

    async def query_groups(self, workspace_id: str, query: Query) -> GroupPage:
        await asyncio.sleep(0)
        return self.inner.query_groups(workspace_id, query)

    async def insert_group(self, group: GroupRecord) -> Optional[GroupRecord]:
        await asyncio.sleep(0)
        return self.inner.insert_group(group)

    async def update_group(self, group: GroupRecord, expected_version: int) -> Optional[GroupRecord]:
        await asyncio.sleep(0)
        return self.inner.update_group(group, expected_version)

    async def delete_group(self, workspace_id: str, id: str, expected_version: int) -> None:
        await asyncio.sleep(0)
        self.inner.delete_group(workspace_id, id, expected_version)


def _check_protocols(sync: MemoryStore, asynchronous: AsyncMemoryStore) -> Tuple[sso_scim.GroupStore, ...]:
    """Lets ``mypy --strict`` prove both classes satisfy the store protocol."""
    return (sync, asynchronous)
