"""Type stubs of sso_scim (the native classes live in ``sso_scim._native``)."""

from collections.abc import Awaitable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final, final

from ._errors import ConfigurationError as ConfigurationError
from ._errors import InternalError as InternalError
from ._errors import InvalidArgumentError as InvalidArgumentError
from ._errors import SamlError as SamlError
from ._errors import ScimError as ScimError
from ._errors import SsoScimError as SsoScimError
from ._errors import StoreConflict as StoreConflict
from ._errors import StoreContractError as StoreContractError
from ._errors import StoreNotFound as StoreNotFound
from ._errors import StoreSignal as StoreSignal
from ._errors import StoreUnsupported as StoreUnsupported
from ._errors import StoreVersionMismatch as StoreVersionMismatch
from ._types import AttributeMap as AttributeMap
from ._types import AuthnRequest as AuthnRequest
from ._types import Certificate as Certificate
from ._types import Endpoint as Endpoint
from ._types import GeneratedToken as GeneratedToken
from ._types import GroupPage as GroupPage
from ._types import GroupRecord as GroupRecord
from ._types import GroupStore as GroupStore
from ._types import Identity as Identity
from ._types import IdpMetadata as IdpMetadata
from ._types import ImportedMetadata as ImportedMetadata
from ._types import IndexHint as IndexHint
from ._types import SqlOptions as SqlOptions
from ._types import SqlTranslation as SqlTranslation
from ._types import LoginAllowed as LoginAllowed
from ._types import LoginDecision as LoginDecision
from ._types import LoginRefused as LoginRefused
from ._types import MaybeAwaitable as MaybeAwaitable
from ._types import Query as Query
from ._types import SamlSettings as SamlSettings
from ._types import ScimConfig as ScimConfig
from ._types import ScimLimits as ScimLimits
from ._types import Sort as Sort
from ._types import Store as Store
from ._types import TokenGrant as TokenGrant
from ._types import UserPage as UserPage
from ._types import UserRecord as UserRecord
from ._types import UserState as UserState
from ._types import Workspace as Workspace
from ._types import XmlLimits as XmlLimits

__version__: Final[str]

__all__ = [
    "ERROR_CODES",
    "ERROR_FAMILIES",
    "AttributeMap",
    "AuthnRequest",
    "Certificate",
    "ConfigurationError",
    "Endpoint",
    "GeneratedToken",
    "GroupPage",
    "GroupRecord",
    "GroupStore",
    "Handler",
    "Identity",
    "IdpMetadata",
    "ImportedMetadata",
    "IndexHint",
    "InternalError",
    "InvalidArgumentError",
    "LoginAllowed",
    "LoginDecision",
    "LoginRefused",
    "MaybeAwaitable",
    "Query",
    "SamlError",
    "SamlSettings",
    "ScimConfig",
    "ScimError",
    "ScimLimits",
    "ScimRequest",
    "ScimResponse",
    "ServiceProvider",
    "Sort",
    "SqlOptions",
    "SqlTranslation",
    "SsoScimError",
    "Store",
    "StoreConflict",
    "StoreContractError",
    "StoreNotFound",
    "StoreSignal",
    "StoreUnsupported",
    "StoreVersionMismatch",
    "TokenGrant",
    "UserPage",
    "UserRecord",
    "UserState",
    "Workspace",
    "XmlLimits",
    "display_name_key",
    "filter_to_sql",
    "generate_token",
    "hash_token",
    "import_metadata",
    "is_well_formed_token",
    "select_groups",
    "select_users",
    "sp_metadata",
    "user_name_key",
    "version",
]

#: Every stable error code, in the core's order.
ERROR_CODES: Final[tuple[str, ...]]
#: Error code → the name of the exception class it is raised as.
ERROR_FAMILIES: Final[dict[str, str]]

#: ``now`` arguments: an aware datetime or an RFC 3339 string; ``None`` is the current time.
_Instant = datetime | str | None
#: Headers: a mapping, or (name, value) pairs (repeated names kept).
_Headers = Mapping[str, str] | Iterable[tuple[str, str]]

def version() -> str:
    """The version of this package (and of the core it wraps)."""

def generate_token() -> GeneratedToken:
    """A new SCIM bearer token and its hash: show the token once, store only the hash."""

def hash_token(text: str) -> str:
    """The SHA-256 hash (lower-case hex) a store keeps for a token."""

def is_well_formed_token(text: str) -> bool:
    """Whether ``text`` has the shape of a token this library generates."""

def user_name_key(user_name: str) -> str:
    """The key a store indexes userName under (``find_by_user_name`` receives it)."""

def display_name_key(display_name: str) -> str:
    """The key a store indexes a group's displayName under."""

def select_users(query: Query, users: Iterable[UserRecord]) -> UserPage:
    """Answer ``query_users`` from all of a workspace's users: filter, sort and page them
    exactly as the core's in-memory store does (deprovisioned users left out)."""

def select_groups(query: Query, groups: Iterable[GroupRecord]) -> GroupPage:
    """``select_users`` for ``query_groups``."""

def filter_to_sql(query: Query, options: SqlOptions) -> SqlTranslation:
    """Translate the filter and sort of a query ``query_users`` / ``query_groups`` received into
    SQL over the host's own columns. When ``exact`` is false the condition selects a superset:
    pass those rows to ``select_users`` / ``select_groups``, which re-check, sort and page them."""

def sp_metadata(settings: SamlSettings) -> str:
    """SP metadata XML for settings whose IdP is not configured yet."""

def import_metadata(xml: str, sp_entity_id: str, acs_url: str, entity_id: str | None = None) -> ImportedMetadata:
    """Read IdP federation metadata: settings trusting that IdP, and what it says.

    Raises ``ConfigurationError`` (``invalid_certificate``) when a signing certificate's RSA
    key is under 2048 bits, the default ``min_rsa_key_bits``."""

@final
class ScimRequest:
    """One SCIM request, with the path below the SCIM base (``/Users/…``)."""

    @property
    def method(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def query(self) -> str: ...
    @property
    def headers(self) -> list[tuple[str, str]]: ...
    @property
    def body(self) -> bytes: ...
    def __new__(
        cls,
        method: str,
        path: str,
        query: str = "",
        headers: _Headers | None = None,
        body: bytes | str | None = None,
        *,
        json: Any = None,
    ) -> ScimRequest:
        """``json`` (instead of ``body``) serialises a JSON value and sets
        ``Content-Type: application/scim+json`` unless one is given."""
    def header(self, name: str) -> str | None:
        """The first value of a header (case-insensitive name)."""

@final
class ScimResponse:
    """The answer to send back: ``status``, ``headers``, ``body``; for an error answer
    also its stable ``error_code`` and ``error_message``."""

    @property
    def status(self) -> int: ...
    @property
    def headers(self) -> list[tuple[str, str]]: ...
    @property
    def body(self) -> bytes: ...
    @property
    def error_code(self) -> str | None: ...
    @property
    def error_message(self) -> str | None: ...
    def header(self, name: str) -> str | None:
        """The first value of a header (case-insensitive name)."""
    def json(self) -> Any:
        """The body parsed as JSON (``None`` when empty)."""
    def raise_for_error(self) -> None:
        """Raise an error answer as ``ScimError``; nothing on success."""

@final
class ServiceProvider:
    """One workspace's SAML service provider (settings checked, keys parsed once).

    Raises ``ConfigurationError``: ``invalid_settings``, ``invalid_certificate`` (also an IdP
    RSA key shorter than ``min_rsa_key_bits``) or ``invalid_key``."""

    def __new__(cls, settings: SamlSettings) -> ServiceProvider: ...
    @property
    def settings(self) -> SamlSettings:
        """The settings in force, every default filled in."""
    @property
    def idp_certificates(self) -> list[Certificate]: ...
    def validate(
        self, saml_response: str | bytes, request_id: str | Sequence[str] | None = None, now: _Instant = None
    ) -> Identity:
        """The verified identity; ``SamlError`` with the reason's code otherwise.

        ``request_id``: the ID of the AuthnRequest this browser was sent with (``None`` for an
        IdP-initiated response), or every request ID this browser has pending: the ID the
        response claims is checked only if it is one of them, else the response is
        unsolicited. ``in_response_to`` names the request answered.
        """
    def verify_signed_element(self, xml: str) -> str:
        """Verify the root element's enveloped signature; the verified canonical XML."""
    def in_response_to_hint(self, saml_response: str | bytes) -> str | None:
        """The InResponseTo a response claims, unverified.

        Superseded: pass every pending request ID to ``validate`` instead; this hint, then
        ``validate``, parses the untrusted response twice.
        """
    def authn_request(self, relay_state: str | None = None, now: _Instant = None) -> AuthnRequest:
        """A new AuthnRequest; keep its ``id`` for ``validate``."""
    def metadata(self) -> str:
        """Our SP metadata XML."""
    def certificates_expiring_within(self, days: int, now: _Instant = None) -> list[Certificate]:
        """IdP certificates that expire within ``days``."""

@final
class Handler:
    """The SCIM service provider and the login decision over a host store.

    Store failures are raised, not answered: the store's own exception is re-raised
    unchanged, and an unusable answer raises ``StoreContractError`` (as does a signal raised
    where it does not apply, with the store's exception as ``__cause__``). A bug inside
    sso_scim raises ``InternalError``; calls nested over 32 deep raise ``RecursionError``.
    """

    def __new__(cls, store: Store, scim_config: ScimConfig | None = None) -> Handler: ...
    @property
    def store(self) -> Store | None:
        """The store (``None`` only after the garbage collector cleared a cycle)."""
    @property
    def scim_config(self) -> ScimConfig:
        """The SCIM settings in force, every default filled in."""
    def handle(self, request: ScimRequest) -> ScimResponse:
        """Answer a SCIM request with a synchronous store (GIL released while the core works)."""
    def handle_async(self, request: ScimRequest) -> Awaitable[ScimResponse]:
        """Answer a SCIM request on asyncio: a coroutine driven on the awaiting thread, where
        every store method is called (``async def`` ones awaited, plain ones answering at once:
        a plain method that blocks blocks the loop)."""
    def sign_in(
        self,
        workspace_id: str,
        service_provider: ServiceProvider,
        saml_response: str | bytes,
        request_id: str | None = None,
        now: _Instant = None,
    ) -> LoginDecision:
        """Validate a SAMLResponse and decide the login; ``SamlError`` if it is refused.

        One ``request_id``: with several pending, ``ServiceProvider.validate`` then ``decide``.
        """
    def sign_in_async(
        self,
        workspace_id: str,
        service_provider: ServiceProvider,
        saml_response: str | bytes,
        request_id: str | None = None,
        now: _Instant = None,
    ) -> Awaitable[LoginDecision]:
        """``sign_in`` on asyncio (the signature verified on the awaiting thread, GIL released)."""
    def decide(self, workspace_id: str, service_provider: ServiceProvider, identity: Identity) -> LoginDecision:
        """The login decision for an identity ``ServiceProvider.validate`` returned."""
    def decide_async(
        self, workspace_id: str, service_provider: ServiceProvider, identity: Identity
    ) -> Awaitable[LoginDecision]:
        """``decide`` on asyncio."""
