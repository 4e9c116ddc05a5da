"""The module's API apart from the store: helpers, request and response objects, the SAML
service provider, error classes and argument checking."""

from __future__ import annotations

import pickle
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

import sso_scim
from helpers import accept_case, auth, create_user, store_with_token
from memory_store import MemoryStore
from vectors import REPO

METADATA = REPO / "core" / "tests" / "data" / "metadata"
SP_ENTITY = "https://app.example.test/saml/metadata"
ACS = "https://app.example.test/saml/acs"


def test_version_and_tokens() -> None:
    assert sso_scim.version() == sso_scim.__version__
    assert sso_scim.__version__.count(".") == 2
    token = sso_scim.generate_token()
    assert sso_scim.is_well_formed_token(token["token"])
    assert sso_scim.hash_token(token["token"]) == token["hash"]
    assert len(token["hash"]) == 64 and token["hash"] == token["hash"].lower()
    assert sso_scim.generate_token()["token"] != token["token"]
    assert not sso_scim.is_well_formed_token("Bearer nope")
    assert not sso_scim.is_well_formed_token(token["token"][:-1])


def test_keys_fold_case_like_the_core() -> None:
    assert sso_scim.user_name_key("JDoe@Contoso.COM") == "jdoe@contoso.com"
    assert sso_scim.user_name_key("ÅSA") == "åsa"
    assert sso_scim.display_name_key("Sales Team") == sso_scim.display_name_key("sales team")


def test_every_error_code_has_a_class() -> None:
    assert len(sso_scim.ERROR_CODES) == len(set(sso_scim.ERROR_CODES)) > 40
    assert set(sso_scim.ERROR_FAMILIES) == set(sso_scim.ERROR_CODES)
    for code, family in sso_scim.ERROR_FAMILIES.items():
        cls = getattr(sso_scim, family)
        assert issubclass(cls, sso_scim.SsoScimError), code
    assert sso_scim.ERROR_FAMILIES["signature_invalid"] == "SamlError"
    assert sso_scim.ERROR_FAMILIES["replayed"] == "SamlError"
    assert sso_scim.ERROR_FAMILIES["invalid_filter"] == "ScimError"
    assert sso_scim.ERROR_FAMILIES["invalid_certificate"] == "ConfigurationError"
    assert sso_scim.ERROR_FAMILIES["invalid_argument"] == "InvalidArgumentError"
    assert sso_scim.ERROR_FAMILIES["store_contract_violated"] == "StoreContractError"
    assert issubclass(sso_scim.InvalidArgumentError, ValueError)


def test_errors_carry_code_and_message_and_pickle() -> None:
    e = sso_scim.SamlError("expired", "NotOnOrAfter passed")
    assert (e.code, e.message, str(e)) == ("expired", "NotOnOrAfter passed", "expired: NotOnOrAfter passed")
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is sso_scim.SamlError and (back.code, back.message) == (e.code, e.message)
    assert [c.code for c in (sso_scim.StoreConflict(), sso_scim.StoreVersionMismatch(), sso_scim.StoreNotFound())] == [
        "conflict",
        "version_mismatch",
        "not_found",
    ]
    assert not issubclass(sso_scim.StoreSignal, sso_scim.SsoScimError), "hosts raise these; the library never does"


def test_select_users_filters_sorts_and_pages() -> None:
    store, token = store_with_token()
    handler = sso_scim.Handler(store)
    for name, family in (("ann", "Able"), ("bob", "Baker"), ("cid", "Cole")):
        handler.handle(create_user(f"{name}@example.test", token, name={"familyName": family}))
    query: sso_scim.Query = {
        "filter": 'userName sw "b" or userName sw "c"',
        "filter_ast": None,
        "index_hint": None,
        "sort": {"attribute": "name.familyName", "descending": True},
        "start_index": 1,
        "count": 1,
    }
    page = sso_scim.select_users(query, store.users("ws-1"))
    assert page["total_results"] == 2
    assert [u["user_name"] for u in page["users"]] == ["cid@example.test"]
    with pytest.raises(sso_scim.InvalidArgumentError) as info:
        sso_scim.select_users({"filter": "userName eq", "count": 1}, [])  # type: ignore[typeddict-item]
    assert info.value.code == "invalid_argument"
    with pytest.raises(sso_scim.InvalidArgumentError):
        sso_scim.select_users(query, [{"id": "x"}])  # type: ignore[list-item]
    assert sso_scim.select_groups(query | {"filter": None, "sort": None}, [])["total_results"] == 0


def test_scim_request_shapes() -> None:
    r = sso_scim.ScimRequest("post", "/Users", headers={"X-A": "1"}, json={"userName": "é"})
    assert (r.method, r.path, r.query) == ("post", "/Users", "")
    assert r.header("content-type") == "application/scim+json"
    assert r.body == '{"userName":"é"}'.encode()
    r = sso_scim.ScimRequest("GET", "/Users", "count=1", [("Accept", "a"), ("Accept", "b")])
    assert r.headers == [("Accept", "a"), ("Accept", "b")] and r.header("ACCEPT") == "a"
    assert sso_scim.ScimRequest("PUT", "/x", body="text").body == b"text"
    kept = sso_scim.ScimRequest("POST", "/x", headers={"Content-Type": "application/json"}, json=[1])
    assert kept.headers == [("Content-Type", "application/json")]
    assert repr(sso_scim.ScimRequest("GET", "/Users", "count=2")) == "<ScimRequest GET /Users?count=2>"
    for bad in (
        lambda: sso_scim.ScimRequest("POST", "/x", body=b"a", json={}),
        lambda: sso_scim.ScimRequest("POST", "/x", body=42),  # type: ignore[arg-type]
        lambda: sso_scim.ScimRequest("POST", "/x", headers=[("a",)]),  # type: ignore[list-item]
        lambda: sso_scim.ScimRequest("POST", "/x", json={"a": {1, 2}}),
    ):
        with pytest.raises(sso_scim.InvalidArgumentError):
            bad()
    with pytest.raises(TypeError):
        sso_scim.ScimRequest(1, "/x")  # type: ignore[arg-type]


def test_scim_response_shapes() -> None:
    store, token = store_with_token()
    handler = sso_scim.Handler(store, {"base_url": "https://app.example.test/scim/v2"})
    created = handler.handle(create_user("jdoe@example.test", token))
    assert created.status == 201 and created.error_code is None and created.error_message is None
    user = created.json()
    assert created.header("location") == f"https://app.example.test/scim/v2/Users/{user['id']}"
    assert created.header("ETag") == user["meta"]["version"]
    created.raise_for_error()
    assert repr(created) == "<ScimResponse 201>"

    bad = handler.handle(sso_scim.ScimRequest("GET", "/Users", 'filter=userName eq', headers=auth(token)))
    assert (bad.status, bad.error_code) == (400, "invalid_filter")
    assert bad.error_message and bad.json()["detail"] == bad.error_message
    with pytest.raises(sso_scim.ScimError) as info:
        bad.raise_for_error()
    assert info.value.code == "invalid_filter"

    deleted = handler.handle(sso_scim.ScimRequest("DELETE", f"/Users/{user['id']}", headers=auth(token)))
    assert (deleted.status, deleted.body, deleted.json()) == (204, b"", None)
    assert handler.handle(sso_scim.ScimRequest("GET", "/Users", headers={})).status == 401


def sp() -> sso_scim.ServiceProvider:
    return sso_scim.ServiceProvider(accept_case()[0])


def test_validate_accepts_the_entra_default_response_as_str_or_bytes() -> None:
    settings, file, case = accept_case()
    provider = sso_scim.ServiceProvider(settings)
    want = case["expect"]["identity"]
    for data in (case["response"], case["response"].encode()):
        identity = provider.validate(data, file["request_id"], file["now"])
        assert identity["name_id"] == want["name_id"] and identity["email"] == want["email"]
    # Superseded (a second parse), still working.
    assert provider.in_response_to_hint(case["response"]) == file["request_id"]
    assert provider.in_response_to_hint("not saml") is None


def test_validate_takes_every_pending_request_id_and_names_the_one_answered() -> None:
    _, file, case = accept_case()
    provider = sp()
    for pending in (["_older-request", file["request_id"]], ("_older-request", file["request_id"])):
        assert provider.validate(case["response"], pending, file["now"])["in_response_to"] == file["request_id"]
    assert provider.validate(case["response"], file["request_id"], file["now"])["in_response_to"] == file["request_id"]
    for pending in (["_older-request"], []):
        with pytest.raises(sso_scim.SamlError) as refused:
            provider.validate(case["response"], pending, file["now"])
        assert refused.value.code == "in_response_to_mismatch"
    for bad in ([file["request_id"], 7], {file["request_id"]}, 7, file["request_id"].encode()):
        with pytest.raises(sso_scim.InvalidArgumentError) as wrong:
            provider.validate(case["response"], bad, file["now"])
        assert "request_id" in wrong.value.message
    # A sign-in answers a decision, which cannot name the request answered: one ID only.
    handler = sso_scim.Handler(MemoryStore())
    with pytest.raises(sso_scim.InvalidArgumentError) as several:
        handler.sign_in("ws-1", provider, case["response"], [file["request_id"]], file["now"])  # type: ignore[arg-type]
    assert "validate" in several.value.message
    with pytest.raises(sso_scim.InvalidArgumentError) as wrong:
        handler.sign_in("ws-1", provider, case["response"], 7, file["now"])  # type: ignore[arg-type]
    assert wrong.value.message == "request_id: expected None or a str, got int"


@pytest.mark.parametrize(
    "now",
    [
        "2026-03-04T12:00:05Z",
        "2026-03-04T13:00:05+01:00",
        datetime(2026, 3, 4, 12, 0, 5, tzinfo=timezone.utc),
        datetime(2026, 3, 4, 7, 0, 5, 250000, tzinfo=timezone(timedelta(hours=-5))),
    ],
)
def test_now_is_an_aware_datetime_or_rfc3339(now: Any) -> None:
    _, file, case = accept_case()
    assert sp().validate(case["response"], file["request_id"], now)["name_id"]


@pytest.mark.parametrize("now", [datetime(2026, 3, 4, 12, 0, 5), "2026-03-04 12:00", "yesterday", 1772625605])
def test_a_naive_or_unreadable_now_is_refused(now: Any) -> None:
    _, file, case = accept_case()
    with pytest.raises(sso_scim.InvalidArgumentError) as info:
        sp().validate(case["response"], file["request_id"], now)
    assert info.value.code == "invalid_argument" and "now" in info.value.message


def test_a_refused_response_raises_saml_error_with_the_reason() -> None:
    _, file, case = accept_case()
    with pytest.raises(sso_scim.SamlError) as info:
        sp().validate(case["response"], file["request_id"], "2027-01-01T00:00:00Z")
    assert info.value.code == "expired"
    with pytest.raises(sso_scim.SamlError) as info:
        sp().validate(case["response"], "_another_request", file["now"])
    assert info.value.code == "in_response_to_mismatch"
    with pytest.raises(sso_scim.SamlError) as info:
        sp().validate("<!DOCTYPE x><x/>", None, file["now"])
    assert info.value.code == "xml_doctype_forbidden"
    with pytest.raises(sso_scim.InvalidArgumentError):
        sp().validate(12345)  # type: ignore[arg-type]
    # With the current time, this 2026 vector is outside its validity window.
    with pytest.raises(sso_scim.SamlError):
        sp().validate(case["response"], file["request_id"])


def test_settings_errors_are_configuration_errors() -> None:
    settings = accept_case()[0]
    for patch, code in (
        ({"bogus": True}, "invalid_settings"),
        ({"acs_url": "ftp://x"}, "invalid_settings"),
        ({"idp_certificates": []}, "invalid_settings"),
        ({"idp_certificates": ["-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"]}, "invalid_certificate"),
        ({"sp_signing_key": "not a key"}, "invalid_key"),
    ):
        with pytest.raises(sso_scim.ConfigurationError) as info:
            sso_scim.ServiceProvider({**settings, **patch})  # type: ignore[typeddict-item]
        assert info.value.code == code, (patch, info.value)
    with pytest.raises(sso_scim.ConfigurationError):
        sso_scim.ServiceProvider("settings")  # type: ignore[arg-type]


def test_service_provider_settings_metadata_and_certificates() -> None:
    provider = sp()
    assert provider.settings["sp_entity_id"] == SP_ENTITY
    assert provider.settings["clock_skew_seconds"] == 180
    metadata = provider.metadata()
    assert f'entityID="{SP_ENTITY}"' in metadata and f'Location="{ACS}"' in metadata
    [cert] = provider.idp_certificates
    assert cert["pem"].startswith("-----BEGIN CERTIFICATE-----") and len(cert["sha256_fingerprint"]) >= 64
    not_after = datetime.fromisoformat(cert["not_after"].replace("Z", "+00:00"))
    before = not_after - timedelta(days=10)
    assert provider.certificates_expiring_within(30, before) == [cert]
    assert provider.certificates_expiring_within(5, before) == []
    with pytest.raises(sso_scim.InvalidArgumentError):
        provider.certificates_expiring_within(-1)
    assert "ServiceProvider" in repr(provider)


def test_min_rsa_key_bits_refuses_short_idp_keys_and_certificates_name_their_key() -> None:
    weak = (REPO / "core" / "tests" / "data" / "saml" / "idp-rsa1024-cert.pem").read_text(encoding="utf-8")
    settings = {**accept_case()[0], "idp_certificates": [weak]}
    with pytest.raises(sso_scim.ConfigurationError) as info:
        sso_scim.ServiceProvider(settings)
    assert info.value.code == "invalid_certificate"
    assert "1024-bit RSA key; the minimum is 2048 bits (min_rsa_key_bits)" in info.value.message
    with pytest.raises(sso_scim.ConfigurationError) as info:
        sso_scim.ServiceProvider({**settings, "min_rsa_key_bits": 16385})
    assert info.value.code == "invalid_settings" and "min_rsa_key_bits" in info.value.message
    provider = sso_scim.ServiceProvider({**settings, "min_rsa_key_bits": 1024})
    assert provider.settings["min_rsa_key_bits"] == 1024
    [cert] = provider.idp_certificates
    assert cert["key_type"] == "rsa" and cert["key_bits"] == 1024


def test_authn_request_needs_the_idp_url_and_carries_the_relay_state() -> None:
    settings = accept_case()[0]
    with pytest.raises(sso_scim.ConfigurationError) as info:
        sso_scim.ServiceProvider(settings).authn_request()
    assert info.value.code == "invalid_settings" and "idp_sso_url" in info.value.message
    provider = sso_scim.ServiceProvider({**settings, "idp_sso_url": "https://login.example.test/saml2"})
    request = provider.authn_request("/after", "2026-03-04T12:00:00Z")
    assert request["issue_instant"] == "2026-03-04T12:00:00Z" and request["relay_state"] == "/after"
    query = parse_qs(urlsplit(request["redirect_url"]).query)
    assert query["RelayState"] == ["/after"] and "SAMLRequest" in query
    assert f'ID="{request["id"]}"' in request["xml"] and "<form" in request["post_form_html"]
    with pytest.raises(sso_scim.SamlError) as saml:
        provider.authn_request("x" * 100_000)
    assert saml.value.code == "invalid_value", "a SAML call raises SamlError even for a shared code"


def test_import_metadata_and_sp_metadata() -> None:
    xml = (METADATA / "entra_tenant.xml").read_bytes().decode("utf-8")
    imported = sso_scim.import_metadata(xml, SP_ENTITY, ACS)
    settings, metadata = imported["settings"], imported["metadata"]
    assert settings["sp_entity_id"] == SP_ENTITY and settings["acs_url"] == ACS
    assert settings["idp_entity_id"] == metadata["entity_id"].rstrip() and len(settings["idp_certificates"]) == 2
    assert metadata["sso_url"] and metadata["sso_url"].startswith("https://login.microsoftonline.com/")
    provider = sso_scim.ServiceProvider(settings)
    assert provider.authn_request()["redirect_url"].startswith(metadata["sso_url"])
    with pytest.raises(sso_scim.ConfigurationError) as info:
        sso_scim.import_metadata("<nope/>", SP_ENTITY, ACS)
    assert info.value.code == "invalid_metadata"
    two = (METADATA / "two_idps.xml").read_text(encoding="utf-8")
    with pytest.raises(sso_scim.ConfigurationError):
        sso_scim.import_metadata(two, SP_ENTITY, ACS)
    assert sso_scim.sp_metadata({"sp_entity_id": SP_ENTITY, "acs_url": ACS}).count("AssertionConsumerService") == 1


def test_decide_refuses_an_identity_of_the_wrong_shape() -> None:
    handler = sso_scim.Handler(MemoryStore())
    with pytest.raises(sso_scim.InvalidArgumentError) as info:
        handler.decide("ws-1", sp(), {"name_id": "x"})  # type: ignore[typeddict-item]
    assert "identity" in info.value.message


def test_the_pure_python_files_keep_to_python_3_9_syntax() -> None:
    """The wheel is abi3 for CPython ≥ 3.9 but the suite runs on a newer Python: the files a
    host imports must still parse as 3.9."""
    import ast
    from pathlib import Path

    root = Path(sso_scim.__file__).parent
    files = sorted(root.glob("*.py")) + sorted((root.parents[1] / "examples").glob("*.py"))
    assert len(files) >= 5
    for path in files:
        ast.parse(path.read_text(encoding="utf-8"), filename=str(path), feature_version=(3, 9))
