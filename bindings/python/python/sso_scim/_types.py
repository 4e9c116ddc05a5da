"""The shapes that cross between a host and sso_scim: snake_case dicts (described as
TypedDicts) and the store protocol. Nothing here runs protocol logic; these are types.

Instants are RFC 3339 strings in UTC (``"2026-03-04T12:00:05Z"``).
"""

from __future__ import annotations

from typing import Any, Awaitable, Dict, List, Literal, Optional, Protocol, TypedDict, TypeVar, Union

__all__ = [
    "MaybeAwaitable",
    "Workspace",
    "TokenGrant",
    "GeneratedToken",
    "UserState",
    "UserRecord",
    "GroupRecord",
    "IndexHint",
    "Sort",
    "Query",
    "UserPage",
    "GroupPage",
    "Store",
    "GroupStore",
    "ScimLimits",
    "ScimConfig",
    "XmlLimits",
    "AttributeMap",
    "SamlSettings",
    "Identity",
    "LoginAllowed",
    "LoginRefused",
    "LoginDecision",
    "AuthnRequest",
    "Certificate",
    "Endpoint",
    "IdpMetadata",
    "ImportedMetadata",
]

T = TypeVar("T")

#: What a store method returns: the value, or an awaitable of it (``async def``; only with
#: the ``*_async`` entry points).
MaybeAwaitable = Union[T, Awaitable[T]]


class Workspace(TypedDict):
    """A tenant of the host product."""

    id: str
    name: str
    #: The product role given to users SCIM creates (applied on creation only).
    default_role: str


class TokenGrant(TypedDict):
    """What ``workspace_for_token`` answers for a known token hash."""

    workspace: Workspace
    #: The hash as the store has it on record (the core re-checks it in constant time).
    token_hash: str


class GeneratedToken(TypedDict):
    """``generate_token()``: show ``token`` to the admin once, store only ``hash``."""

    token: str
    hash: str


UserState = Literal["active", "archived", "deprovisioned"]


class UserRecord(TypedDict):
    """One user as the product sees it, plus the whole SCIM document (``resource``)."""

    id: str
    workspace_id: str
    user_name: str
    external_id: Optional[str]
    given_name: Optional[str]
    family_name: Optional[str]
    email: Optional[str]
    role: str
    state: UserState
    #: Incremented on every change: the optimistic-concurrency check and the ETag.
    version: int
    created: str
    last_modified: str
    #: The SCIM document without ``id``, ``meta`` and ``active`` (keys are SCIM's own).
    resource: Dict[str, Any]


class GroupRecord(TypedDict):
    """One group; ``resource`` is its SCIM document (members kept as given)."""

    id: str
    workspace_id: str
    display_name: str
    external_id: Optional[str]
    version: int
    created: str
    last_modified: str
    resource: Dict[str, Any]


class IndexHint(TypedDict):
    """An equality on an indexed attribute that every match satisfies: ``attribute`` is
    ``id``, ``userName`` (compare through ``user_name_key``), ``externalId`` or
    ``displayName`` (through ``display_name_key``)."""

    attribute: str
    value: str


class Sort(TypedDict):
    attribute: str
    descending: bool


class Query(TypedDict):
    """A list query as ``query_users`` / ``query_groups`` receive it. ``filter`` is the
    canonical filter text, ``filter_ast`` the same filter as a tree for SQL hosts (``op`` is
    ``present``, ``compare`` — with ``attr``, ``compare``, ``value`` —, ``not``, ``and``, ``or``
    or ``value_path``). A simple store hands the query and its records to ``select_users``."""

    filter: Optional[str]
    filter_ast: Optional[Dict[str, Any]]
    index_hint: Optional[IndexHint]
    sort: Optional[Sort]
    #: 1-based.
    start_index: int
    count: int


class UserPage(TypedDict):
    """What ``query_users`` answers: deprovisioned users left out."""

    total_results: int
    users: List[UserRecord]


class GroupPage(TypedDict):
    total_results: int
    groups: List[GroupRecord]


class Store(Protocol):
    """The host store. Each method may be plain or ``async def`` (awaitables are accepted by
    the ``*_async`` entry points only, which call every method on the awaiting thread: a
    plain method that blocks blocks the event loop there). To signal a kind, raise ``StoreConflict``,
    ``StoreVersionMismatch``, ``StoreNotFound`` (or any exception whose ``code`` is
    ``conflict`` / ``version_mismatch`` / ``not_found``); any other exception is a store
    failure, re-raised to the caller of ``handle`` unchanged. Every call names the workspace
    resolved from the bearer token.
    """

    def workspace_for_token(self, token_hash: str, /) -> MaybeAwaitable[Optional[TokenGrant]]:
        """The workspace a SCIM token (by its hash) belongs to, or ``None``."""
        ...

    def get_user(self, workspace_id: str, id: str, /) -> MaybeAwaitable[Optional[UserRecord]]:
        ...

    def find_by_user_name(self, workspace_id: str, user_name_key: str, /) -> MaybeAwaitable[Optional[UserRecord]]:
        """By ``user_name_key(user_name)``; archived and deprovisioned users included."""
        ...

    def query_users(self, workspace_id: str, query: Query, /) -> MaybeAwaitable[UserPage]:
        ...

    def insert_user(self, user: UserRecord, /) -> MaybeAwaitable[Optional[UserRecord]]:
        """Store a new user (``None``: stored as given); ``StoreConflict`` on a taken
        userName key."""
        ...

    def update_user(self, user: UserRecord, expected_version: int, /) -> MaybeAwaitable[Optional[UserRecord]]:
        """Replace the user if its stored version is ``expected_version``
        (``StoreVersionMismatch`` otherwise, ``StoreNotFound``, ``StoreConflict``)."""
        ...

    def remember_assertion(self, workspace_id: str, assertion_key: str, not_on_or_after: str, /) -> MaybeAwaitable[bool]:
        """``True`` the first time the key is seen, ``False`` on a replay; keep it until
        ``not_on_or_after``."""
        ...


class GroupStore(Store, Protocol):
    """A store that also serves ``/Groups`` (the six group methods are optional: without
    them ``/Groups`` answers 501)."""

    def get_group(self, workspace_id: str, id: str, /) -> MaybeAwaitable[Optional[GroupRecord]]:
        ...

    def find_group_by_display_name(
        self, workspace_id: str, display_name_key: str, /
    ) -> MaybeAwaitable[Optional[GroupRecord]]:
        ...

    def query_groups(self, workspace_id: str, query: Query, /) -> MaybeAwaitable[GroupPage]:
        ...

    def insert_group(self, group: GroupRecord, /) -> MaybeAwaitable[Optional[GroupRecord]]:
        ...

    def update_group(self, group: GroupRecord, expected_version: int, /) -> MaybeAwaitable[Optional[GroupRecord]]:
        ...

    def delete_group(self, workspace_id: str, id: str, expected_version: int, /) -> MaybeAwaitable[object]:
        ...


class ScimLimits(TypedDict, total=False):
    max_body_bytes: int
    max_json_depth: int
    max_filter_bytes: int
    max_filter_depth: int
    max_patch_operations: int
    max_results: int
    default_page_size: int
    max_attribute_paths: int
    #: Largest stored User or Group document, in compact JSON bytes (413 beyond).
    max_resource_bytes: int
    #: Byte budget for one list page's rendered ``Resources`` (the page stops early, never empty).
    max_page_bytes: int


class ScimConfig(TypedDict, total=False):
    """SCIM settings; every key optional (unknown keys are refused)."""

    #: Absolute URL of the SCIM base as clients see it (prefixes ``Location``).
    base_url: str
    profile: Literal["entra", "strict"]
    patch_response: Literal["representation", "no_content"]
    groups: bool
    authenticate_discovery: bool
    limits: ScimLimits


class XmlLimits(TypedDict, total=False):
    """Structural limits on SAML XML, enforced in one linear pass before parsing.

    Defaults: depth 48, 20,000 nodes, 24 attributes per element (namespace declarations
    apart), 8 of them namespace-qualified, 128 distinct namespace bindings (a binding
    repeated on many elements counts once), 16 namespaces in scope at one element, names of
    256 bytes, namespace URIs of 256 bytes.
    """

    max_depth: int
    max_nodes: int
    max_attributes: int
    max_namespaced_attributes: int
    max_namespace_declarations: int
    max_namespaces_in_scope: int
    max_name_bytes: int
    max_namespace_uri_bytes: int


class AttributeMap(TypedDict, total=False):
    email: List[str]
    given_name: List[str]
    family_name: List[str]
    display_name: List[str]
    object_id: List[str]
    tenant_id: List[str]


class _SamlSettingsRequired(TypedDict):
    sp_entity_id: str
    acs_url: str


class SamlSettings(_SamlSettingsRequired, total=False):
    """SAML settings of one workspace's service provider (unknown keys are refused)."""

    idp_entity_id: str
    #: PEM or base64 DER; several for rollover.
    idp_certificates: List[str]
    idp_sso_url: Optional[str]
    allow_idp_initiated: bool
    clock_skew_seconds: int
    allow_sha1: bool
    #: The shortest RSA key accepted in an IdP certificate, in bits (default 2048, allowed
    #: 1024 to 16384); a shorter key is refused with ``invalid_certificate``.
    min_rsa_key_bits: int
    require_signed_response: bool
    max_response_bytes: int
    xml_limits: XmlLimits
    sp_decryption_keys: List[str]
    sp_signing_key: Optional[str]
    sp_certificate: Optional[str]
    sign_authn_requests: bool
    name_id_format: Optional[str]
    attribute_map: AttributeMap
    user_lookup: Literal["name_id", "email"]


class _IdentityRequired(TypedDict):
    name_id: str
    issuer: str
    assertion_id: str
    not_on_or_after: str
    #: Every attribute by Name, all values in order.
    attributes: Dict[str, List[str]]


class Identity(_IdentityRequired, total=False):
    """Who signed in, read only from signed bytes (absent fields omitted)."""

    name_id_format: str
    session_index: str
    email: str
    given_name: str
    family_name: str
    display_name: str
    object_id: str
    tenant_id: str
    #: The ID of the pending AuthnRequest this response answered, as checked against the
    #: signed content (absent for an IdP-initiated response): mark it used in the session.
    in_response_to: str


class LoginAllowed(TypedDict):
    decision: Literal["allowed"]
    user: UserRecord


class LoginRefused(TypedDict):
    decision: Literal["refused"]
    #: ``replayed``, ``unknown_user``, ``user_archived`` or ``wrong_workspace``.
    code: str
    message: str


LoginDecision = Union[LoginAllowed, LoginRefused]


class AuthnRequest(TypedDict):
    #: Keep it: the response must answer this ID.
    id: str
    issue_instant: str
    destination: str
    relay_state: Optional[str]
    xml: str
    #: HTTP-Redirect binding: send the browser here.
    redirect_url: str
    #: HTTP-POST binding: an auto-submitting HTML form.
    post_form_html: str


class Certificate(TypedDict):
    subject: str
    not_before: str
    not_after: str
    key_type: Literal["rsa", "ec"]
    #: RSA modulus length, or EC curve size (256, 384, 521).
    key_bits: int
    sha256_fingerprint: str
    pem: str


class Endpoint(TypedDict):
    binding: str
    location: str
    response_location: Optional[str]


class IdpMetadata(TypedDict):
    entity_id: str
    sso_url: Optional[str]
    slo_url: Optional[str]
    single_sign_on_services: List[Endpoint]
    single_logout_services: List[Endpoint]
    name_id_formats: List[str]
    signing_certificates: List[Certificate]
    want_authn_requests_signed: bool
    valid_until: Optional[str]


class ImportedMetadata(TypedDict):
    """``import_metadata()``: new settings trusting the IdP, and what its metadata says."""

    settings: SamlSettings
    metadata: IdpMetadata
