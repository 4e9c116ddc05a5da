"""The shapes that cross between a host and sso_scim: snake_case dicts (described as
TypedDicts) and the store protocol. Nothing here runs protocol logic; these are types.

Generated from the Rust sources by tools/wire-types (``make wire-types``): do not edit.
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
    "FilterNode",
    "IndexHint",
    "Sort",
    "Query",
    "UserPage",
    "GroupPage",
    "SqlColumnSpec",
    "SqlOptions",
    "SqlTranslation",
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


class _WorkspaceRequired(TypedDict):
    #: The host's stable identifier of the workspace.
    id: str
    #: A display name, for logs and admin tools.
    name: str


class Workspace(_WorkspaceRequired, total=False):
    """A tenant of the host product. Every user, token and assertion belongs to exactly one."""

    #: The product role given to users created through SCIM (only on creation).
    default_role: str


class TokenGrant(TypedDict):
    """What a store answers for a token hash: the workspace and the hash it has on record."""

    #: The workspace the token belongs to.
    workspace: Workspace
    #: The hash the store has on record, re-checked by the core in constant time.
    token_hash: str


class GeneratedToken(TypedDict):
    """A new SCIM bearer token and the SHA-256 hash to store in its place."""

    #: The secret: show it to the admin once, never store it.
    token: str
    #: 64 lower-case hex digits: what the store keeps and ``workspace_for_token`` receives.
    hash: str


#: Where a user stands in the product.
UserState = Literal["active", "archived", "deprovisioned"]


class _UserRecordRequired(TypedDict):
    #: Server-issued, stable, case-exact id (the SCIM ``id``).
    id: str
    #: The workspace the user belongs to.
    workspace_id: str
    #: SCIM ``userName``, as sent by the IdP.
    user_name: str
    #: The product role; set from the workspace default on creation only.
    role: str
    #: Active, archived or deprovisioned.
    state: UserState
    #: Incremented on every change; the store's optimistic-concurrency check and the ETag.
    version: int
    #: When the user was created (SCIM ``meta.created``).
    created: str
    #: When the user last changed (SCIM ``meta.lastModified``).
    last_modified: str
    #: The SCIM document: ``schemas`` and attributes, without ``id``, ``meta`` and ``active``.
    resource: Dict[str, Any]


class UserRecord(_UserRecordRequired, total=False):
    """One user as the product sees it: typed fields for the product, plus the full SCIM document
    so that every advertised SCIM attribute round-trips even when the host uses only the typed
    fields.

    The SCIM document (``resource``) holds ``schemas`` and every SCIM attribute except ``id``, ``meta``
    and ``active``: those come from the typed fields (``state`` is the single source of ``active``).
    The typed ``user_name``, ``external_id``, names and ``email`` are projections of the document
    that the core keeps in step on every write."""

    #: SCIM ``externalId`` (case-exact, not unique).
    external_id: Optional[str]
    #: ``name.givenName``.
    given_name: Optional[str]
    #: ``name.familyName``.
    family_name: Optional[str]
    #: The primary e-mail (else the ``work`` one, else the first).
    email: Optional[str]


class _GroupRecordRequired(TypedDict):
    #: Server-issued id.
    id: str
    #: The workspace the group belongs to.
    workspace_id: str
    #: ``displayName`` (unique per workspace, case-insensitively).
    display_name: str
    #: Incremented on every change (optimistic concurrency and the ETag).
    version: int
    #: ``meta.created``.
    created: str
    #: ``meta.lastModified``.
    last_modified: str
    #: The SCIM document.
    resource: Dict[str, Any]


class GroupRecord(_GroupRecordRequired, total=False):
    """One SCIM Group: typed fields plus the full SCIM document (``schemas``, ``displayName``,
    ``externalId``, ``members``; without ``id`` and ``meta``). Deleting a Group deletes it: unlike
    users, groups carry no product history."""

    #: ``externalId``.
    external_id: Optional[str]


#: A parsed, resolved filter.
#:
#: Attribute references inside ``Filter::ValuePath`` name sub-attributes of that value path's
#: attribute (``emails[type eq "work"]`` holds ``emails.type eq "work"``) and are evaluated against
#: one value at a time.
#:
#: A dict whose ``op`` names its form: ``present`` (``attr``); ``compare`` (``attr``, ``compare``,
#: ``value``); ``not`` (``filter``); ``and`` (``filters``); ``or`` (``filters``); ``value_path`` (``attr``,
#: ``filter``).
FilterNode = Dict[str, Any]


class IndexHint(TypedDict):
    """An equality on an indexed attribute that every match of the query satisfies: the store may
    look the candidates up by it (``userName`` compares through ``user_name_key``, ``displayName``
    through ``display_name_key``)."""

    #: The indexed attribute.
    attribute: Literal["id", "userName", "externalId", "displayName"]
    #: The value it equals.
    value: str


class Sort(TypedDict):
    """A list query's sort order."""

    #: The attribute path, as SCIM names it (``name.familyName``).
    attribute: str
    #: Descending rather than ascending.
    descending: bool


class Query(TypedDict):
    """A list query as ``query_users`` / ``query_groups`` receive it; ``select_users`` answers it for a
    simple store."""

    #: The canonical filter text, or None.
    filter: Optional[str]
    #: The same filter as a tree, for stores that translate it (e.g. to SQL).
    filter_ast: Optional[FilterNode]
    #: An equality on an indexed attribute that every match satisfies.
    index_hint: Optional[IndexHint]
    #: The sort order asked for, if any.
    sort: Optional[Sort]
    #: 1-based.
    start_index: int
    #: The most records to answer.
    count: int


class UserPage(TypedDict):
    """One page of users."""

    #: How many users match in all (not just on this page).
    total_results: int
    #: The users of this page, in order.
    users: List[UserRecord]


class GroupPage(TypedDict):
    """One page of groups."""

    #: How many groups match in all.
    total_results: int
    #: The groups of this page, in order.
    groups: List[GroupRecord]


class _SqlColumnSpecRequired(TypedDict):
    #: The column's SQL (``u.user_name_key``).
    column: str


class SqlColumnSpec(_SqlColumnSpecRequired, total=False):
    """A column described."""

    #: What it holds (default ``"key"``).
    type: Optional[Literal["key", "boolean", "epoch_ms"]]
    #: Whether it may be NULL (default true).
    nullable: Optional[bool]


class _SqlOptionsRequired(TypedDict):
    #: The SQL written.
    dialect: Literal["sqlite", "postgres"]


class SqlOptions(_SqlOptionsRequired, total=False):
    """Options of ``filter_to_sql``: the host's SQL dialect and the columns it keeps attributes in."""

    #: ``"User"`` (the default) or ``"Group"``.
    resource: Optional[str]
    #: Attribute path (``userName``, ``name.familyName``, ``active``, ``meta.lastModified``, an
    #: enterprise attribute by its URN) → the column holding it. Attributes without one make
    #: the translation a superset.
    columns: Optional[Dict[str, Union[str, SqlColumnSpec]]]
    #: The number of the first placeholder (default 1).
    first: Optional[int]
    #: SQL ordering rows whose sort keys are equal, ascending (the host's insertion order).
    tiebreak: Optional[str]


class SqlTranslation(TypedDict):
    """What ``filter_to_sql`` answers."""

    #: A condition on the host's row (``1 = 1`` without a filter), placeholders numbered from
    #: ``first``.
    where: str
    #: The parameters to bind, in placeholder order.
    params: List[Union[str, float]]
    #: Whether the condition selects exactly the matches; when false it selects a superset,
    #: which the host passes to ``select_users`` / ``select_groups`` to re-check, sort and page.
    exact: bool
    #: The ``ORDER BY`` terms, or None without a sort nor a tie-break.
    order: Optional[str]
    #: False when the sort attribute has no column: ``order`` then holds only the tie-break
    #: and the host sorts with ``select_users`` / ``select_groups``.
    sorted: bool


class Store(Protocol):
    """The host's store. Every method may be plain or asynchronous (Node: return a Promise;
    Python: ``async def``, accepted by the ``*_async`` entry points only, which call every method
    on the awaiting thread). Every call names the workspace resolved from the bearer token. To
    signal a kind, fail with an error whose ``code`` is ``conflict``, ``version_mismatch``,
    ``not_found`` or ``unsupported``; any other failure is the store's own, handed back to the
    caller unchanged."""

    def workspace_for_token(self, token_hash: str, /) -> MaybeAwaitable[Optional[TokenGrant]]:
        """The workspace a SCIM token (by its hash) belongs to, or None for an unknown token."""
        ...

    def get_user(self, workspace_id: str, id: str, /) -> MaybeAwaitable[Optional[UserRecord]]:
        """A user by id, or None."""
        ...

    def find_by_user_name(self, workspace_id: str, user_name_key: str, /) -> MaybeAwaitable[Optional[UserRecord]]:
        """By ``user_name_key(user_name)``; archived and deprovisioned users included."""
        ...

    def query_users(self, workspace_id: str, query: Query, /) -> MaybeAwaitable[UserPage]:
        """One page of users, deprovisioned ones left out; ``select_users(query, all)`` answers it
        for a simple store."""
        ...

    def insert_user(self, user: UserRecord, /) -> MaybeAwaitable[Optional[UserRecord]]:
        """Store a new user: the stored user, or nothing for "stored as given"; signal ``conflict``
        on a taken userName key."""
        ...

    def update_user(self, user: UserRecord, expected_version: int, /) -> MaybeAwaitable[Optional[UserRecord]]:
        """Replace the user if its stored version is ``expected_version``: signal
        ``version_mismatch`` otherwise, ``not_found``, or ``conflict``."""
        ...

    def remember_assertion(self, workspace_id: str, assertion_key: str, not_on_or_after: str, /) -> MaybeAwaitable[bool]:
        """True the first time the key (issuer and assertion ID) is seen, false on a replay; keep
        it until ``not_on_or_after``."""
        ...


class GroupStore(Store, Protocol):
    """The six group methods, for a store that also serves ``/Groups``: optional, and without them
    ``/Groups`` answers 501."""

    def get_group(self, workspace_id: str, id: str, /) -> MaybeAwaitable[Optional[GroupRecord]]:
        """A group by id, or None."""
        ...

    def find_group_by_display_name(self, workspace_id: str, display_name_key: str, /) -> MaybeAwaitable[Optional[GroupRecord]]:
        """By ``display_name_key(display_name)``."""
        ...

    def query_groups(self, workspace_id: str, query: Query, /) -> MaybeAwaitable[GroupPage]:
        """One page of groups; ``select_groups(query, all)`` answers it for a simple store."""
        ...

    def insert_group(self, group: GroupRecord, /) -> MaybeAwaitable[Optional[GroupRecord]]:
        """Store a new group (nothing: stored as given); signal ``conflict`` on a taken displayName."""
        ...

    def update_group(self, group: GroupRecord, expected_version: int, /) -> MaybeAwaitable[Optional[GroupRecord]]:
        """Replace the group if its stored version is ``expected_version`` (else signal
        ``version_mismatch``, ``not_found`` or ``conflict``)."""
        ...

    def delete_group(self, workspace_id: str, id: str, expected_version: int, /) -> MaybeAwaitable[object]:
        """Delete the group if its stored version is ``expected_version``; the answer is ignored."""
        ...


class ScimLimits(TypedDict, total=False):
    """Every limit the handler enforces. An exceeded limit answers a SCIM error and changes
    nothing, except the limits that shape a list page (``max_results``, ``default_page_size``,
    ``max_page_bytes``), which make the page shorter instead.

    Memory per request: a body is at most ``max_body_bytes``, a stored resource at most
    ``max_resource_bytes``, and a list page loads at most ``max_results`` resources from the store
    (each at most ``max_resource_bytes``, if it was written through this handler) and renders at
    most ``max_page_bytes`` plus one resource."""

    #: Largest request body, in bytes (413 beyond).
    max_body_bytes: int
    #: Deepest JSON nesting of a body (400 ``invalidSyntax`` beyond).
    max_json_depth: int
    #: Longest filter, in bytes (400 ``invalidFilter`` beyond); also bounds a PATCH path
    #: (400 ``invalidPath`` beyond).
    max_filter_bytes: int
    #: Deepest filter nesting (400 ``invalidFilter`` beyond; ``invalidPath`` in a PATCH path).
    max_filter_depth: int
    #: Most operations in one PATCH (413 beyond).
    max_patch_operations: int
    #: Largest page: ``count`` is capped to it; advertised as ``filter.maxResults``.
    max_results: int
    #: Page size when the client gives no ``count``.
    default_page_size: int
    #: Most entries in ``attributes`` plus ``excludedAttributes`` (400 ``invalidValue`` beyond).
    max_attribute_paths: int
    #: Largest stored User or Group, in bytes: the compact JSON of the stored resource
    #: document (the attributes kept after normalisation, ``schemas`` and a Group's ``members``
    #: included; not ``id``, ``meta`` or a User's ``active``). Checked on every write that changes
    #: the document — POST (a User's re-link too), PUT and PATCH — against the result, so a
    #: PATCH adding members to a Group is refused once the Group would pass it: 413
    #: ``payload_too_large`` (no ``scimType``), and nothing is stored. A document already stored above it (after the limit was lowered)
    #: can still be read, deleted, or changed in ``active`` alone.
    #:
    #: With it, what a store hands back for one resource is bounded too: a list page loads up
    #: to ``count`` (at most ``max_results``) resources, so one list request holds at most about
    #: ``max_results`` × ``max_resource_bytes`` of stored documents plus ``max_page_bytes`` of
    #: rendered response.
    max_resource_bytes: int
    #: Byte budget for the ``Resources`` of one list or search page (``GET /Users``, ``GET
    #: /Groups``, their ``.search``, the root ``POST /.search``): the compact JSON of the rendered
    #: resources, counted with the commas between them. Resources are rendered one at a time,
    #: and the page stops before the one that would pass the budget — but always holds at
    #: least one, however large. ``itemsPerPage`` is then smaller than ``count`` while
    #: ``totalResults`` and ``startIndex`` are unchanged; RFC 7644 §3.4.2.4 lets a page hold fewer
    #: than ``count``, and a client pages on from ``startIndex`` + ``itemsPerPage``.
    max_page_bytes: int


class ScimConfig(TypedDict, total=False):
    """Settings of a ``ScimHandler``."""

    #: Absolute URL of the SCIM base as clients see it, e.g.
    #: ``https://app.example.com/scim/v2``: prefixes ``Location`` and ``meta.location``. Empty
    #: gives base-relative locations (``/Users/{id}``).
    base_url: str
    #: Client compatibility profile.
    profile: Literal["entra", "strict"]
    #: What a successful PATCH answers.
    patch_response: Literal["representation", "no_content"]
    #: Serve ``/Groups`` (and advertise the Group resource type). On by default; a host whose
    #: store does not implement the optional group methods turns it off (``/Groups`` then
    #: answers 501).
    groups: bool
    #: Require the bearer token on ``/ServiceProviderConfig``, ``/ResourceTypes`` and ``/Schemas``
    #: too. Off by default: RFC 7644 §4 lets clients discover the service unauthenticated,
    #: and these endpoints hold nothing tenant-specific.
    authenticate_discovery: bool
    #: Limits.
    limits: ScimLimits


class XmlLimits(TypedDict, total=False):
    """Structural limits for untrusted XML. Each bounds real work — bytes, depth, element count,
    the length of what is compared — so none refuses a genuine response under the size cap."""

    #: Deepest element nesting.
    max_depth: int
    #: Most nodes (elements, text, comments, PIs).
    max_nodes: int
    #: Most attributes on one element, not counting namespace declarations (exclusive c14n adds
    #: those to the verified bytes, and ``max_namespace_declarations`` bounds them).
    max_attributes: int
    #: Most namespace-qualified attributes (``xsi:type``, ``xml:lang``, …) on one element, counted
    #: within ``max_attributes``; real SAML elements carry one or two. (It bounded a
    #: pairwise comparison of namespace URIs in the parser used before 0.3; it is kept, and
    #: enforced, so stored settings keep their meaning.)
    max_namespaced_attributes: int
    #: Most distinct namespace bindings (prefix and URI pairs) in the document. A binding
    #: repeated on many elements — ``xmlns:xs`` and ``xmlns:xsi`` on every AttributeValue, as Okta,
    #: Shibboleth and Keycloak send, or what exclusive c14n re-emits — counts once. (Before
    #: 0.2 this counted every ``xmlns`` occurrence; stored settings naming the field keep
    #: loading, with this meaning.)
    max_namespace_declarations: int
    #: Most namespaces in scope at one element (each prefix counts once, the default namespace
    #: too). Real responses have 3 to 8. Every prefix lookup searches the scope, so this bounds
    #: the work per name.
    max_namespaces_in_scope: int
    #: Longest element or attribute name (QName), in bytes.
    max_name_bytes: int
    #: Longest namespace URI, in bytes.
    max_namespace_uri_bytes: int


class AttributeMap(TypedDict, total=False):
    """Which attribute names feed the mapped identity fields; each list is tried in order. The
    defaults cover Entra's claim URIs, the common ``urn:oid`` names and friendly names."""

    #: E-mail.
    email: List[str]
    #: Given name.
    given_name: List[str]
    #: Family name.
    family_name: List[str]
    #: Display name.
    display_name: List[str]
    #: The IdP's immutable user id (Entra object id).
    object_id: List[str]
    #: The IdP tenant.
    tenant_id: List[str]


class _SamlSettingsRequired(TypedDict):
    #: Our entity ID (Entra: "Identifier (Entity ID)"); must appear in every AudienceRestriction.
    sp_entity_id: str
    #: Our Assertion Consumer Service URL (Entra: "Reply URL"); Destination and Recipient
    #: must equal it exactly.
    acs_url: str


class SamlSettings(_SamlSettingsRequired, total=False):
    """SAML settings of one workspace's service provider."""

    #: The IdP's entity ID (Entra: ``https://sts.windows.net/<tenant>/``). May be left out of the
    #: JSON when metadata fills it.
    idp_entity_id: str
    #: Trusted IdP signing certificates (PEM or base64 DER); several for rollover. At least
    #: one is required: nothing is ever accepted unsigned.
    idp_certificates: List[str]
    #: The IdP's single sign-on URL (HTTP-Redirect), where AuthnRequests go.
    idp_sso_url: Optional[str]
    #: Accept unsolicited (IdP-initiated) responses, as from Entra's My Apps. Off by default:
    #: replay protection then carries the weight.
    allow_idp_initiated: bool
    #: Clock skew tolerated on every time check, in seconds.
    clock_skew_seconds: int
    #: Accept RSA-SHA1 signatures and SHA-1 digests.
    allow_sha1: bool
    #: The shortest RSA key accepted in an IdP certificate, in bits: 2048 by default, 1024 to
    #: 16384 allowed. Lower it to 1024 only for a legacy IdP that cannot roll its key over
    #: (RSA-SHA384 is then refused with such a key: no verifier pairs it with short keys).
    min_rsa_key_bits: int
    #: Demand a signature on the Response element itself, not only on the assertion.
    require_signed_response: bool
    #: Largest decoded SAMLResponse accepted, in bytes.
    max_response_bytes: int
    #: Structural XML limits.
    xml_limits: XmlLimits
    #: Our private keys (PKCS#8 PEM, RSA) for encrypted assertions; several for rollover.
    sp_decryption_keys: List[str]
    #: Our private key (PKCS#8 PEM, RSA) for signing AuthnRequests, when the IdP requires it.
    sp_signing_key: Optional[str]
    #: Our certificate (PEM), published in SP metadata for signing and encryption.
    sp_certificate: Optional[str]
    #: Sign HTTP-Redirect AuthnRequests with ``sp_signing_key``.
    sign_authn_requests: bool
    #: The NameID format requested in AuthnRequests (none: the IdP chooses).
    name_id_format: Optional[str]
    #: Attribute names for the mapped identity fields.
    attribute_map: AttributeMap
    #: How the login decision finds the user.
    user_lookup: Literal["name_id", "email"]


class _IdentityRequired(TypedDict):
    #: The NameID.
    name_id: str
    #: The assertion Issuer (the IdP entity ID).
    issuer: str
    #: The assertion ID (the replay key, with the issuer).
    assertion_id: str
    #: Until when the assertion could be presented (the earliest NotOnOrAfter of its
    #: Conditions and the bearer confirmation used); replay memory must outlive it by the skew.
    not_on_or_after: str
    #: Every attribute by Name, all values in order.
    attributes: Dict[str, List[str]]


class Identity(_IdentityRequired, total=False):
    """Who signed in, as the IdP asserted it (every value comes from verified canonical bytes)."""

    #: The NameID Format, if given.
    name_id_format: str
    #: The AuthnStatement SessionIndex (for single logout).
    session_index: str
    #: Mapped e-mail (falls back to an emailAddress-format NameID).
    email: str
    #: Mapped given name.
    given_name: str
    #: Mapped family name.
    family_name: str
    #: Mapped display name.
    display_name: str
    #: Mapped IdP object id (Entra ``objectidentifier``).
    object_id: str
    #: Mapped tenant id (Entra ``tenantid``).
    tenant_id: str
    #: The ID of the pending AuthnRequest this response answered, as checked against the
    #: signed content (the Response's ``InResponseTo`` when present, and the bearer
    #: confirmation's); ``None`` for an IdP-initiated response. A host that keeps several
    #: requests pending marks this one used.
    in_response_to: str


class LoginAllowed(TypedDict):
    """The user may sign in."""

    decision: Literal["allowed"]
    #: The user, as the store keeps it.
    user: UserRecord


class LoginRefused(TypedDict):
    """The sign-in is refused."""

    decision: Literal["refused"]
    #: Why, as a stable code.
    code: Literal["replayed", "unknown_user", "user_archived", "wrong_workspace"]
    #: What happened and what to do.
    message: str


#: The login decision.
LoginDecision = Union[LoginAllowed, LoginRefused]


class AuthnRequest(TypedDict):
    """An AuthnRequest ready for either binding."""

    #: Keep it: the response must carry it as InResponseTo.
    id: str
    #: The IssueInstant, RFC 3339.
    issue_instant: str
    #: The IdP's single sign-on URL the request is addressed to.
    destination: str
    #: The RelayState sent along, if any.
    relay_state: Optional[str]
    #: The request XML.
    xml: str
    #: HTTP-Redirect: answer the browser with a 302 to it.
    redirect_url: str
    #: HTTP-POST: a complete auto-submitting HTML page.
    post_form_html: str


class Certificate(TypedDict):
    """A certificate's facts, for an admin screen."""

    #: The subject, as text.
    subject: str
    #: Valid from, RFC 3339.
    not_before: str
    #: Valid until, RFC 3339.
    not_after: str
    #: The key's algorithm.
    key_type: Literal["rsa", "ec"]
    #: RSA modulus length, or EC curve size (256, 384, 521).
    key_bits: int
    #: SHA-256 of the DER, lower-case hex.
    sha256_fingerprint: str
    #: The certificate, PEM.
    pem: str


class Endpoint(TypedDict):
    """A SAML endpoint from metadata."""

    #: The binding URN (HTTP-Redirect, HTTP-POST, …).
    binding: str
    #: Where requests go.
    location: str
    #: Where responses go, when it differs.
    response_location: Optional[str]


class IdpMetadata(TypedDict):
    """What imported IdP metadata says."""

    #: The IdP's entity ID.
    entity_id: str
    #: The HTTP-Redirect single sign-on URL, if offered.
    sso_url: Optional[str]
    #: The HTTP-Redirect single logout URL, if offered.
    slo_url: Optional[str]
    #: Every single sign-on endpoint.
    single_sign_on_services: List[Endpoint]
    #: Every single logout endpoint.
    single_logout_services: List[Endpoint]
    #: The NameID formats the IdP supports.
    name_id_formats: List[str]
    #: The IdP's signing certificates.
    signing_certificates: List[Certificate]
    #: Whether the IdP wants AuthnRequests signed.
    want_authn_requests_signed: bool
    #: When the metadata stops being valid, RFC 3339.
    valid_until: Optional[str]


class ImportedMetadata(TypedDict):
    """``import_metadata``'s answer: settings trusting the IdP, and what its metadata says."""

    #: New settings trusting this IdP, every other setting at its default.
    settings: SamlSettings
    #: What the metadata says.
    metadata: IdpMetadata
