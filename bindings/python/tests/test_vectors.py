"""Every vector in tests/vectors/ through the binding: SCIM with a sync store (handle) and an
asyncio store (handle_async); SAML validation; login decisions through all four entry
points. Each test checks it ran every step or case its file holds."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Iterator, Optional

import pytest

import sso_scim
from memory_store import AsyncMemoryStore
from vectors import (
    SAML_VECTORS,
    SCIM_VECTORS,
    load,
    run_login_file,
    run_scim_vector,
    run_validation_file,
)

# Counted when this suite was written; more files may come, fewer means a lost vector.
MIN_SCIM_FILES = 46
MIN_SAML_FILES = 8


def test_every_vector_file_is_collected() -> None:
    assert len(SCIM_VECTORS) >= MIN_SCIM_FILES, [p.name for p in SCIM_VECTORS]
    assert len(SAML_VECTORS) >= MIN_SAML_FILES, [p.name for p in SAML_VECTORS]
    assert sum(1 for p in SAML_VECTORS if load(p).get("kind") == "login") == 1


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.mark.parametrize("path", SCIM_VECTORS, ids=lambda p: p.stem)
def test_scim_vector_sync(path: Any) -> None:
    failures, ran = run_scim_vector(path, lambda h, r: h.handle(r))
    assert not failures, "\n".join(failures)
    assert ran == len(load(path)["steps"])


@pytest.mark.parametrize("path", SCIM_VECTORS, ids=lambda p: p.stem)
def test_scim_vector_asyncio(path: Any, loop: asyncio.AbstractEventLoop) -> None:
    async def send(h: sso_scim.Handler, r: sso_scim.ScimRequest) -> sso_scim.ScimResponse:
        return await h.handle_async(r)

    failures, ran = run_scim_vector(path, lambda h, r: loop.run_until_complete(send(h, r)), AsyncMemoryStore)
    assert not failures, "\n".join(failures)
    assert ran == len(load(path)["steps"])


VALIDATION = [p for p in SAML_VECTORS if load(p).get("kind") != "login"]
LOGIN = [p for p in SAML_VECTORS if load(p).get("kind") == "login"]


@pytest.mark.parametrize("path", VALIDATION, ids=lambda p: p.stem)
def test_saml_vector(path: Any) -> None:
    file = load(path)
    failures, ran = run_validation_file(file)
    assert not failures, "\n".join(failures)
    assert ran == len(file["cases"]) > 0


def _sign_in(h: sso_scim.Handler, ws: str, sp: sso_scim.ServiceProvider, data: Any, rid: Optional[str], now: str) -> Any:
    return h.sign_in(ws, sp, data, rid, now)


def _decide(h: sso_scim.Handler, ws: str, sp: sso_scim.ServiceProvider, data: Any, rid: Optional[str], now: str) -> Any:
    return h.decide(ws, sp, sp.validate(data, rid, now))


@pytest.mark.parametrize("path", LOGIN, ids=lambda p: p.stem)
@pytest.mark.parametrize("entry", ["sign_in", "decide"])
def test_login_vector_sync(path: Any, entry: str) -> None:
    file = load(path)
    failures, ran = run_login_file(file, _sign_in if entry == "sign_in" else _decide)
    assert not failures, "\n".join(failures)
    assert ran == len(file["cases"]) > 0


@pytest.mark.parametrize("path", LOGIN, ids=lambda p: p.stem)
@pytest.mark.parametrize("entry", ["sign_in_async", "decide_async"])
def test_login_vector_asyncio(path: Any, entry: str, loop: asyncio.AbstractEventLoop) -> None:
    async def sign_in(h: sso_scim.Handler, ws: str, sp: sso_scim.ServiceProvider, data: Any, rid: Optional[str], now: str) -> Any:
        if entry == "sign_in_async":
            return await h.sign_in_async(ws, sp, data, rid, now)
        return await h.decide_async(ws, sp, sp.validate(data, rid, now))

    def run(h: sso_scim.Handler, ws: str, sp: sso_scim.ServiceProvider, data: Any, rid: Optional[str], now: str) -> Any:
        return loop.run_until_complete(sign_in(h, ws, sp, data, rid, now))

    file = load(path)
    failures, ran = run_login_file(file, run, AsyncMemoryStore)
    assert not failures, "\n".join(failures)
    assert ran == len(file["cases"]) > 0


def test_the_runners_notice_a_wrong_expectation(tmp_path: Any) -> None:
    """A runner that cannot fail proves nothing: tamper with one fact of each kind."""
    source = next(p for p in SCIM_VECTORS if any("save" in s for s in load(p)["steps"]))
    vector = load(source)
    step = next(s for s in vector["steps"] if s.get("expect", {}).get("status"))
    step["expect"]["status"] += 1
    step["expect"].setdefault("body", []).append({"path": "/no/such/member", "present": True})
    tampered = tmp_path / source.name
    tampered.write_text(json.dumps(vector))
    failures, _ = run_scim_vector(tampered, lambda h, r: h.handle(r))
    assert any("status" in f and "should be present" in f for f in failures), failures

    file = load(next(p for p in VALIDATION if p.stem == "accept"))
    file["cases"] = file["cases"][:2]
    file["cases"][0]["expect"]["identity"]["email"] = "someone.else@example.test"
    file["cases"][1]["expect"] = {"ok": False, "error": "expired"}
    failures, ran = run_validation_file(file)
    assert ran == 2 and len(failures) == 2, failures

    login = load(LOGIN[0])
    login["cases"][0]["expect"] = {"decision": "refused", "code": "unknown_user"}
    failures, _ = run_login_file(login, _sign_in)
    assert len(failures) == 1 and "login /" in failures[0], failures
