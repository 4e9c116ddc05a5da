"""Issue 13 at the Python boundary: a panic is an ``InternalError`` and prints nothing, every
numeric setting is refused at construction, a store ignoring ``count`` is refused before a
record is converted, a signal raised where it does not apply keeps its cause, and the odd
things a store can do (BaseException subclasses, re-entrance, odd async values) end cleanly."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest

import sso_scim
from helpers import accept_case, auth, create_user, get_users, store_with_token
from memory_store import AsyncMemoryStore, MemoryStore
from sso_scim import _native

TESTS = Path(__file__).resolve().parent


def hook(name: str) -> Any:
    """A test-only function of the debug build (`make test-python` installs one)."""
    found = getattr(_native, name, None)
    assert found is not None, f"_native.{name} is missing: the tests need the debug build (maturin develop)"
    return found


def get_user(token: str, id: str = "u1") -> sso_scim.ScimRequest:
    return sso_scim.ScimRequest("GET", f"/Users/{id}", headers=auth(token))


def run_sub(code: str) -> "subprocess.CompletedProcess[str]":
    """Run `code` in a fresh interpreter (tests and examples importable, backtraces asked for)."""
    prelude = f"import sys; sys.path[:0] = [{str(TESTS)!r}, {str(TESTS.parent / 'examples')!r}]\n"
    env = dict(os.environ, RUST_BACKTRACE="1")
    return subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


# 1. A panic inside the boundary.


def test_internal_error_is_an_sso_scim_error_with_its_family() -> None:
    assert issubclass(sso_scim.InternalError, sso_scim.SsoScimError)
    assert "InternalError" in sso_scim.__all__
    assert "internal_error" in sso_scim.ERROR_CODES
    assert sso_scim.ERROR_FAMILIES["internal_error"] == "InternalError"


def test_a_panic_in_an_entry_point_is_caught_as_sso_scim_error() -> None:
    try:
        hook("_debug_panic")("boom in the boundary")
    except sso_scim.SsoScimError as e:
        assert type(e) is sso_scim.InternalError
        assert e.code == "internal_error"
        assert "boom in the boundary" in e.message and "bug in sso-scim" in e.message
    else:
        pytest.fail("the panic was not raised")


@pytest.mark.parametrize("entry", ["handle", "handle_async"])
def test_a_panic_during_a_store_call_is_internal_error_and_the_handler_still_works(entry: str) -> None:
    store, token = store_with_token()
    handler = sso_scim.Handler(store)
    arm = hook("_debug_panic_in_store_calls")

    async def via_asyncio(call: Any) -> Any:
        return await call

    arm(True)
    try:
        with pytest.raises(sso_scim.SsoScimError) as info:
            if entry == "handle":
                handler.handle(get_users(token))
            else:
                call = handler.handle_async(get_users(token))
                try:
                    asyncio.run(via_asyncio(call))
                finally:
                    # The request that panicked is over: it cannot be driven again.
                    with pytest.raises(RuntimeError, match="already awaited"):
                        call.send(None)
    finally:
        arm(False)
    assert type(info.value) is sso_scim.InternalError
    assert info.value.code == "internal_error"
    assert "workspace_for_token" in info.value.message
    assert handler.handle(get_users(token)).status == 200


def test_a_panic_prints_nothing_on_stderr() -> None:
    out = run_sub(
        """
        import asyncio
        import sso_scim
        from sso_scim import _native
        from helpers import get_users, store_with_token

        caught = []
        try:
            _native._debug_panic("boom")
        except sso_scim.SsoScimError as e:
            caught.append(e.code)
        store, token = store_with_token()
        handler = sso_scim.Handler(store)
        _native._debug_panic_in_store_calls(True)
        try:
            handler.handle(get_users(token))
        except sso_scim.SsoScimError as e:
            caught.append(e.code)

        async def main():
            return await handler.handle_async(get_users(token))

        try:
            asyncio.run(main())
        except sso_scim.SsoScimError as e:
            caught.append(e.code)
        print(",".join(caught))
        """
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "internal_error,internal_error,internal_error"
    assert out.stderr == ""


# 2. Settings: every number bounded at construction, and ints Python can pass that fit no u64.


@pytest.mark.parametrize(
    "field, value, words",
    [
        ("clock_skew_seconds", 10**12, "clock_skew_seconds must be between 0 and 86400, got 1000000000000"),
        ("clock_skew_seconds", 2**64 - 1, "clock_skew_seconds must be between 0 and 86400, got 18446744073709551615"),
        ("max_response_bytes", 2**63, "max_response_bytes must be between 1 and 67108864"),
        ("xml_limits", {"max_depth": 10**9}, "xml_limits.max_depth must be between 1 and 256"),
    ],
)
def test_out_of_range_saml_settings_are_invalid_settings(field: str, value: Any, words: str) -> None:
    settings, _, _ = accept_case()
    with pytest.raises(sso_scim.ConfigurationError) as info:
        sso_scim.ServiceProvider({**settings, field: value})
    assert info.value.code == "invalid_settings"
    assert words in info.value.message


def test_out_of_range_scim_limits_are_invalid_settings() -> None:
    store, _ = store_with_token()
    with pytest.raises(sso_scim.ConfigurationError) as info:
        sso_scim.Handler(store, {"limits": {"max_json_depth": 10**9}})
    assert info.value.code == "invalid_settings"
    assert "limits.max_json_depth must be between 1 and 128, got 1000000000" in info.value.message


def test_negative_settings_are_invalid_settings_naming_the_field() -> None:
    settings, _, _ = accept_case()
    with pytest.raises(sso_scim.ConfigurationError) as info:
        sso_scim.ServiceProvider({**settings, "clock_skew_seconds": -1})
    assert info.value.code == "invalid_settings"
    assert "clock_skew_seconds must be a whole number from 0 to 18446744073709551615, got -1" in info.value.message
    with pytest.raises(sso_scim.ConfigurationError) as info:
        sso_scim.Handler(MemoryStore(), {"limits": {"max_json_depth": -5}})
    assert info.value.code == "invalid_settings"
    assert "limits.max_json_depth must be a whole number" in info.value.message


def test_ints_past_64_bits_are_invalid_argument_not_overflow_error() -> None:
    settings, _, _ = accept_case()
    with pytest.raises(sso_scim.InvalidArgumentError) as info:
        sso_scim.ServiceProvider({**settings, "clock_skew_seconds": 2**70})
    assert info.value.code == "invalid_argument"
    assert '["clock_skew_seconds"]' in info.value.message and "does not fit in 64 bits" in info.value.message
    with pytest.raises(sso_scim.InvalidArgumentError) as info:
        sso_scim.Handler(MemoryStore(), {"limits": {"max_json_depth": 2**70}})
    assert '["max_json_depth"]' in info.value.message
    sp = sso_scim.ServiceProvider(settings)
    for days in (-1, 2**70):
        with pytest.raises(sso_scim.InvalidArgumentError) as info:
            sp.certificates_expiring_within(days)
        assert info.value.message == f"days: expected 0 to 4294967295, got {days}"


# 3. The store contract.


class Paging(MemoryStore):
    """Answers query_users / query_groups with a prepared list, whatever the count."""

    def __init__(self, rows: Any) -> None:
        super().__init__()
        self.rows = rows

    def query_users(self, workspace_id: str, query: sso_scim.Query) -> Any:
        return {"total_results": 10**6, "users": self.rows}

    def query_groups(self, workspace_id: str, query: sso_scim.Query) -> Any:
        return {"total_results": 10**6, "groups": self.rows}


def test_a_store_ignoring_count_is_refused_before_conversion() -> None:
    rows = [{"id": str(i), "user_name": f"u{i}"} for i in range(1_000_000)]
    store, token = store_with_token(Paging(rows))
    handler = sso_scim.Handler(store)
    started = time.perf_counter()
    with pytest.raises(sso_scim.StoreContractError) as info:
        handler.handle(get_users(token, "count=5"))
    elapsed = time.perf_counter() - started
    assert info.value.code == "store_contract_violated"
    assert info.value.message == "the store's query_users listed 1000000 records for a count of 5"
    # Converting a million records took seconds; reading one length takes microseconds.
    assert elapsed < 0.5, elapsed


class HugeRows(list):  # type: ignore[type-arg]
    """Claims 10**12 rows; iterating it fails."""

    def __len__(self) -> int:
        return 10**12

    def __iter__(self) -> Iterator[Any]:
        raise AssertionError("the rows were iterated")


class HugeSized:
    """Not even a list: only a length, which is all the check reads."""

    def __len__(self) -> int:
        return 10**12

    def __iter__(self) -> Iterator[Any]:
        raise AssertionError("the rows were iterated")


@pytest.mark.parametrize("rows", [HugeRows(), HugeSized(), [object()] * 6], ids=["list-subclass", "sized", "unconvertible"])
@pytest.mark.parametrize("path", ["/Users", "/Groups"])
def test_rows_over_count_are_refused_on_their_length_alone(rows: Any, path: str) -> None:
    store, token = store_with_token(Paging(rows))
    handler = sso_scim.Handler(store)
    with pytest.raises(sso_scim.StoreContractError) as info:
        handler.handle(sso_scim.ScimRequest("GET", path, "count=5", headers=auth(token)))
    method = "query_users" if path == "/Users" else "query_groups"
    assert info.value.code == "store_contract_violated"
    assert info.value.message == f"the store's {method} listed {len(rows)} records for a count of 5"


def test_an_async_store_ignoring_count_is_refused_before_conversion() -> None:
    class Store(AsyncMemoryStore):
        async def query_users(self, workspace_id: str, query: sso_scim.Query) -> Any:
            await asyncio.sleep(0)
            return {"total_results": 6, "users": [object()] * 6}

    inner, token = store_with_token()
    handler = sso_scim.Handler(Store(inner))

    async def main() -> Any:
        return await handler.handle_async(get_users(token, "count=5"))

    with pytest.raises(sso_scim.StoreContractError) as info:
        asyncio.run(main())
    assert info.value.message == "the store's query_users listed 6 records for a count of 5"


def test_a_write_answered_with_an_older_version_is_a_contract_violation() -> None:
    class Backwards(MemoryStore):
        def update_user(self, user: sso_scim.UserRecord, expected_version: int) -> Any:
            super().update_user(user, expected_version)
            return {**user, "version": expected_version}

    store, token = store_with_token(Backwards())
    handler = sso_scim.Handler(store)
    id = handler.handle(create_user("a@example.test", token)).json()["id"]
    patch = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "active", "value": False}],
    }
    with pytest.raises(sso_scim.StoreContractError) as info:
        handler.handle(sso_scim.ScimRequest("PATCH", f"/Users/{id}", headers=auth(token), json=patch))
    assert info.value.code == "store_contract_violated"
    assert "version" in info.value.message


def test_a_page_listing_an_id_twice_is_a_contract_violation() -> None:
    class Twice(MemoryStore):
        def query_users(self, workspace_id: str, query: sso_scim.Query) -> Any:
            page = super().query_users(workspace_id, query)
            return {**page, "users": page["users"] * 2, "total_results": 2 * page["total_results"]}

    store, token = store_with_token(Twice())
    handler = sso_scim.Handler(store)
    assert handler.handle(create_user("a@example.test", token)).status == 201
    with pytest.raises(sso_scim.StoreContractError) as info:
        handler.handle(get_users(token))
    assert info.value.code == "store_contract_violated"
    assert "twice" in info.value.message


# 4. A signal raised where it does not apply.


class CodeOnly(Exception):
    code = "not_found"


@pytest.mark.parametrize(
    "exc",
    [sso_scim.StoreConflict("taken?"), sso_scim.StoreNotFound("gone?"), sso_scim.StoreVersionMismatch("old?"), CodeOnly()],
    ids=["conflict", "not_found", "version_mismatch", "code-attribute"],
)
@pytest.mark.parametrize("entry", ["handle", "handle_async"])
def test_a_signal_where_it_does_not_apply_keeps_the_host_exception_as_cause(exc: Exception, entry: str) -> None:
    class Store(AsyncMemoryStore):
        async def get_user(self, workspace_id: str, id: str) -> Optional[sso_scim.UserRecord]:
            await asyncio.sleep(0)
            raise exc

    class SyncStore(MemoryStore):
        def get_user(self, workspace_id: str, id: str) -> Optional[sso_scim.UserRecord]:
            raise exc

    async def main() -> Any:
        inner, token = store_with_token()
        return await sso_scim.Handler(Store(inner)).handle_async(get_user(token))

    with pytest.raises(sso_scim.StoreContractError) as info:
        if entry == "handle":
            store, token = store_with_token(SyncStore())
            sso_scim.Handler(store).handle(get_user(token))
        else:
            asyncio.run(main())
    assert info.value.code == "store_failed"
    assert info.value.__cause__ is exc
    assert "get_user" in info.value.message and type(exc).__name__ in info.value.message


# 5. Other probes.


class Odd(BaseException):
    """Neither an Exception nor KeyboardInterrupt / SystemExit."""


@pytest.mark.parametrize("entry", ["handle", "handle_async"])
def test_a_base_exception_subclass_passes_through_unchanged(entry: str) -> None:
    exc = Odd("odd")

    class SyncStore(MemoryStore):
        def get_user(self, workspace_id: str, id: str) -> Optional[sso_scim.UserRecord]:
            raise exc

    class Store(AsyncMemoryStore):
        async def get_user(self, workspace_id: str, id: str) -> Optional[sso_scim.UserRecord]:
            await asyncio.sleep(0)
            raise exc

    with pytest.raises(Odd) as info:
        if entry == "handle":
            store, token = store_with_token(SyncStore())
            sso_scim.Handler(store).handle(get_user(token))
        else:
            inner, token = store_with_token()
            handler = sso_scim.Handler(Store(inner))

            async def main() -> Any:
                return await handler.handle_async(get_user(token))

            asyncio.run(main())
    assert info.value is exc


def test_a_store_reentering_handle_stops_with_recursion_error() -> None:
    # In a subprocess: without the nesting limit this overflowed the stack (SIGSEGV).
    out = run_sub(
        """
        import sso_scim
        from helpers import auth, store_with_token
        from memory_store import MemoryStore

        class Reentrant(MemoryStore):
            calls = 0

            def get_user(self, workspace_id, id):
                Reentrant.calls += 1
                return handler.handle(sso_scim.ScimRequest("GET", "/Users/u1", headers=auth(token)))

        store, token = store_with_token(Reentrant())
        handler = sso_scim.Handler(store)
        try:
            handler.handle(sso_scim.ScimRequest("GET", "/Users/u1", headers=auth(token)))
        except RecursionError as e:
            print("RecursionError", Reentrant.calls, "calls deep" in str(e))
        print(handler.handle(sso_scim.ScimRequest("GET", "/Users", headers=auth(token))).status)
        """
    )
    assert out.returncode == 0, (out.returncode, out.stderr[-2000:])
    assert out.stdout.split() == ["RecursionError", "32", "True", "200"]
    assert out.stderr == ""


def test_an_async_store_reentering_handle_async_stops_with_recursion_error() -> None:
    out = run_sub(
        """
        import asyncio
        import sso_scim
        from helpers import auth, store_with_token
        from memory_store import AsyncMemoryStore

        class Reentrant(AsyncMemoryStore):
            calls = 0

            async def get_user(self, workspace_id, id):
                Reentrant.calls += 1
                return await handler.handle_async(sso_scim.ScimRequest("GET", "/Users/u1", headers=auth(token)))

        inner, token = store_with_token()
        handler = sso_scim.Handler(Reentrant(inner))

        async def main():
            return await handler.handle_async(sso_scim.ScimRequest("GET", "/Users/u1", headers=auth(token)))

        try:
            asyncio.run(main())
        except RecursionError:
            print("RecursionError", Reentrant.calls <= 32)
        """
    )
    assert out.returncode == 0, (out.returncode, out.stderr[-2000:])
    assert out.stdout.split() == ["RecursionError", "True"]
    assert out.stderr == ""


def test_a_plain_method_raising_stop_iteration_on_asyncio_is_not_a_return() -> None:
    stop = StopIteration("not a result")

    class Store(MemoryStore):
        def get_user(self, workspace_id: str, id: str) -> Optional[sso_scim.UserRecord]:
            raise stop

    store, token = store_with_token(Store())
    handler = sso_scim.Handler(store)

    async def main() -> Any:
        return await handler.handle_async(get_user(token))

    with pytest.raises(RuntimeError) as info:
        asyncio.run(main())
    assert info.value.__cause__ is stop
    # The sync entry point has no coroutine protocol to confuse: raised unchanged.
    with pytest.raises(StopIteration) as plain:
        handler.handle(get_user(token))
    assert plain.value is stop


class AwaitNotIterator:
    def __await__(self) -> Any:
        return 42


class YieldsThenRaises:
    def __await__(self) -> Iterator[None]:
        yield None
        raise Odd("late")


class ReturnsNonJson:
    def __await__(self) -> Iterator[None]:
        yield None
        return {1, 2}  # type: ignore[return-value]


@pytest.mark.parametrize(
    "answer, expected",
    [
        (AwaitNotIterator, TypeError),
        (YieldsThenRaises, Odd),
        (ReturnsNonJson, sso_scim.StoreContractError),
    ],
    ids=["__await__-not-an-iterator", "raises-after-a-yield", "returns-non-json"],
)
def test_odd_awaitables_from_a_store_end_the_request_cleanly(answer: Any, expected: type) -> None:
    class Store(MemoryStore):
        def get_user(self, workspace_id: str, id: str) -> Any:
            return answer()

    store, token = store_with_token(Store())
    handler = sso_scim.Handler(store)

    async def main() -> Any:
        return await handler.handle_async(get_user(token))

    with pytest.raises(expected):
        asyncio.run(main())
    # And the handler goes on answering.
    assert handler.handle(get_users(token)).status == 200


def test_every_public_exception_is_documented() -> None:
    readme = (TESTS.parent / "README.md").read_text()
    section = readme.split("## Errors a host must catch", 1)[1].split("\n## ", 1)[0]
    for name in sso_scim.__all__:
        obj = getattr(sso_scim, name)
        if isinstance(obj, type) and issubclass(obj, sso_scim.SsoScimError):
            assert f"`{name}`" in section, name
    for family in set(sso_scim.ERROR_FAMILIES.values()):
        assert f"`{family}`" in section, family
    for passes in ("KeyboardInterrupt", "SystemExit", "RecursionError"):
        assert passes in section, passes
