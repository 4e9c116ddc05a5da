"""Sharing: 8 threads on one handler (and one service provider), and the garbage collector
reclaiming reference cycles that run through a handler's store."""

from __future__ import annotations

import asyncio
import gc
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import Any, List

import sso_scim
from helpers import accept_case, auth, create_user, get_users, store_with_token
from memory_store import AsyncMemoryStore, MemoryStore
from vectors import login_user

THREADS = 8


def test_eight_threads_share_one_handler() -> None:
    store, token = store_with_token()
    handler = sso_scim.Handler(store)
    barrier = threading.Barrier(THREADS)

    def work(t: int) -> List[int]:
        barrier.wait()
        statuses = []
        for i in range(25):
            created = handler.handle(create_user(f"t{t}-u{i}@example.test", token))
            statuses.append(created.status)
            user_id = created.json()["id"]
            got = handler.handle(sso_scim.ScimRequest("GET", f"/Users/{user_id}", headers=auth(token)))
            assert got.json()["userName"] == f"t{t}-u{i}@example.test"
            statuses.append(got.status)
        # Every thread races for one userName: exactly one wins.
        statuses.append(handler.handle(create_user("contested@example.test", token)).status)
        return statuses

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(work, range(THREADS)))
    assert all(s == [201, 200] * 25 for s in (r[:-1] for r in results))
    assert sorted(r[-1] for r in results) == [201] + [409] * (THREADS - 1)
    listed = handler.handle(get_users(token, "count=1"))
    assert listed.json()["totalResults"] == THREADS * 25 + 1


def test_eight_threads_share_one_service_provider_and_login() -> None:
    settings, file, case = accept_case()
    provider = sso_scim.ServiceProvider(settings)
    store = MemoryStore()
    name_id = case["expect"]["identity"]["name_id"]
    store.insert_user(login_user({"id": "ws-1"}, 0, {"user_name": name_id, "state": "active"}))
    handler = sso_scim.Handler(store)
    barrier = threading.Barrier(THREADS)

    def work(_: int) -> List[Any]:
        barrier.wait()
        names = [provider.validate(case["response"], file["request_id"], file["now"])["name_id"] for _ in range(20)]
        decision = handler.sign_in("ws-1", provider, case["response"], file["request_id"], file["now"])
        return names + [decision["decision"], decision.get("code")]

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(work, range(THREADS)))
    assert all(r[:20] == [name_id] * 20 for r in results)
    # One assertion, eight logins at once: exactly one signs in, every other use is a replay.
    assert sorted((r[20], str(r[21])) for r in results) == [("allowed", "None")] + [("refused", "replayed")] * (
        THREADS - 1
    )


def test_a_cycle_through_the_store_is_collected() -> None:
    class Holder(MemoryStore):
        handler: Any = None

    gc.collect()
    store = Holder()
    handler = sso_scim.Handler(store)
    store.handler = handler  # handler → store → handler
    refs = (weakref.ref(store), weakref.ref(handler))
    del store, handler
    gc.collect()
    assert [r() for r in refs] == [None, None]


def test_a_cycle_survives_while_used_and_is_collected_after_async_calls() -> None:
    class Holder(AsyncMemoryStore):
        handler: Any = None

    inner, token = store_with_token()
    store = Holder(inner)
    handler = sso_scim.Handler(store)
    store.handler = handler
    refs = (weakref.ref(store), weakref.ref(handler))

    async def main() -> int:
        # The handler is dropped by its only Python owner while the call is in flight.
        pending = refs[1]().handle_async(create_user("inflight@example.test", token))  # type: ignore[union-attr]
        gc.collect()
        return (await pending).status

    del store, handler
    assert asyncio.run(main()) == 201
    gc.collect()
    assert [r() for r in refs] == [None, None]
    assert [u["user_name"] for u in inner.users("ws-1")] == ["inflight@example.test"]


def test_the_handler_holds_no_hidden_reference_to_the_store() -> None:
    store = MemoryStore()
    handler = sso_scim.Handler(store)
    ref = weakref.ref(store)
    del store
    gc.collect()
    assert ref() is not None, "the handler keeps its store alive"
    del handler
    assert ref() is None, "dropping the handler drops the store at once (no cycle, no leak)"
