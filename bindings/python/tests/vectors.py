"""Runners for the language-neutral vectors in ``tests/vectors/`` (format:
``tests/vectors/README.md``), with the semantics of the Rust runners
(``core/tests/vector_runner/mod.rs``, ``core/tests/saml/vectors/runner.rs``), through this binding.

Every runner returns the problems it found and the number of steps or cases it ran, so a
test can fail when fewer ran than the file holds.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

import sso_scim
from memory_store import MemoryStore

REPO = Path(__file__).resolve().parents[3]
SCIM_VECTORS = sorted((REPO / "tests" / "vectors" / "scim").glob("*.json"))
SAML_VECTORS = sorted((REPO / "tests" / "vectors" / "saml").glob("*.json"))
DEFAULT_BASE_URL = "https://example.test/scim/v2"
CORE_USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"

Send = Callable[[sso_scim.Handler, sso_scim.ScimRequest], sso_scim.ScimResponse]


def repo_path(relative: str) -> Path:
    """Vector paths are relative to the repository root (``../shared/…`` beside it)."""
    return REPO / relative


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def compact(value: Any) -> str:
    """JSON text as serde_json writes it: no spaces, UTF-8 kept."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def json_equal(a: Any, b: Any) -> bool:
    """Equality of JSON values (Python's ``==`` makes ``True == 1 == 1.0``; JSON does not)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and bool(a == b)


_MISSING = object()


def pointer(doc: Any, path: str) -> Any:
    """RFC 6901 JSON Pointer; ``_MISSING`` when nothing is there."""
    if path == "":
        return doc
    if not path.startswith("/"):
        return _MISSING
    at = doc
    for token in path[1:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(at, dict):
            if token not in at:
                return _MISSING
            at = at[token]
        elif isinstance(at, list):
            if not token.isdigit() or (len(token) > 1 and token[0] == "0") or int(token) >= len(at):
                return _MISSING
            at = at[int(token)]
        else:
            return _MISSING
    return at


def type_name(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


class Vars:
    """``${name}`` substitution with variables saved by earlier steps."""


    def __init__(self) -> None:
        self.values: Dict[str, str] = {}

    def text(self, s: str) -> str:
        out, rest = [], s
        while True:
            start = rest.find("${")
            if start < 0:
                out.append(rest)
                return "".join(out)
            end = rest.find("}", start)
            if end < 0:
                raise ValueError(f"unclosed variable in {s!r}")
            name = rest[start + 2 : end]
            if name not in self.values:
                raise ValueError(f"undefined variable ${{{name}}}")
            out.append(rest[:start])
            out.append(self.values[name])
            rest = rest[end + 1 :]

    def value(self, v: Any) -> Any:
        if isinstance(v, str):
            return self.text(v)
        if isinstance(v, list):
            return [self.value(i) for i in v]
        if isinstance(v, dict):
            return {self.text(k): self.value(x) for k, x in v.items()}
        return v


def scim_store(vector: Any, store: Optional[MemoryStore] = None) -> Tuple[MemoryStore, Dict[str, str]]:
    """A fresh store with the vector's workspaces; the first token of each, by workspace."""
    store = store if store is not None else MemoryStore()
    tokens: Dict[str, str] = {}
    for ws in vector.get("workspaces", []):
        workspace: sso_scim.Workspace = {
            "id": ws["id"],
            "name": ws["name"],
            "default_role": ws.get("default_role", "Project Manager"),
        }
        store.add_workspace(workspace, [sso_scim.hash_token(t) for t in ws["tokens"]])
        if ws["tokens"]:
            tokens[ws["id"]] = ws["tokens"][0]
    return store, tokens


def scim_config(vector: Any) -> Dict[str, Any]:
    config = dict(vector.get("config") or {})
    config.setdefault("base_url", DEFAULT_BASE_URL)
    return config


def build_request(step: Any, tokens: Dict[str, str], vars: Vars) -> sso_scim.ScimRequest:
    r = step["request"]
    headers: List[Tuple[str, str]] = []
    if "auth" in r:
        headers.append(("Authorization", f"Bearer {tokens[r['auth']]}"))
    for name, value in (r.get("headers") or {}).items():
        headers.append((name, vars.text(value)))
    body: Optional[bytes] = None
    if "body" in r:
        body = compact(vars.value(r["body"])).encode("utf-8")
    elif "body_text" in r:
        body = vars.text(r["body_text"]).encode("utf-8")
    elif "body_base64" in r:
        body = base64.b64decode(r["body_base64"])
    if body is not None and not any(n.lower() == "content-type" for n, _ in headers):
        headers.append(("Content-Type", "application/scim+json"))
    return sso_scim.ScimRequest(
        r["method"], vars.text(r["path"]), vars.text(r.get("query", "")), headers=headers, body=body
    )


def check(expect: Any, resp: sso_scim.ScimResponse, vars: Vars) -> List[str]:
    problems: List[str] = []
    try:
        body = resp.json()
    except sso_scim.InvalidArgumentError:
        body = _MISSING
    if "status" in expect and resp.status != expect["status"]:
        problems.append(f"status {resp.status} != expected {expect['status']}")
    code = resp.error_code
    want_code = expect.get("error_code")
    if want_code is not None and code != want_code:
        problems.append(f"error_code {code!r} != expected {want_code!r}")
    if want_code is None and code is not None and resp.status < 400:
        problems.append(f"unexpected error_code {code!r}")
    for name, want in (expect.get("headers") or {}).items():
        try:
            want = vars.text(want)
        except ValueError as e:
            problems.append(str(e))
            continue
        have = resp.header(name)
        if have != want:
            problems.append(f"header {name}: {have!r} != expected {want!r}")
    for name in expect.get("headers_absent") or []:
        have = resp.header(name)
        if have is not None:
            problems.append(f"header {name} should be absent, is {have!r}")
    if "body_empty" in expect and expect["body_empty"] != (resp.body == b""):
        problems.append(f"body_empty {resp.body == b''} != expected {expect['body_empty']}")
    for fact in expect.get("body") or []:
        path = fact.get("path", "")
        at = _MISSING if body is _MISSING else pointer(body, path)

        def fail(what: str) -> None:
            problems.append(f"{path}: {what}")

        try:
            if "equals" in fact:
                want = vars.value(fact["equals"])
                if at is _MISSING or not json_equal(at, want):
                    fail(f"{'(absent)' if at is _MISSING else compact(at)} != expected {compact(want)}")
            if "not_equals" in fact:
                want = vars.value(fact["not_equals"])
                if at is not _MISSING and json_equal(at, want):
                    fail(f"should not equal {compact(want)}")
            if "contains" in fact:
                text = vars.text(fact["contains"])
                if not (isinstance(at, str) and text in at):
                    fail(f"{at!r} does not contain {text!r}")
        except ValueError as e:
            fail(str(e))
        if fact.get("absent") is True and at is not _MISSING:
            fail(f"should be absent, is {compact(at)}")
        if fact.get("present") is True and at is _MISSING:
            fail("should be present")
        if "length" in fact:
            n = len(at) if isinstance(at, (list, dict)) else None
            if n != fact["length"]:
                fail(f"length {n} != expected {fact['length']}")
        if "type" in fact:
            t = None if at is _MISSING else type_name(at)
            if t != fact["type"]:
                fail(f"type {t} != expected {fact['type']}")
    return problems


def run_scim_vector(path: Path, send: Send, store: Optional[Any] = None) -> Tuple[List[str], int]:
    """Run one SCIM vector file: (failures, steps run). ``store`` wraps the fresh
    ``MemoryStore`` (the async variant passes ``AsyncMemoryStore``)."""
    vector = load(path)
    inner, tokens = scim_store(vector)
    handler = sso_scim.Handler(inner if store is None else store(inner), scim_config(vector))
    vars = Vars()
    failures: List[str] = []
    ran = 0
    for i, step in enumerate(vector["steps"]):
        name = f"{path.name} step {i} ({step.get('name', '')})"
        try:
            req = build_request(step, tokens, vars)
        except (ValueError, KeyError) as e:
            failures.append(f"{name}: {e}")
            break
        resp = send(handler, req)
        ran += 1
        problems = check(step.get("expect", {}), resp, vars)
        if problems:
            body = resp.body.decode("utf-8", "replace")
            failures.append(f"{name}:\n    " + "\n    ".join(problems) + f"\n    response {resp.status} {body}")
        for var, ptr in (step.get("save") or {}).items():
            found = _MISSING
            try:
                found = pointer(resp.json(), ptr)
            except sso_scim.InvalidArgumentError:
                pass
            if found is _MISSING:
                failures.append(f"{name}: cannot save {var}: nothing at {ptr}")
            else:
                vars.values[var] = found if isinstance(found, str) else compact(found)
    return failures, ran


# -- SAML --------------------------------------------------------------------------------


def merged_settings(file: Any, case: Any) -> Dict[str, Any]:
    settings = json.loads(json.dumps(file["settings"]))
    for source in file.get("idp_certificates_from") or []:
        xml = repo_path(source).read_text(encoding="utf-8")
        start = xml.index("<X509Certificate>") + len("<X509Certificate>")
        settings["idp_certificates"].append(xml[start : xml.index("<", start)])
    for k, v in (case.get("settings") or {}).items():
        settings[k] = v
    return settings


def case_input(case: Any) -> Any:
    if isinstance(case.get("response"), str):
        return case["response"]
    return repo_path(case["response_file"]).read_bytes()


def case_now(file: Any, case: Any) -> str:
    return str(case.get("now", file.get("now")))


def case_requests(file: Any, case: Any) -> Union[None, str, List[str]]:
    """What a validation case passes as ``request_id``: its ``pending_request_ids`` (the list
    form; ``request_id`` is not used then), else its request ID."""
    if "pending_request_ids" in case:
        return case["pending_request_ids"]  # type: ignore[no-any-return]
    return case_request_id(file, case)


def case_request_id(file: Any, case: Any) -> Optional[str]:
    if "request_id" in case:
        return case["request_id"]  # type: ignore[no-any-return]
    return file.get("request_id")  # type: ignore[no-any-return]


def check_identity(identity: Dict[str, Any], facts: Dict[str, Any]) -> List[str]:
    problems = []
    attributes = identity.get("attributes", {})
    for key, want in facts.items():
        if key == "attribute_counts":
            for name, n in want.items():
                got = len(attributes[name]) if name in attributes else None
                if got != n:
                    problems.append(f"attribute {name}: {got} values, expected {n}")
        elif key == "attributes":
            for name, values in want.items():
                if name not in attributes or not json_equal(attributes[name], values):
                    problems.append(f"attribute {name}: {attributes.get(name)!r}, expected {values!r}")
        # An absent member compares as None (null).
        elif not json_equal(identity.get(key), want):
            problems.append(f"{key}: {identity.get(key)!r}, expected {want!r}")
    return problems


def run_validation_file(file: Any) -> Tuple[List[str], int]:
    failures: List[str] = []
    ran = 0
    for case in file["cases"]:
        name = case["name"]
        expect = case["expect"]
        problems: List[str] = []
        if "settings_error" in expect:
            # The settings themselves are refused: only the constructor runs.
            try:
                sso_scim.ServiceProvider(merged_settings(file, case))
            except sso_scim.SsoScimError as e:
                if e.code != expect["settings_error"]:
                    problems.append(f"settings refused with {e}, expected {expect['settings_error']}")
            else:
                problems.append(f"settings accepted, expected {expect['settings_error']}")
            ran += 1
            if problems:
                failures.append(f"{file['description'][:30]} / {name}: " + "; ".join(problems))
            continue
        sp = sso_scim.ServiceProvider(merged_settings(file, case))  # settings errors fail the test
        data = case_input(case)
        if case.get("operation") == "verify_signed_element":
            xml = data if isinstance(data, str) else data.decode("utf-8")
            try:
                canonical = sp.verify_signed_element(xml)
            except sso_scim.SamlError as e:
                if expect.get("error") != e.code:
                    problems.append(f"refused with {e}, expected {expect}")
            else:
                if expect.get("ok") is True:
                    problems += [f"canonical bytes lack {t}" for t in expect["canonical_contains"] if t not in canonical]
                else:
                    problems.append(f"accepted, expected {expect.get('error')}")
        else:
            try:
                identity = sp.validate(data, case_requests(file, case), case_now(file, case))
            except sso_scim.SamlError as e:
                if expect.get("error") != e.code:
                    problems.append(f"refused with {e}, expected {expect}")
            else:
                if expect.get("ok") is True:
                    problems += check_identity(dict(identity), expect["identity"])
                else:
                    problems.append(f"accepted as {identity['name_id']}, expected {expect.get('error')}")
        ran += 1
        if problems:
            failures.append(f"{file['description'][:30]} / {name}: " + "; ".join(problems))
    return failures, ran


def login_user(workspace: Any, i: int, user: Any) -> sso_scim.UserRecord:
    """The record the Rust runner loads: ``UserRecord::new(ws, "user-{i}", role, state,
    UNIX_EPOCH, {"userName": name})``."""
    epoch = "1970-01-01T00:00:00Z"
    return {
        "id": f"user-{i}",
        "workspace_id": workspace["id"],
        "user_name": user["user_name"],
        "external_id": None,
        "given_name": None,
        "family_name": None,
        "email": None,
        "role": workspace.get("default_role", "Project Manager"),
        "state": user["state"],
        "version": 1,
        "created": epoch,
        "last_modified": epoch,
        "resource": {"userName": user["user_name"], "schemas": [CORE_USER_URN]},
    }


Decide = Callable[[sso_scim.Handler, str, sso_scim.ServiceProvider, Any, Optional[str], str], Any]


def run_login_file(file: Any, decide: Decide, wrap: Optional[Callable[[MemoryStore], Any]] = None) -> Tuple[List[str], int]:
    """Run the login cases in order on one store. ``decide(handler, ws, sp, response,
    request_id, now)`` returns the decision dict (or raises ``SamlError``)."""
    workspace = file["workspace"]
    store = MemoryStore()
    for i, user in enumerate(file["users"]):
        store.insert_user(login_user(workspace, i, user))
    handler = sso_scim.Handler(store if wrap is None else wrap(store))
    failures: List[str] = []
    ran = 0
    for case in file["cases"]:
        sp = sso_scim.ServiceProvider(merged_settings(file, case))
        try:
            decision = decide(handler, workspace["id"], sp, case_input(case), case_request_id(file, case), case_now(file, case))
        except sso_scim.SamlError as e:
            got: Dict[str, Any] = {"error": e.code}
        else:
            if decision["decision"] == "allowed":
                got = {"decision": "allowed", "user_name": decision["user"]["user_name"]}
            else:
                got = {"decision": "refused", "code": decision["code"]}
        ran += 1
        if not json_equal(got, case["expect"]):
            failures.append(f"login / {case['name']}: got {got}, expected {case['expect']}")
    return failures, ran
