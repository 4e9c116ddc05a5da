"""Smoke test of an installed wheel (run by `make test-python` in a fresh venv, from outside
the source tree): the package imports from site-packages with its stubs, answers SCIM over
a store written here (sync and asyncio), and validates a vector SAML response.

Usage: python smoke_wheel.py REPO_ROOT
"""

from __future__ import annotations

import asyncio
import json
import pathlib
import sys
from typing import Any, Callable, Dict, List, Optional


def main(repo: pathlib.Path) -> int:
    import sso_scim

    checks: List[Callable[[], None]] = []
    check = checks.append

    @check
    def installed_with_its_types() -> None:
        package = pathlib.Path(sso_scim.__file__).parent
        assert "site-packages" in package.parts, package
        assert (package / "py.typed").is_file() and (package / "__init__.pyi").is_file()
        assert list(package.glob("_native*.so")), sorted(p.name for p in package.iterdir())

    token = sso_scim.generate_token()
    users: Dict[str, Any] = {}

    class Store:
        def workspace_for_token(self, h: str) -> Optional[Dict[str, Any]]:
            ws = {"id": "ws", "name": "W", "default_role": "Member"}
            return {"workspace": ws, "token_hash": h} if h == token["hash"] else None

        def get_user(self, ws: str, id: str) -> Any:
            return users.get(id)

        def find_by_user_name(self, ws: str, key: str) -> Any:
            return next((u for u in users.values() if sso_scim.user_name_key(u["user_name"]) == key), None)

        def query_users(self, ws: str, query: Any) -> Any:
            return sso_scim.select_users(query, users.values())

        def insert_user(self, user: Any) -> None:
            users[user["id"]] = user

        def update_user(self, user: Any, version: int) -> Any:
            users[user["id"]] = user
            return user

        def remember_assertion(self, ws: str, key: str, until: str) -> bool:
            return True

    @check
    def scim_round_trip() -> None:
        handler = sso_scim.Handler(Store())
        auth = {"Authorization": f"Bearer {token['token']}"}
        created = handler.handle(sso_scim.ScimRequest("POST", "/Users", headers=auth, json={"userName": "a@b.test"}))
        assert created.status == 201, created.json()
        got = handler.handle(sso_scim.ScimRequest("GET", "/Users/" + created.json()["id"], headers=auth))
        assert (got.status, got.json()["userName"], users[got.json()["id"]]["role"]) == (200, "a@b.test", "Member")

    @check
    def asyncio_round_trip() -> None:
        class AsyncStore:
            """Store's methods as `async def`, each suspending once."""

            def __init__(self, inner: Store) -> None:
                self.inner = inner

            def __getattr__(self, name: str) -> Any:
                method = getattr(self.inner, name)

                async def call(*args: Any) -> Any:
                    await asyncio.sleep(0)
                    return method(*args)

                return call

        handler = sso_scim.Handler(AsyncStore(Store()))
        auth = {"Authorization": f"Bearer {token['token']}"}

        async def main() -> List[int]:
            creates = [{"userName": f"async{i}@b.test"} for i in range(20)]
            answers = await asyncio.gather(
                *(handler.handle_async(sso_scim.ScimRequest("POST", "/Users", headers=auth, json=c)) for c in creates)
            )
            return [a.status for a in answers]

        assert asyncio.run(main()) == [201] * 20
        assert {f"async{i}@b.test" for i in range(20)} <= {u["user_name"] for u in users.values()}

    @check
    def saml_validation() -> None:
        file = json.loads((repo / "tests/vectors/saml/accept.json").read_text(encoding="utf-8"))
        case = file["cases"][0]
        sp = sso_scim.ServiceProvider({**file["settings"], **case.get("settings", {})})
        identity = sp.validate(case["response"], file["request_id"], file["now"])
        assert identity["name_id"] == case["expect"]["identity"]["name_id"]
        try:
            sp.validate(case["response"], file["request_id"], "2030-01-01T00:00:00Z")
        except sso_scim.SamlError as e:
            assert e.code == "expired"
        else:
            raise AssertionError("an expired response was accepted")

    passed = failed = 0
    for c in checks:
        try:
            c()
        except Exception as e:  # report every check, then fail
            failed += 1
            print(f"FAIL {c.__name__}: {e!r}")
        else:
            passed += 1
            print(f"ok   {c.__name__}")
    print(f"wheel smoke: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1]).resolve()))
