"""Small builders shared by the tests: a store with one workspace and token, SCIM requests,
and the SAML material of the vectors."""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

import sso_scim
from memory_store import MemoryStore
from vectors import SAML_VECTORS, load, merged_settings

WORKSPACE: sso_scim.Workspace = {"id": "ws-1", "name": "Acme", "default_role": "Project Manager"}
BASE_URL = "https://app.example.test/scim/v2"


def store_with_token(store: Optional[MemoryStore] = None) -> Tuple[MemoryStore, str]:
    """A store granting a fresh token to ``WORKSPACE``; (store, token)."""
    store = store if store is not None else MemoryStore()
    token = sso_scim.generate_token()
    store.add_workspace(WORKSPACE, [token["hash"]])
    return store, token["token"]


def auth(token: str) -> Dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def create_user(user_name: str, token: str, **extra: Any) -> sso_scim.ScimRequest:
    body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": user_name, "active": True}
    body.update(extra)
    return sso_scim.ScimRequest("POST", "/Users", headers=auth(token), json=body)


def get_users(token: str, query: str = "") -> sso_scim.ScimRequest:
    return sso_scim.ScimRequest("GET", "/Users", query, headers=auth(token))


def login_vector() -> Any:
    """The login vector file (workspace, users, cases)."""
    return next(load(p) for p in SAML_VECTORS if load(p).get("kind") == "login")


def accept_case() -> Tuple[Dict[str, Any], Any, Any]:
    """(settings, file, case) of the first accepted Entra-default response."""
    file = next(load(p) for p in SAML_VECTORS if p.stem == "accept")
    case = file["cases"][0]
    assert case["expect"]["ok"] is True
    return merged_settings(file, case), file, case
