"""The asyncio entry points as coroutines driven on the awaiting thread: store answers that
complete out of order, cancellation, hand-made awaitables, the coroutine protocol itself, and
abandoned requests reclaimed by the garbage collector."""

from __future__ import annotations

import asyncio
import gc
import random
import weakref
from typing import Any, Dict, Generator, List, Optional

import pytest

import sso_scim
from helpers import accept_case, auth, create_user, get_users, store_with_token
from memory_store import AsyncMemoryStore, MemoryStore
from vectors import login_user


def get_user(token: str, user_id: str) -> sso_scim.ScimRequest:
    return sso_scim.ScimRequest("GET", f"/Users/{user_id}", headers=auth(token))


class Gated(AsyncMemoryStore):
    """``get_user`` waits until the test opens its gate: each call parks on a Future of its
    own, so the test decides the order in which answers come back."""

    def __init__(self, inner: MemoryStore) -> None:
        super().__init__(inner)
        self.gates: Dict[str, "asyncio.Future[None]"] = {}
        self.cancelled: List[str] = []
        self.finished: List[str] = []

    async def get_user(self, workspace_id: str, id: str) -> Optional[sso_scim.UserRecord]:
        gate = asyncio.get_running_loop().create_future()
        self.gates[id] = gate
        try:
            await gate
        except asyncio.CancelledError:
            self.cancelled.append(id)
            raise
        finally:
            self.finished.append(id)
        return self.inner.get_user(workspace_id, id)


def populated(n: int) -> Any:
    inner, token = store_with_token()
    handler = sso_scim.Handler(inner)
    ids = [handler.handle(create_user(f"user{i}@example.test", token)).json()["id"] for i in range(n)]
    return inner, token, ids


def test_two_hundred_requests_answered_out_of_order_each_get_their_own_answer() -> None:
    inner, token, ids = populated(200)
    store = Gated(inner)
    handler = sso_scim.Handler(store)

    async def main() -> List[sso_scim.ScimResponse]:
        calls = [asyncio.ensure_future(handler.handle_async(get_user(token, i))) for i in ids]
        while len(store.gates) < len(ids):  # every request is parked in its own get_user
            await asyncio.sleep(0)
        order = list(ids)
        random.Random(7).shuffle(order)
        for i in order:
            store.gates[i].set_result(None)
            await asyncio.sleep(0)  # let that one request go on before the next gate opens
        return list(await asyncio.gather(*calls))

    answers = asyncio.run(main())
    assert store.finished != ids, "the answers came back in another order than asked"
    assert sorted(store.finished) == sorted(ids)
    assert [(r.status, r.json()["id"]) for r in answers] == [(200, i) for i in ids]
    assert [r.json()["userName"] for r in answers] == [f"user{n}@example.test" for n in range(200)]


def test_a_task_cancelled_mid_request_stops_it_and_leaves_the_handler_usable() -> None:
    inner, token, ids = populated(2)
    store = Gated(inner)
    handler = sso_scim.Handler(store)
    patch = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "displayName", "value": "Changed"}],
    }
    before = inner.get_user("ws-1", ids[0])

    async def main() -> sso_scim.ScimResponse:
        request = sso_scim.ScimRequest("PATCH", f"/Users/{ids[0]}", headers=auth(token), json=patch)
        task = asyncio.ensure_future(handler.handle_async(request))
        while ids[0] not in store.gates:
            await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # The handler goes on serving, the same store method included.
        other = asyncio.ensure_future(handler.handle_async(get_user(token, ids[1])))
        while ids[1] not in store.gates:
            await asyncio.sleep(0)
        store.gates[ids[1]].set_result(None)
        return await other

    answer = asyncio.run(main())
    assert store.cancelled == [ids[0]], "the store's own coroutine saw the cancellation"
    assert inner.get_user("ws-1", ids[0]) == before, "the cancelled PATCH never reached update_user"
    assert (answer.status, answer.json()["id"]) == (200, ids[1])


def test_a_store_that_swallows_the_cancellation_lets_the_request_finish() -> None:
    inner, token, ids = populated(1)

    class Stubborn(AsyncMemoryStore):
        async def get_user(self, workspace_id: str, id: str) -> Optional[sso_scim.UserRecord]:
            try:
                await asyncio.get_running_loop().create_future()
            except asyncio.CancelledError:
                pass  # as `yield from` would, the request goes on with this answer
            return self.inner.get_user(workspace_id, id)

    handler = sso_scim.Handler(Stubborn(inner))

    async def main() -> sso_scim.ScimResponse:
        task = asyncio.ensure_future(handler.handle_async(get_user(token, ids[0])))
        for _ in range(5):
            await asyncio.sleep(0)
        task.cancel()
        return await task

    answer = asyncio.run(main())
    assert (answer.status, answer.json()["id"]) == (200, ids[0])


class Later:
    """A hand-made awaitable: a generator ``__await__`` that yields bare ``None`` (asyncio's
    "run me again soon") ``hops`` times, then returns its value."""

    def __init__(self, value: Any, hops: int = 2, log: Optional[List[str]] = None) -> None:
        self.value, self.hops, self.log = value, hops, log

    def __await__(self) -> Generator[None, None, Any]:
        for _ in range(self.hops):
            sent = yield
            assert sent is None
            if self.log is not None:
                self.log.append("hop")
        return self.value


class Handmade:
    """Every method answers through a ``Later``."""

    def __init__(self, inner: MemoryStore, log: List[str]) -> None:
        self.inner, self.log = inner, log

    def workspace_for_token(self, token_hash: str) -> Any:
        return Later(self.inner.workspace_for_token(token_hash), log=self.log)

    def get_user(self, workspace_id: str, id: str) -> Any:
        return Later(self.inner.get_user(workspace_id, id), log=self.log)

    def find_by_user_name(self, workspace_id: str, key: str) -> Any:
        return Later(self.inner.find_by_user_name(workspace_id, key), log=self.log)

    def query_users(self, workspace_id: str, query: sso_scim.Query) -> Any:
        return Later(self.inner.query_users(workspace_id, query), log=self.log)

    def insert_user(self, user: sso_scim.UserRecord) -> Any:
        return Later(self.inner.insert_user(user), log=self.log)

    def update_user(self, user: sso_scim.UserRecord, expected_version: int) -> Any:
        return Later(self.inner.update_user(user, expected_version), log=self.log)

    def remember_assertion(self, workspace_id: str, key: str, until: str) -> Any:
        return Later(self.inner.remember_assertion(workspace_id, key, until), log=self.log)


def test_an_awaitable_yielding_bare_none_is_awaited_on_asyncio() -> None:
    inner, token = store_with_token()
    log: List[str] = []
    handler = sso_scim.Handler(Handmade(inner, log))

    async def main() -> List[int]:
        created = await handler.handle_async(create_user("later@example.test", token))
        listed = await handler.handle_async(get_users(token, 'filter=userName eq "later@example.test"'))
        assert listed.json()["totalResults"] == 1
        return [created.status, listed.status]

    assert asyncio.run(main()) == [201, 200]
    # POST: token, userName lookup, insert; GET: token, query — two hops each.
    assert log == ["hop"] * 10


def test_a_request_steps_without_any_event_loop() -> None:
    """The object is a plain coroutine: whoever drives it gets the store's yields."""
    inner, token = store_with_token()
    handler = sso_scim.Handler(Handmade(inner, []))
    call = handler.handle_async(create_user("stepped@example.test", token))
    assert asyncio.iscoroutine(call)
    yields = 0
    with pytest.raises(StopIteration) as done:
        while True:
            assert call.send(None) is None
            yields += 1
    assert yields == 6  # three store calls, two hops each
    assert done.value.value.status == 201
    assert [u["user_name"] for u in inner.users("ws-1")] == ["stepped@example.test"]


def test_the_coroutine_protocol() -> None:
    inner, token = store_with_token()
    handler = sso_scim.Handler(Handmade(inner, []))
    request = get_users(token)

    fresh = handler.handle_async(request)
    assert "not started" in repr(fresh)
    with pytest.raises(TypeError):
        fresh.send("not None")
    with pytest.raises(KeyError) as info:
        fresh.throw(KeyError("thrown before it started"))
    assert info.value.args == ("thrown before it started",)
    with pytest.raises(RuntimeError, match="cannot reuse"):
        fresh.send(None)

    started = handler.handle_async(request)
    started.send(None)
    with pytest.raises(RuntimeError, match="awaited already"):
        started.__await__()
    started.close()
    started.close()  # closing twice is harmless, as for a coroutine
    with pytest.raises(RuntimeError, match="cannot reuse"):
        started.send(None)

    finished = handler.handle_async(request)
    with pytest.raises(StopIteration):
        while True:
            finished.send(None)
    with pytest.raises(RuntimeError, match="cannot reuse"):
        finished.__await__()
    with pytest.raises(ValueError, match="after the end"):
        finished.throw(ValueError, "after the end")

    # A store exception raised in answer to a throw is the request's end, unchanged.
    thrown = handler.handle_async(request)
    thrown.send(None)
    exc = OSError("connection reset")
    with pytest.raises(OSError) as raised:
        thrown.throw(exc)
    assert raised.value is exc
    assert "over" in repr(thrown)


def test_an_await_iterator_without_send_or_throw() -> None:
    """``__await__`` may return any iterator: ``next`` drives it, a throw is raised at once."""

    class Bare:
        def __await__(self) -> Any:
            return iter([None, None])  # two bare yields, then the answer None

    class Store(MemoryStore):
        def get_user(self, workspace_id: str, id: str) -> Any:
            return Bare()

    store, token = store_with_token(Store())
    handler = sso_scim.Handler(store)
    call = handler.handle_async(get_user(token, "u1"))
    assert [call.send(None), call.send(None)] == [None, None]
    with pytest.raises(StopIteration) as done:
        call.send(None)
    assert (done.value.value.status, done.value.value.error_code) == (404, "not_found")

    thrown = handler.handle_async(get_user(token, "u1"))
    thrown.send(None)
    with pytest.raises(LookupError, match="no throw"):
        thrown.throw(LookupError("no throw to forward to"))
    with pytest.raises(RuntimeError, match="cannot reuse"):
        thrown.send(None)


def test_close_closes_the_store_coroutine_being_awaited() -> None:
    inner, token, ids = populated(1)
    store = Gated(inner)
    handler = sso_scim.Handler(store)

    async def main() -> None:
        call = handler.handle_async(get_user(token, ids[0]))
        future = call.send(None)
        while not isinstance(future, asyncio.Future):  # past the token lookup's own yield
            future = call.send(None)
        assert future is store.gates[ids[0]] and not future.done()
        call.close()
        assert store.finished == [ids[0]] and store.cancelled == []

    asyncio.run(main())


def test_an_abandoned_request_in_a_cycle_is_collected() -> None:
    class Never:
        def __await__(self) -> Generator[None, None, Any]:
            while True:
                yield

    closed: List[str] = []

    class Holder(MemoryStore):
        pending: Any = None

        async def get_user(self, workspace_id: str, id: str) -> Optional[sso_scim.UserRecord]:
            try:
                await Never()
            finally:
                closed.append(id)
            return None

    gc.collect()
    store, token = store_with_token(Holder())
    handler = sso_scim.Handler(store)
    call = handler.handle_async(get_user(token, "u1"))
    call.send(None)  # now parked in get_user, never to finish
    store.pending = call  # call → handler → store → call, and call → store's coroutine → store
    refs = (weakref.ref(store), weakref.ref(handler), weakref.ref(call))
    del store, handler, call
    gc.collect()
    assert [r() for r in refs] == [None, None, None]
    assert closed == ["u1"], "the store's coroutine was closed when the request was reclaimed"


def test_a_never_awaited_request_in_a_cycle_is_collected() -> None:
    class Holder(AsyncMemoryStore):
        pending: Any = None

    gc.collect()
    store = Holder()
    handler = sso_scim.Handler(store)
    store.pending = handler.handle_async(get_users("no token"))
    refs = (weakref.ref(store), weakref.ref(handler), weakref.ref(store.pending))
    del store, handler
    gc.collect()
    assert [r() for r in refs] == [None, None, None]


def test_sign_in_async_over_a_hand_made_awaitable_store() -> None:
    settings, file, case = accept_case()
    sp = sso_scim.ServiceProvider(settings)
    inner = MemoryStore()
    name_id = case["expect"]["identity"]["name_id"]
    inner.insert_user(login_user({"id": "ws-1"}, 0, {"user_name": name_id, "state": "active"}))
    log: List[str] = []
    handler = sso_scim.Handler(Handmade(inner, log))

    async def main() -> List[Any]:
        first = await handler.sign_in_async("ws-1", sp, case["response"], file["request_id"], file["now"])
        again = await handler.sign_in_async("ws-1", sp, case["response"], file["request_id"], file["now"])
        return [first, again]

    first, again = asyncio.run(main())
    assert first["decision"] == "allowed" and first["user"]["user_name"] == name_id
    assert (again["decision"], again["code"]) == ("refused", "replayed")
    assert log == ["hop"] * 6  # remember + find, then remember
