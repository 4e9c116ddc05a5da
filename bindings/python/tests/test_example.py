"""The FastAPI example end to end: Entra provisions a user over SCIM, the user signs in at
the ACS with a signed response, replays and strangers are refused."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Tuple
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

import sso_scim
from fastapi_app import LOGIN_COOKIE, REQUEST_TTL, create_app
from helpers import login_vector
from memory_store import AsyncMemoryStore, MemoryStore
from vectors import case_input, merged_settings

IDP_SSO = "https://login.example.test/tenant/saml2"


@pytest.fixture()
def app() -> Tuple[TestClient, Any, str, MemoryStore]:
    file = login_vector()
    store = MemoryStore()
    token = sso_scim.generate_token()
    store.add_workspace({**file["workspace"]}, [token["hash"]])
    settings = {**merged_settings(file, {}), "idp_sso_url": IDP_SSO}
    now = datetime.fromisoformat(file["now"].replace("Z", "+00:00"))
    app = create_app(
        AsyncMemoryStore(store),
        {file["workspace"]["id"]: sso_scim.ServiceProvider(settings)},
        scim_config={"base_url": "http://testserver/scim/v2"},
        clock=lambda: now,
    )
    return TestClient(app, base_url="https://testserver"), file, token["token"], store


def pending(client: TestClient, file: Any, age: float = 0.0) -> None:
    """Record the vector's AuthnRequest ID as outstanding for this browser (issued ``age``
    seconds ago), as /login would have; the browser's login cookie comes from a real /login."""
    ws = file["workspace"]["id"]
    if client.cookies.get(LOGIN_COOKIE) is None:
        assert client.get(f"/saml/{ws}/login", follow_redirects=False).status_code == 302
    issued = datetime.fromisoformat(file["now"].replace("Z", "+00:00")) - timedelta(seconds=age)
    browser = client.cookies[LOGIN_COOKIE]
    client.app.state.pending[browser][file["request_id"]] = (ws, issued)  # type: ignore[attr-defined]


def case(file: Any, name: str) -> Any:
    return next(c for c in file["cases"] if c["name"] == name)


def test_scim_provisioning_through_the_app(app: Tuple[TestClient, Any, str, MemoryStore]) -> None:
    client, file, token, store = app
    bearer = {"Authorization": f"Bearer {token}"}
    body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "jdoe@contoso.com"}
    created = client.post("/scim/v2/Users", json=body, headers=bearer)
    assert created.status_code == 201, created.text
    assert created.headers["content-type"] == "application/scim+json"
    user = created.json()
    assert created.headers["location"] == f"http://testserver/scim/v2/Users/{user['id']}"
    found = client.get("/scim/v2/Users", params={"filter": 'userName eq "JDOE@contoso.com"'}, headers=bearer)
    assert found.json()["totalResults"] == 1
    assert client.post("/scim/v2/Users", json=body, headers=bearer).status_code == 409
    patch = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "path": "active", "value": "False"}],
    }
    assert client.patch(f"/scim/v2/Users/{user['id']}", json=patch, headers=bearer).json()["active"] is False
    denied = client.get("/scim/v2/Users")
    assert denied.status_code == 401 and "www-authenticate" in denied.headers
    assert client.get("/scim/v2/ServiceProviderConfig").status_code == 200
    assert [u["state"] for u in store.users(file["workspace"]["id"])] == ["archived"]


def test_sign_in_at_the_acs(app: Tuple[TestClient, Any, str, MemoryStore]) -> None:
    client, file, token, store = app
    ws = file["workspace"]["id"]
    client.post(
        "/scim/v2/Users",
        json={"userName": "jdoe@contoso.com"},
        headers={"Authorization": f"Bearer {token}"},
    )
    # The browser was sent to the IdP with the vector's request ID…
    pending(client, file)
    first = case(file, "an active user signs in")
    form = {"SAMLResponse": case_input(first), "RelayState": "/projects"}
    # …which another browser cannot answer…
    stranger_browser = TestClient(client.app, base_url="https://testserver")
    elsewhere = stranger_browser.post(f"/saml/{ws}/acs", data=form, follow_redirects=False)
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (400, "in_response_to_mismatch")
    # …nor anyone once it has expired (it is dropped).
    pending(client, file, age=REQUEST_TTL + 1)
    late = client.post(f"/saml/{ws}/acs", data=form, follow_redirects=False)
    assert (late.status_code, late.json()["code"]) == (400, "in_response_to_mismatch")
    assert file["request_id"] not in client.app.state.pending[client.cookies[LOGIN_COOKIE]]  # type: ignore[attr-defined]
    pending(client, file)
    ok = client.post(f"/saml/{ws}/acs", data=form, follow_redirects=False)
    assert ok.status_code == 303, ok.text
    assert ok.headers["location"] == "/projects"
    session = ok.cookies.get("session")
    assert session and client.app.state.sessions[session] == store.users(ws)[0]["id"]  # type: ignore[attr-defined]

    # The request was answered once: the same response again is refused before the store…
    again = client.post(f"/saml/{ws}/acs", data=form, follow_redirects=False)
    assert (again.status_code, again.json()["code"]) == (400, "in_response_to_mismatch")
    # …and even with its request outstanding again, the assertion is a replay.
    pending(client, file)
    replay = client.post(f"/saml/{ws}/acs", data=form, follow_redirects=False)
    assert (replay.status_code, replay.json()["code"]) == (403, "replayed")

    stranger = case(file, "nobody with that userName")
    pending(client, file)
    refused = client.post(f"/saml/{ws}/acs", data={"SAMLResponse": case_input(stranger)})
    assert (refused.status_code, refused.json()["code"]) == (403, "unknown_user")

    forged = case(file, "a forged response never reaches the directory")
    bad = client.post(f"/saml/{ws}/acs", data={"SAMLResponse": case_input(forged)})
    assert bad.status_code == 400 and bad.json()["code"] in ("signature_invalid", "unsolicited_response")

    assert client.post(f"/saml/{ws}/acs", data={}).status_code == 400
    assert client.post("/saml/nope/acs", data=form).status_code == 404


def test_login_redirects_to_the_idp_and_metadata_is_served(app: Tuple[TestClient, Any, str, MemoryStore]) -> None:
    client, file, _, _ = app
    ws = file["workspace"]["id"]
    go = client.get(f"/saml/{ws}/login", params={"next": "https://evil.example/"}, follow_redirects=False)
    assert go.status_code == 302
    location = urlsplit(go.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == IDP_SSO
    query = parse_qs(location.query)
    assert query["RelayState"] == ["/"], "an absolute next is never followed"
    # The request is kept for this browser, named by a cookie the IdP's cross-site POST carries.
    cookie = go.headers["set-cookie"].lower()
    assert all(attribute in cookie for attribute in ("path=/saml", "httponly", "secure", "samesite=none"))
    browser = client.cookies[LOGIN_COOKIE]
    assert len(client.app.state.pending[browser]) == 1  # type: ignore[attr-defined]
    client.get(f"/saml/{ws}/login", follow_redirects=False)
    assert client.cookies[LOGIN_COOKIE] == browser
    assert len(client.app.state.pending[browser]) == 2, "a second attempt from the same browser"  # type: ignore[attr-defined]
    meta = client.get(f"/saml/{ws}/metadata")
    assert meta.status_code == 200 and file["settings"]["sp_entity_id"] in meta.text
