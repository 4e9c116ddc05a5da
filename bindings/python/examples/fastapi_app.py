"""A FastAPI app wiring sso_scim: SCIM 2.0 at ``/scim/v2`` and SAML sign-in at
``/saml/{workspace_id}/…`` over an asyncio store.

Run it (after ``maturin develop`` in ``bindings/python``) with a store and service provider
of your own in ``build()``; ``tests/test_example.py`` drives it end to end. The framework only
forwards bytes: every protocol decision is the library's.

Routes:

- ``GET|POST|PUT|PATCH|DELETE /scim/v2/{path}`` → ``Handler.handle_async``;
- ``GET /saml/{workspace_id}/metadata`` → our SP metadata (upload it to Entra);
- ``GET /saml/{workspace_id}/login?next=/path`` → redirect to the IdP with an AuthnRequest;
- ``POST /saml/{workspace_id}/acs`` → validate the SAMLResponse, decide, start a session.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timezone
from typing import Callable, Dict, Mapping, Optional, Tuple, Union

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

import sso_scim

SCIM_PREFIX = "/scim/v2"
#: How long an AuthnRequest may stay unanswered, in seconds.
REQUEST_TTL = 600.0
#: The cookie naming a browser's sign-in attempts. The IdP answers with a cross-site POST, so
#: it must be SameSite=None (and therefore Secure) to come back with it.
LOGIN_COOKIE = "saml_login"

Store = Union[sso_scim.Store, sso_scim.GroupStore]


def _safe_next(target: Optional[str]) -> str:
    """A RelayState / ``next`` is followed only when it is a local path (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def create_app(
    store: Store,
    providers: Mapping[str, sso_scim.ServiceProvider],
    *,
    scim_config: Optional[sso_scim.ScimConfig] = None,
    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
) -> FastAPI:
    """The app: ``providers`` maps a workspace id to its SAML service provider; ``clock``
    gives the ``now`` SAML checks use (tests pass a fixed one)."""
    app = FastAPI(title="sso-scim example")
    handler = sso_scim.Handler(store, scim_config)
    #: Each browser's outstanding AuthnRequests, by its login cookie: request ID → (workspace,
    #: issued at). A real host keeps them in its session store.
    pending: Dict[str, Dict[str, Tuple[str, datetime]]] = {}
    #: Session id → user id. Use your framework's sessions instead.
    sessions: Dict[str, str] = {}
    app.state.handler = handler
    app.state.pending = pending
    app.state.sessions = sessions

    @app.api_route(SCIM_PREFIX + "/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    async def scim(path: str, request: Request) -> Response:
        scim_request = sso_scim.ScimRequest(
            request.method,
            "/" + path,
            request.url.query,
            headers=request.headers.items(),
            body=await request.body(),
        )
        answer = await handler.handle_async(scim_request)
        response = Response(content=answer.body, status_code=answer.status)
        for name, value in answer.headers:
            response.headers.append(name, value)
        return response

    def provider(workspace_id: str) -> Optional[sso_scim.ServiceProvider]:
        return providers.get(workspace_id)

    @app.get("/saml/{workspace_id}/metadata")
    async def metadata(workspace_id: str) -> Response:
        sp = provider(workspace_id)
        if sp is None:
            return JSONResponse({"code": "not_found"}, status_code=404)
        return Response(sp.metadata(), media_type="application/samlmetadata+xml")

    @app.get("/saml/{workspace_id}/login")
    async def login(workspace_id: str, request: Request, next: Optional[str] = None) -> Response:
        sp = provider(workspace_id)
        if sp is None:
            return JSONResponse({"code": "not_found"}, status_code=404)
        authn = sp.authn_request(_safe_next(next), clock())
        browser = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(32)
        pending.setdefault(browser, {})[authn["id"]] = (workspace_id, clock())
        response = RedirectResponse(authn["redirect_url"], status_code=302)
        response.set_cookie(
            LOGIN_COOKIE, browser, max_age=int(REQUEST_TTL), path="/saml", httponly=True, secure=True, samesite="none"
        )
        return response

    @app.post("/saml/{workspace_id}/acs")
    async def acs(workspace_id: str, request: Request) -> Response:
        sp = provider(workspace_id)
        if sp is None:
            return JSONResponse({"code": "not_found"}, status_code=404)
        form = await request.form()
        saml_response = form.get("SAMLResponse")
        if not isinstance(saml_response, str):
            return JSONResponse({"code": "invalid_argument", "message": "no SAMLResponse"}, status_code=400)
        relay_state = form.get("RelayState")
        # Only this browser's unexpired requests to this workspace can be answered; the one the
        # response claims is checked against the signed content, in the same parse that
        # validates it (the signature is verified here, GIL released: ~100 µs of CPU).
        now = clock()
        requests = pending.get(request.cookies.get(LOGIN_COOKIE) or "", {})
        for request_id, (_, issued) in list(requests.items()):
            if (now - issued).total_seconds() > REQUEST_TTL:
                del requests[request_id]
        mine = [request_id for request_id, (ws, _) in requests.items() if ws == workspace_id]
        try:
            identity = sp.validate(saml_response, mine, now)
        except sso_scim.SamlError as e:
            return JSONResponse({"code": e.code, "message": e.message}, status_code=400)
        # A request is answered once (an IdP-initiated sign-in answers none).
        answered = identity.get("in_response_to")
        if answered is not None:
            del requests[answered]
        decision = await handler.decide_async(workspace_id, sp, identity)
        if decision["decision"] == "refused":
            return JSONResponse({"code": decision["code"], "message": decision["message"]}, status_code=403)
        session = secrets.token_urlsafe(32)
        sessions[session] = decision["user"]["id"]
        target = _safe_next(relay_state if isinstance(relay_state, str) else None)
        response = RedirectResponse(target, status_code=303)
        response.set_cookie("session", session, httponly=True, secure=True, samesite="lax")
        return response

    return app
