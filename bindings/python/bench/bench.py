"""Benchmark of the Python binding (a script, never a test): `make bench-python`.

1. SAML: validating the Entra default response (unsigned Response, signed assertion,
   RSA-2048; the first case of tests/vectors/saml/accept.json, signed with the throwaway test
   key) with sso_scim and with python3-saml (strict, same bytes, same certificate, same
   clock), interleaved in one process. Also two threads validating at once (the GIL is
   released while the core works).
2. SCIM: per-request cost of `Handler.handle` for the Entra requests of the core's criterion
   bench (`core/benches/scim.rs`), against a Python store that does no work (the binding's
   own overhead plus the core), against the example MemoryStore holding 10k users, and on
   asyncio (`handle_async` one at a time and 200 in flight, `async def` and plain store
   methods); beside it the cost of the Python store calls alone.
3. Login on asyncio: `sign_in_async` (signature verified on the loop's thread) against
   verifying on an executor thread and then `decide_async`.

Medians over interleaved rounds; figures vary with machine load (printed).
"""

from __future__ import annotations

import asyncio
import calendar
import datetime as dt
import gc
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
sys.path.insert(0, str(HERE.parent / "examples"))

import sso_scim  # noqa: E402
from memory_store import MemoryStore  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "15"))
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def per_call(fn: Callable[[], Any], k: int) -> float:
    start = time.perf_counter_ns()
    for _ in range(k):
        fn()
    return (time.perf_counter_ns() - start) / k / 1000.0  # µs


def medians(
    cases: Dict[str, Tuple[Callable[[], Any], int]],
    rounds: int = ROUNDS,
    between: Optional[Callable[[], Dict[str, float]]] = None,
) -> Dict[str, float]:
    """Median µs per call of each case, the cases interleaved round by round; `between` is
    measured once per round too (its own medians, keyed by its names)."""
    for fn, k in cases.values():  # warm up
        per_call(fn, max(1, k // 10))
    samples: Dict[str, List[float]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, (fn, k) in cases.items():
            samples[name].append(per_call(fn, k))
        if between is not None:
            for name, us in between().items():
                samples.setdefault(name, []).append(us)
    return {name: statistics.median(s) for name, s in samples.items()}


def fmt(us: float) -> str:
    return f"{us / 1000:.2f} ms" if us >= 1000 else f"{us:.1f} µs"


# -- SAML --------------------------------------------------------------------------------


def saml() -> None:
    from onelogin.saml2 import utils as saml2_utils
    from onelogin.saml2.response import OneLogin_Saml2_Response
    from onelogin.saml2.settings import OneLogin_Saml2_Settings

    file = json.loads((REPO / "tests/vectors/saml/accept.json").read_text(encoding="utf-8"))
    case = file["cases"][0]
    assert case["name"].startswith("Entra default"), case["name"]
    form, rid, now = case["response"], file["request_id"], file["now"]
    settings = file["settings"]
    xml_bytes = len(__import__("base64").b64decode(form))

    sp = sso_scim.ServiceProvider(settings)
    now_dt = dt.datetime.fromisoformat(now.replace("Z", "+00:00"))

    # python3-saml reads the clock itself: pin it to the vector's instant.
    pinned = calendar.timegm(now_dt.utctimetuple())
    saml2_utils.OneLogin_Saml2_Utils.now = staticmethod(lambda: pinned)  # type: ignore[method-assign]
    peer_settings = OneLogin_Saml2_Settings(
        {
            "strict": True,
            "debug": False,
            "sp": {
                "entityId": settings["sp_entity_id"],
                "assertionConsumerService": {
                    "url": settings["acs_url"],
                    "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
                },
            },
            "idp": {
                "entityId": settings["idp_entity_id"],
                "singleSignOnService": {
                    "url": "https://login.example.test/saml2",
                    "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect",
                },
                "x509cert": settings["idp_certificates"][0],
            },
            "security": {"wantAssertionsSigned": True, "wantMessagesSigned": False, "rejectDeprecatedAlgorithm": True},
        },
        sp_validation_only=True,
    )
    request_data = {
        "https": "on",
        "http_host": "app.example.test",
        "script_name": "/saml/acs",
        "server_port": "443",
        "get_data": {},
        "post_data": {"SAMLResponse": form},
    }

    def peer() -> bool:
        response = OneLogin_Saml2_Response(peer_settings, form)
        return bool(response.is_valid(request_data, rid))

    def ours() -> str:
        return sp.validate(form, rid, now)["name_id"]

    def ours_datetime() -> str:
        return sp.validate(form, rid, now_dt)["name_id"]

    # Both accept the same bytes, and both refuse a tampered copy.
    assert peer() and ours() == case["expect"]["identity"]["name_id"]
    response = OneLogin_Saml2_Response(peer_settings, form)
    response.is_valid(request_data, rid)
    assert response.get_nameid() == ours()

    m = medians({"python3-saml": (peer, 20), "sso_scim": (ours, 400), "sso_scim (datetime now)": (ours_datetime, 400)})
    print(f"\n### SAML: the Entra default response ({xml_bytes} bytes XML, {len(form)} bytes base64), one thread\n")
    print("| validator | median per response | vs sso_scim |")
    print("| --- | --- | --- |")
    for name, us in m.items():
        print(f"| {name} | {fmt(us)} | {us / m['sso_scim']:.1f}× |")
    print(f"\npython3-saml / sso_scim = **{m['python3-saml'] / m['sso_scim']:.0f}×**")

    # Two threads at once, against two processes (no GIL at all): the GIL is released while the
    # core validates, so threads scale like processes when a second core is free.
    import multiprocessing

    n = 1200

    def work(k: int) -> None:
        for _ in range(k):
            ours()

    def rate(kind: Any, workers: int) -> float:
        runners = [kind(target=work, args=(n // workers,)) for _ in range(workers)]
        start = time.perf_counter()
        for r in runners:
            r.start()
        for r in runners:
            r.join()
        return n / (time.perf_counter() - start)

    fork = multiprocessing.get_context("fork").Process
    rates: Dict[str, List[float]] = {"t1": [], "t2": [], "p1": [], "p2": []}
    for _ in range(5):
        rates["t1"].append(rate(threading.Thread, 1))
        rates["t2"].append(rate(threading.Thread, 2))
        rates["p1"].append(rate(fork, 1))
        rates["p2"].append(rate(fork, 2))
    r = {k: statistics.median(v) for k, v in rates.items()}
    print(
        f"\nvalidations/s with 2 workers vs 1 ({os.cpu_count()} cores): threads {r['t2']:,.0f} vs {r['t1']:,.0f} "
        f"({r['t2'] / r['t1']:.2f}×), processes {r['p2']:,.0f} vs {r['p1']:,.0f} ({r['p2'] / r['p1']:.2f}×)"
    )


# -- SCIM --------------------------------------------------------------------------------


def entra_user(i: int) -> Dict[str, Any]:
    """The same body as core/benches/scim.rs."""
    return {
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        ],
        "externalId": f"user{i}",
        "userName": f"user{i}@contoso.com",
        "active": True,
        "emails": [{"primary": True, "type": "work", "value": f"user{i}@contoso.com"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": f"User {i}", "familyName": "Number", "givenName": f"User{i}"},
        "roles": [],
        "title": None,
        "addresses": None,
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Retail", "employeeNumber": f"{i}"},
    }


class NullStore:
    """Does no work: hands back one prepared user (as the core bench's NullDirectory)."""

    def __init__(self, grant: sso_scim.TokenGrant, user: sso_scim.UserRecord) -> None:
        self.grant, self.user = grant, user
        self.page: sso_scim.UserPage = {"total_results": 1, "users": [user]}

    def workspace_for_token(self, token_hash: str) -> Optional[sso_scim.TokenGrant]:
        return self.grant

    def get_user(self, workspace_id: str, id: str) -> Optional[sso_scim.UserRecord]:
        return self.user

    def find_by_user_name(self, workspace_id: str, key: str) -> Optional[sso_scim.UserRecord]:
        return None

    def query_users(self, workspace_id: str, query: sso_scim.Query) -> sso_scim.UserPage:
        return self.page

    def insert_user(self, user: sso_scim.UserRecord) -> Optional[sso_scim.UserRecord]:
        return None

    def update_user(self, user: sso_scim.UserRecord, expected_version: int) -> Optional[sso_scim.UserRecord]:
        return None

    def remember_assertion(self, workspace_id: str, key: str, until: str) -> bool:
        return True


class AsyncNullStore(NullStore):
    async def workspace_for_token(self, token_hash: str) -> Optional[sso_scim.TokenGrant]:  # type: ignore[override]
        return self.grant

    async def get_user(self, workspace_id: str, id: str) -> Optional[sso_scim.UserRecord]:  # type: ignore[override]
        return self.user


def requests(token: str, ids: List[str]) -> Dict[str, Callable[[int], Tuple[sso_scim.ScimRequest, int]]]:
    auth = {"Authorization": f"Bearer {token}"}

    def patch(i: int) -> Tuple[sso_scim.ScimRequest, int]:
        body = {
            "schemas": [PATCH_OP],
            "Operations": [
                {"op": "Replace", "path": 'emails[type eq "work"].value', "value": f"moved{i}@contoso.com"},
                {
                    "op": "Replace",
                    "value": {
                        "name.givenName": f"Given{i}",
                        "name.familyName": "Family",
                        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": f"Dept{i % 7}",
                    },
                },
            ],
        }
        return sso_scim.ScimRequest("PATCH", f"/Users/{ids[i % len(ids)]}", headers=auth, json=body), 200

    return {
        "GET filter userName (hit)": lambda i: (
            sso_scim.ScimRequest("GET", "/Users", f"filter=userName%20eq%20%22USER{i % len(ids)}%40contoso.com%22", auth),
            200,
        ),
        "GET /Users/{id}": lambda i: (sso_scim.ScimRequest("GET", f"/Users/{ids[i % len(ids)]}", headers=auth), 200),
        "PATCH value path + dotted replace": patch,
        "POST (Entra create)": lambda i: (
            sso_scim.ScimRequest("POST", "/Users", headers=auth, json=entra_user(1_000_000 + i)),
            201,
        ),
    }


def build_baseline() -> Path:
    """Build bench/bridge_baseline.rs: the same requests through the core's JSON bridge in Rust."""
    import subprocess

    subprocess.run(
        ["cargo", "build", "--release", "--locked", "-q", "-p", "sso-scim-python", "--example", "bridge_baseline"],
        cwd=REPO,
        check=True,
    )
    return REPO / "target" / "release" / "examples" / "bridge_baseline"


def baseline_round(binary: Path) -> Dict[str, float]:
    """One measured round of the Rust baseline (run between the Python rounds, so both see
    the same machine load)."""
    import subprocess

    out = subprocess.run(
        [str(binary)], check=True, capture_output=True, text=True, env={**os.environ, "BASELINE_ROUNDS": "1"}
    ).stdout
    return {k: float(v) for k, v in json.loads(out.strip().splitlines()[-1]).items()}


def scim() -> None:
    population = int(os.environ.get("BENCH_USERS", "10000"))
    memory = MemoryStore()
    token = sso_scim.generate_token()
    memory.add_workspace({"id": "ws", "name": "Contoso", "default_role": "Project Manager"}, [token["hash"]])
    handler = sso_scim.Handler(memory)
    auth = {"Authorization": f"Bearer {token['token']}"}
    ids = []
    for i in range(population):
        r = handler.handle(sso_scim.ScimRequest("POST", "/Users", headers=auth, json=entra_user(i)))
        assert r.status == 201
        ids.append(r.json()["id"])
    grant = memory.workspace_for_token(token["hash"])
    assert grant is not None
    user = memory.users("ws")[0]
    null = NullStore(grant, user)
    null_handler = sso_scim.Handler(null)
    # The 10k stored users are ~10^6 tracked objects: keep them out of the collector's scans,
    # so full collections triggered by the timed loops do not weigh on whichever case runs.
    gc.collect()
    gc.freeze()
    assert user["id"] == ids[0]
    make = requests(token["token"], ids)
    # The no-work store always answers the same user, so its requests all name that one.
    make_null = requests(token["token"], ids[:1])
    n = 512  # prepared requests per kind, cycled (request construction is not timed)

    def prepared(kind: str, offset: int = 0, null: bool = False) -> Tuple[List[sso_scim.ScimRequest], int]:
        pairs = [(make_null if null else make)[kind](offset + i * 7919) for i in range(n)]
        return [p[0] for p in pairs], pairs[0][1]

    cases: Dict[str, Tuple[Callable[[], Any], int]] = {}
    for kind in make:
        for label, h in (("null", null_handler), ("memory", handler)):
            reqs, want = prepared(kind, 0, label == "null")
            it = iter(range(10**12))

            def call(h: sso_scim.Handler = h, reqs: List[sso_scim.ScimRequest] = reqs, want: int = want) -> None:
                resp = h.handle(reqs[next(it) % n])
                if resp.status != want and not (want == 201 and resp.status == 409):
                    raise AssertionError((resp.status, resp.json()))

            cases[f"{kind}|{label}"] = (call, 300)
    # The host's side alone: the same store calls straight from Python.
    cases["store calls|null"] = (lambda: (null.workspace_for_token("x"), null.get_user("ws", "id")), 5000)
    cases["ScimRequest(json=…)|build"] = (lambda: make["PATCH value path + dotted replace"](3), 2000)
    binary = build_baseline()
    m = medians(cases, between=lambda: {f"{k}|rust": v for k, v in baseline_round(binary).items()})

    print(f"\n### SCIM: `Handler.handle` per request (sync store, request built beforehand)\n")
    print(
        "| Entra request | core + JSON bridge, Rust no-work host | Python no-work store | binding's own cost "
        f"| example MemoryStore, {population:,} users |"
    )
    print("| --- | --- | --- | --- | --- |")
    for kind in make:
        rust, py = m[kind + "|rust"], m[kind + "|null"]
        print(f"| {kind} | {fmt(rust)} | {fmt(py)} | {fmt(py - rust)} | {fmt(m[kind + '|memory'])} |")
    print(f"\nthe two store calls of a GET straight from Python: {fmt(m['store calls|null'])};")
    print(f"building a PATCH ScimRequest with json=: {fmt(m['ScimRequest(json=…)|build'])}")

    # asyncio: one request at a time, and 200 in flight.
    async_handler = sso_scim.Handler(AsyncNullStore(grant, user))
    get_reqs, _ = prepared("GET /Users/{id}", null=True)

    async def sequential(h: sso_scim.Handler, k: int) -> float:
        start = time.perf_counter_ns()
        for i in range(k):
            await h.handle_async(get_reqs[i % n])
        return (time.perf_counter_ns() - start) / k / 1000

    async def concurrent(h: sso_scim.Handler, k: int) -> float:
        start = time.perf_counter()
        for chunk in range(0, k, 200):
            await asyncio.gather(*(h.handle_async(get_reqs[i % n]) for i in range(chunk, chunk + 200)))
        return k / (time.perf_counter() - start)

    def sync_handle(k: int) -> float:
        start = time.perf_counter_ns()
        for i in range(k):
            null_handler.handle(get_reqs[i % n])
        return (time.perf_counter_ns() - start) / k / 1000

    async def run_async() -> Dict[str, float]:
        await sequential(async_handler, 200)
        out: Dict[str, List[float]] = {"seq_async": [], "seq_sync_store": [], "sync": [], "conc": [], "conc_plain": []}
        for _ in range(9):
            out["seq_async"].append(await sequential(async_handler, 2000))
            out["seq_sync_store"].append(await sequential(null_handler, 2000))
            out["sync"].append(sync_handle(2000))
            out["conc"].append(await concurrent(async_handler, 4000))
            out["conc_plain"].append(await concurrent(null_handler, 4000))
        return {k: statistics.median(v) for k, v in out.items()}

    a = asyncio.run(run_async())
    print("\nasyncio, GET /Users/{id}, no-work store (every store call made on the loop's thread):")
    print(f"- `await handle_async`, `async def` store methods, one at a time: {fmt(a['seq_async'])} per request")
    print(f"- `await handle_async`, plain store methods, one at a time: {fmt(a['seq_sync_store'])} per request")
    print(f"- beside them, `handle` (sync) in the same rounds: {fmt(a['sync'])} per request")
    print(f"- 200 in flight (`asyncio.gather`), `async def` methods: {a['conc']:,.0f} requests/s")
    print(f"- 200 in flight (`asyncio.gather`), plain methods: {a['conc_plain']:,.0f} requests/s")

    login(grant, user)


class PlainLoginStore(NullStore):
    """Signs the prepared user in on every use (no replay table)."""

    def find_by_user_name(self, workspace_id: str, key: str) -> Optional[sso_scim.UserRecord]:
        return self.user


class LoginStore(AsyncNullStore):
    """`PlainLoginStore` with `async def` methods, as on asyncio."""

    async def find_by_user_name(self, workspace_id: str, key: str) -> Optional[sso_scim.UserRecord]:  # type: ignore[override]
        return self.user

    async def remember_assertion(self, workspace_id: str, key: str, until: str) -> bool:  # type: ignore[override]
        return True


def login(grant: sso_scim.TokenGrant, user: sso_scim.UserRecord) -> None:
    """`sign_in_async` verifies the signature on the loop's thread (GIL released): against
    verifying on an executor thread and then `decide_async` (the alternative), one at a
    time and 50 in flight, and with a CPU-bound Python thread beside the loop."""
    file = json.loads((REPO / "tests/vectors/saml/accept.json").read_text(encoding="utf-8"))
    case = file["cases"][0]
    form, rid, now = case["response"], file["request_id"], file["now"]
    sp = sso_scim.ServiceProvider(file["settings"])
    handler = sso_scim.Handler(LoginStore(grant, user))
    sync_handler = sso_scim.Handler(PlainLoginStore(grant, user))

    async def on_loop() -> None:
        decision = await handler.sign_in_async("ws", sp, form, rid, now)
        assert decision["decision"] == "allowed", decision

    async def offloaded() -> None:
        identity = await asyncio.get_running_loop().run_in_executor(None, sp.validate, form, rid, now)
        decision = await handler.decide_async("ws", sp, identity)
        assert decision["decision"] == "allowed", decision

    async def sequential(fn: Callable[[], Any], k: int) -> float:
        start = time.perf_counter_ns()
        for _ in range(k):
            await fn()
        return (time.perf_counter_ns() - start) / k / 1000

    async def concurrent(fn: Callable[[], Any], k: int) -> float:
        start = time.perf_counter()
        for _ in range(0, k, 50):
            await asyncio.gather(*(fn() for _ in range(50)))
        return k / (time.perf_counter() - start)

    def spin(stop: threading.Event, count: List[int]) -> None:
        while not stop.is_set():
            sum(range(200))
            count[0] += 1

    async def busy(fn: Callable[[], Any], k: int) -> Tuple[float, float]:
        stop, count = threading.Event(), [0]
        thread = threading.Thread(target=spin, args=(stop, count))
        thread.start()
        start = time.perf_counter()
        us = await sequential(fn, k)
        elapsed = time.perf_counter() - start
        stop.set()
        thread.join()
        return us, count[0] / elapsed

    async def run() -> Dict[str, float]:
        out: Dict[str, List[float]] = {}
        for fn in (on_loop, offloaded):
            await sequential(fn, 20)
        for _ in range(7):
            out.setdefault("sign_in", []).append(per_call(lambda: sync_handler.sign_in("ws", sp, form, rid, now), 200))
            out.setdefault("validate", []).append(per_call(lambda: sp.validate(form, rid, now), 200))
            for name, fn in (("loop", on_loop), ("executor", offloaded)):
                out.setdefault(f"{name}|seq", []).append(await sequential(fn, 200))
                out.setdefault(f"{name}|conc", []).append(await concurrent(fn, 400))
                us, spins = await busy(fn, 100)
                out.setdefault(f"{name}|busy", []).append(us)
                out.setdefault(f"{name}|spins", []).append(spins)
        return {k: statistics.median(v) for k, v in out.items()}

    m = asyncio.run(run())
    print("\n### Login on asyncio: `sign_in_async` (signature verified on the loop's thread, GIL released)\n")
    print("| | verify on the loop (`sign_in_async`) | verify on an executor thread, then `decide_async` |")
    print("| --- | --- | --- |")
    print(f"| one at a time | {fmt(m['loop|seq'])} | {fmt(m['executor|seq'])} |")
    print(f"| 50 in flight | {m['loop|conc']:,.0f}/s | {m['executor|conc']:,.0f}/s |")
    print(f"| one at a time beside a CPU-bound Python thread | {fmt(m['loop|busy'])} | {fmt(m['executor|busy'])} |")
    print(f"| that thread's progress meanwhile | {m['loop|spins']:,.0f} loops/s | {m['executor|spins']:,.0f} loops/s |")
    print(f"\nbeside them, in the same rounds: `sp.validate` {fmt(m['validate'])}, sync `sign_in` {fmt(m['sign_in'])}")


def main() -> None:
    print(f"sso_scim {sso_scim.version()}, Python {sys.version.split()[0]}, load average {os.getloadavg()}")
    saml()
    scim()
    print(f"\nload average at the end {os.getloadavg()}")


if __name__ == "__main__":
    main()
