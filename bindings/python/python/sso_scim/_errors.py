"""Exceptions raised by sso_scim, and the ones a host store raises to signal a kind.

Every exception the library raises is an :class:`SsoScimError` whose ``code`` is one of the
core's stable snake_case codes (``sso_scim.ERROR_CODES``); its class names the family. An
exception a host store raises travels through the core and is re-raised unchanged.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "SsoScimError",
    "SamlError",
    "ScimError",
    "ConfigurationError",
    "InvalidArgumentError",
    "StoreContractError",
    "InternalError",
    "StoreSignal",
    "StoreConflict",
    "StoreVersionMismatch",
    "StoreNotFound",
    "StoreUnsupported",
]


class SsoScimError(Exception):
    """A refusal by sso-scim: ``code`` (stable, snake_case) and ``message`` (for humans)."""

    code: str
    message: str

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r})"


class SamlError(SsoScimError):
    """A SAML response was refused (``signature_invalid``, ``expired``, ``replayed``…)."""


class ScimError(SsoScimError):
    """A SCIM error answer, raised by ``ScimResponse.raise_for_error()``."""


class ConfigurationError(SsoScimError):
    """Settings, certificates, keys, metadata or the store object cannot work
    (``invalid_settings``, ``invalid_certificate``, ``invalid_key``, ``invalid_metadata``,
    ``invalid_store``)."""


class InvalidArgumentError(ConfigurationError, ValueError):
    """An argument of the wrong shape (``invalid_argument``)."""


class StoreContractError(SsoScimError):
    """The host store answered something the core cannot use (``store_contract_violated``:
    the message quotes the answer), or failed without an exception of its own
    (``store_failed``)."""


class InternalError(SsoScimError):
    """A fault inside sso_scim itself (``internal_error``): a bug of the library, caught where
    the call ends, never the host's or the client's doing. Nothing is printed for it; the
    message says what failed — please report it."""


class StoreSignal(Exception):
    """Raise a subclass from a store method to tell the core what happened; its ``code`` is
    the core's name for the kind. Any exception with such a ``code`` attribute works too.
    Every other exception is a store failure, re-raised to the caller unchanged."""

    code: ClassVar[str] = ""


class StoreConflict(StoreSignal):
    """``insert_user`` / ``update_user`` (or the group methods): the userName (displayName)
    key is taken."""

    code: ClassVar[str] = "conflict"


class StoreVersionMismatch(StoreSignal):
    """``update_user`` / ``update_group`` / ``delete_group``: the stored version is not the
    expected one."""

    code: ClassVar[str] = "version_mismatch"


class StoreNotFound(StoreSignal):
    """``update_*`` / ``delete_group``: no such record."""

    code: ClassVar[str] = "not_found"


class StoreUnsupported(StoreSignal):
    """The store does not offer this operation (answered 501)."""

    code: ClassVar[str] = "unsupported"
