"""The host store boundary: exceptions travel back unchanged, kinds are signalled by class
or by ``code``, malformed answers are contract violations, and each entry point drives the
store the way it should (sync or asyncio)."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import threading
import traceback
import warnings
from typing import Any, Dict, List, Optional

import pytest

import sso_scim
from helpers import WORKSPACE, accept_case, auth, create_user, get_users, store_with_token
from memory_store import AsyncMemoryStore, MemoryStore


class DbDown(Exception):
    """A host's own exception type."""


class FailingStore(MemoryStore):
    """Raises a prepared exception from one method."""

    def __init__(self, method: str, exc: BaseException) -> None:
        super().__init__()
        self.method, self.exc = method, exc

    def __getattribute__(self, name: str) -> Any:
        if name != "method" and name == object.__getattribute__(self, "method"):
            exc = object.__getattribute__(self, "exc")

            def fail(*args: Any) -> Any:
                raise exc

            return fail
        return object.__getattribute__(self, name)


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_a_store_exception_is_reraised_unchanged_with_its_traceback() -> None:
    exc = DbDown("db down")
    store, token = store_with_token(FailingStore("get_user", exc))
    handler = sso_scim.Handler(store)
    with pytest.raises(DbDown) as info:
        handler.handle(sso_scim.ScimRequest("GET", "/Users/u1", headers=auth(token)))
    assert info.value is exc
    assert any(frame.name == "fail" for frame in traceback.extract_tb(info.value.__traceback__))


@pytest.mark.parametrize("entry", ["handle", "handle_async"])
@pytest.mark.parametrize("method", ["workspace_for_token", "find_by_user_name", "insert_user"])
def test_every_store_method_failure_is_raised_not_answered(method: str, entry: str) -> None:
    exc = DbDown(method)
    store, token = store_with_token(FailingStore(method, exc))
    handler = sso_scim.Handler(store)

    async def via_asyncio() -> Any:
        return await handler.handle_async(create_user("a@example.test", token))

    with pytest.raises(DbDown) as info:
        if entry == "handle":
            handler.handle(create_user("a@example.test", token))
        else:
            run(via_asyncio())
    assert info.value is exc


def test_an_async_store_exception_is_reraised_unchanged() -> None:
    exc = DbDown("async db down")

    class Store(AsyncMemoryStore):
        async def get_user(self, workspace_id: str, id: str) -> Optional[sso_scim.UserRecord]:
            await asyncio.sleep(0)
            raise exc

    inner, token = store_with_token()
    handler = sso_scim.Handler(Store(inner))

    async def go() -> None:
        with pytest.raises(DbDown) as info:
            await handler.handle_async(sso_scim.ScimRequest("GET", "/Users/u1", headers=auth(token)))
        assert info.value is exc

    run(go())


def test_base_exceptions_travel_too() -> None:
    exc = KeyboardInterrupt()
    store, token = store_with_token(FailingStore("get_user", exc))
    with pytest.raises(KeyboardInterrupt) as info:
        sso_scim.Handler(store).handle(sso_scim.ScimRequest("GET", "/Users/u1", headers=auth(token)))
    assert info.value is exc


def test_login_store_failures_are_reraised_unchanged() -> None:
    settings, file, case = accept_case()
    sp = sso_scim.ServiceProvider(settings)
    exc = DbDown("replay table down")
    handler = sso_scim.Handler(FailingStore("remember_assertion", exc))
    with pytest.raises(DbDown) as info:
        handler.sign_in("ws-1", sp, case["response"], file["request_id"], file["now"])
    assert info.value is exc
    identity = sp.validate(case["response"], file["request_id"], file["now"])
    with pytest.raises(DbDown) as info:
        handler.decide("ws-1", sp, identity)
    assert info.value is exc

    async def go() -> None:
        with pytest.raises(DbDown) as info:
            await handler.decide_async("ws-1", sp, identity)
        assert info.value is exc

    run(go())


class CodedError(Exception):
    """A host exception that signals a kind through its ``code`` attribute."""

    def __init__(self, code: Any) -> None:
        super().__init__(f"coded {code!r}")
        self.code = code


def test_a_code_attribute_signals_a_kind_like_the_library_classes() -> None:
    for signal in (sso_scim.StoreConflict("taken"), CodedError("conflict")):
        store, token = store_with_token(FailingStore("insert_user", signal))
        resp = sso_scim.Handler(store).handle(create_user("a@example.test", token))
        assert (resp.status, resp.error_code) == (409, "uniqueness"), resp.json()


@pytest.mark.parametrize("code", ["Conflict", 409, None, "contract_violated", "failed"])
def test_other_codes_are_plain_failures(code: Any) -> None:
    exc = CodedError(code)
    store, token = store_with_token(FailingStore("insert_user", exc))
    with pytest.raises(CodedError) as info:
        sso_scim.Handler(store).handle(create_user("a@example.test", token))
    assert info.value is exc


def test_version_mismatch_is_retried_and_a_lost_race_answers_409() -> None:
    class Racy(MemoryStore):
        def __init__(self, losses: int) -> None:
            super().__init__()
            self.losses = losses
            self.updates = 0

        def update_user(self, user: sso_scim.UserRecord, expected_version: int) -> Optional[sso_scim.UserRecord]:
            self.updates += 1
            if self.updates <= self.losses:
                raise sso_scim.StoreVersionMismatch("a concurrent writer won")
            return super().update_user(user, expected_version)

    patch = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "displayName", "value": "New"}],
    }
    for losses, status in ((1, 200), (100, 409)):
        store, token = store_with_token(Racy(losses))
        handler = sso_scim.Handler(store)
        created = handler.handle(create_user("race@example.test", token))
        assert created.status == 201
        user_id = created.json()["id"]
        resp = handler.handle(sso_scim.ScimRequest("PATCH", f"/Users/{user_id}", headers=auth(token), json=patch))
        assert resp.status == status, resp.json()
        assert store.updates > losses or status == 409
        if status == 409:
            assert resp.error_code == "conflict"


def test_a_store_without_group_methods_answers_501_for_groups() -> None:
    class UsersOnly:
        def __init__(self) -> None:
            self.inner = MemoryStore()

        def workspace_for_token(self, h: str) -> Any:
            return self.inner.workspace_for_token(h)

        def get_user(self, ws: str, id: str) -> Any:
            return self.inner.get_user(ws, id)

        def find_by_user_name(self, ws: str, key: str) -> Any:
            return self.inner.find_by_user_name(ws, key)

        def query_users(self, ws: str, q: sso_scim.Query) -> Any:
            return self.inner.query_users(ws, q)

        def insert_user(self, u: sso_scim.UserRecord) -> Any:
            return self.inner.insert_user(u)

        def update_user(self, u: sso_scim.UserRecord, v: int) -> Any:
            return self.inner.update_user(u, v)

        def remember_assertion(self, ws: str, key: str, until: str) -> bool:
            return self.inner.remember_assertion(ws, key, until)

    store = UsersOnly()
    _, token = store_with_token(store.inner)
    handler = sso_scim.Handler(store)
    resp = handler.handle(sso_scim.ScimRequest("GET", "/Groups", headers=auth(token)))
    assert (resp.status, resp.error_code) == (501, "not_implemented")
    assert handler.handle(create_user("u@example.test", token)).status == 201


def test_store_unsupported_signal_answers_501() -> None:
    store, token = store_with_token(FailingStore("query_groups", sso_scim.StoreUnsupported("no groups here")))
    resp = sso_scim.Handler(store).handle(sso_scim.ScimRequest("GET", "/Groups", headers=auth(token)))
    assert (resp.status, resp.error_code) == (501, "not_implemented")


def test_a_store_lacking_required_methods_is_refused_when_the_handler_is_built() -> None:
    class Partial:
        get_user = None  # not callable: counts as missing

        def workspace_for_token(self, h: str) -> None:
            return None

    with pytest.raises(sso_scim.ConfigurationError) as info:
        sso_scim.Handler(Partial())  # type: ignore[arg-type]
    assert info.value.code == "invalid_store"
    for name in ("get_user", "find_by_user_name", "query_users", "insert_user", "update_user", "remember_assertion"):
        assert name in info.value.message
    assert "workspace_for_token" not in info.value.message


class Answering(MemoryStore):
    """Answers one method with a prepared value."""

    def __init__(self, method: str, answer: Any) -> None:
        super().__init__()
        self.method, self.answer = method, answer

    def get_user(self, workspace_id: str, id: str) -> Any:
        return self.answer if self.method == "get_user" else super().get_user(workspace_id, id)

    def remember_assertion(self, workspace_id: str, key: str, until: str) -> Any:
        return self.answer if self.method == "remember_assertion" else super().remember_assertion(workspace_id, key, until)


def self_containing() -> Dict[str, Any]:
    d: Dict[str, Any] = {}
    d["d"] = d
    return d


@pytest.mark.parametrize(
    "answer, quoted",
    [
        ({"id": "u1", "user_name": "x"}, "missing field"),
        ("a string", "get_user"),
        ({1, 2}, "set"),
        ({"id": 10**30}, "64 bits"),
        ({"id": float("nan")}, "not a JSON number"),
        ({1: "int key"}, "dict key"),
        (self_containing(), "nested deeper"),
        (object(), "object"),
    ],
)
def test_malformed_answers_raise_store_contract_error(answer: Any, quoted: str) -> None:
    store, token = store_with_token(Answering("get_user", answer))
    with pytest.raises(sso_scim.StoreContractError) as info:
        sso_scim.Handler(store).handle(sso_scim.ScimRequest("GET", "/Users/u1", headers=auth(token)))
    assert info.value.code == "store_contract_violated"
    assert quoted in info.value.message, info.value.message


def test_an_answer_about_another_workspace_is_raised_as_a_contract_violation() -> None:
    # The core's own tenant check: the record never reaches the client, and the host is told
    # why by the same exception as for a malformed answer.
    store, token = store_with_token()
    sso_scim.Handler(store).handle(create_user("a@example.test", token))
    stored = dict(store.users("ws-1")[0])
    stored["workspace_id"] = "ws-other"
    liar, token = store_with_token(Answering("get_user", stored))
    with pytest.raises(sso_scim.StoreContractError) as info:
        sso_scim.Handler(liar).handle(sso_scim.ScimRequest("GET", f"/Users/{stored['id']}", headers=auth(token)))
    assert info.value.code == "store_contract_violated"
    assert "another workspace" in info.value.message, info.value.message


def test_a_malformed_login_answer_is_a_contract_violation() -> None:
    settings, file, case = accept_case()
    handler = sso_scim.Handler(Answering("remember_assertion", "yes"))
    with pytest.raises(sso_scim.StoreContractError) as info:
        handler.sign_in("ws-1", sso_scim.ServiceProvider(settings), case["response"], file["request_id"], file["now"])
    assert "remember_assertion" in info.value.message


def test_the_sync_entry_point_refuses_an_async_store_and_closes_the_coroutine() -> None:
    inner, token = store_with_token()
    handler = sso_scim.Handler(AsyncMemoryStore(inner))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(TypeError) as info:
            handler.handle(get_users(token))
        gc.collect()
    assert "workspace_for_token" in str(info.value) and "handle_async" in str(info.value)
    assert not [w for w in caught if "never awaited" in str(w.message)], [str(w.message) for w in caught]


def test_asyncio_entry_points_accept_plain_methods_and_see_the_callers_contextvars() -> None:
    request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id")
    seen: List[str] = []

    class Traced(MemoryStore):
        def workspace_for_token(self, token_hash: str) -> Optional[sso_scim.TokenGrant]:
            seen.append(request_id.get("unset"))
            return super().workspace_for_token(token_hash)

    store, token = store_with_token(Traced())
    handler = sso_scim.Handler(store)

    async def go(n: int) -> int:
        request_id.set(f"req-{n}")
        resp = await handler.handle_async(create_user(f"u{n}@example.test", token))
        return resp.status

    async def main() -> List[int]:
        return list(await asyncio.gather(*(go(n) for n in range(20))))

    assert run(main()) == [201] * 20
    assert sorted(seen) == sorted(f"req-{n}" for n in range(20))


def test_fifty_concurrent_requests_on_an_async_store() -> None:
    inner, token = store_with_token()
    handler = sso_scim.Handler(AsyncMemoryStore(inner))

    async def main() -> List[int]:
        creates = [handler.handle_async(create_user(f"user{n}@example.test", token)) for n in range(50)]
        statuses = [r.status for r in await asyncio.gather(*creates)]
        dupes = [handler.handle_async(create_user("same@example.test", token)) for _ in range(10)]
        statuses += [r.status for r in await asyncio.gather(*dupes)]
        return statuses

    statuses = run(main())
    assert statuses[:50] == [201] * 50
    assert sorted(statuses[50:]) == [201] + [409] * 9
    assert len(inner.users("ws-1")) == 51


def test_calls_per_request_are_what_the_protocol_needs() -> None:
    store, token = store_with_token()
    handler = sso_scim.Handler(store)
    handler.handle(create_user("count@example.test", token))
    store.calls.clear()
    handler.handle(get_users(token, 'filter=userName eq "count@example.test"'))
    assert store.calls == ["workspace_for_token", "query_users"]


def test_the_handler_exposes_its_store_and_settings() -> None:
    store, _ = store_with_token()
    handler = sso_scim.Handler(store, {"base_url": "https://x.test/scim/v2", "limits": {"max_results": 50, "default_page_size": 50}})
    assert handler.store is store
    assert handler.scim_config["base_url"] == "https://x.test/scim/v2"
    assert handler.scim_config["limits"]["max_results"] == 50
    assert handler.scim_config["profile"] == "entra"
    assert repr(handler) == "<Handler store=MemoryStore>"


@pytest.mark.parametrize(
    "config, code",
    [
        ({"bogus": 1}, "invalid_settings"),
        ({"limits": {"max_results": 0}}, "invalid_settings"),
        ({"profile": "lax"}, "invalid_settings"),
        ({"base_url": {1, 2}}, "invalid_argument"),
    ],
)
def test_bad_scim_settings_are_refused(config: Any, code: str) -> None:
    with pytest.raises(sso_scim.ConfigurationError) as info:
        sso_scim.Handler(MemoryStore(), config)
    assert info.value.code == code


def test_workspace_of_the_token_is_what_the_store_sees() -> None:
    store, token = store_with_token()
    other = sso_scim.generate_token()
    store.add_workspace({"id": "ws-2", "name": "Other", "default_role": "Member"}, [other["hash"]])
    handler = sso_scim.Handler(store)
    handler.handle(create_user("same@example.test", token))
    resp = handler.handle(create_user("same@example.test", other["token"]))
    assert resp.status == 201, "userName is unique per workspace"
    assert [u["role"] for u in store.users("ws-2")] == ["Member"]
    assert WORKSPACE["id"] == store.users("ws-1")[0]["workspace_id"]


def test_asyncio_entry_points_call_every_store_method_on_the_awaiting_thread() -> None:
    """No thread of the library's: plain and ``async def`` methods alike run on the event
    loop's thread (a plain method that blocks blocks the loop, as any sync call there does)."""
    threads: List[int] = []

    class Plain(MemoryStore):
        def workspace_for_token(self, token_hash: str) -> Optional[sso_scim.TokenGrant]:
            threads.append(threading.get_ident())
            return super().workspace_for_token(token_hash)

    class Async(AsyncMemoryStore):
        async def query_users(self, workspace_id: str, query: sso_scim.Query) -> sso_scim.UserPage:
            threads.append(threading.get_ident())
            return await super().query_users(workspace_id, query)

    plain, token = store_with_token(Plain())
    handlers = [sso_scim.Handler(plain), sso_scim.Handler(Async(plain))]

    async def main() -> int:
        answers = await asyncio.gather(*(h.handle_async(get_users(token)) for h in handlers for _ in range(5)))
        assert [r.status for r in answers] == [200] * 10
        return threading.get_ident()

    loop_thread = run(main())
    assert len(threads) == 15, "5 + 5 token lookups, 5 queries"
    assert set(threads) == {loop_thread}
