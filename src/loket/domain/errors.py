"""Domain errors: a machine-readable code, the field at fault and a message to translate."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule was broken. `code` is stable for machines; `message` is an English msgid for gettext."""

    status = 422

    def __init__(
        self,
        code: str,
        message: str,
        /,
        field: str | None = None,
        extra: dict[str, Any] | None = None,
        **params: Any,
    ) -> None:
        super().__init__(code)
        self.code = code
        self.message = message
        self.field = field
        self.params = params
        # Extra machine-readable detail for the response body (e.g. alternative sessions).
        self.extra = extra or {}

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        return where + (self.message % self.params if self.params else self.message)


class InvalidInput(DomainError):
    """Input that breaks a rule about its own shape or meaning (422)."""

    status = 422


class NotFound(DomainError):
    """Something named in the request does not exist (404)."""

    status = 404


class Conflict(DomainError):
    """The request is well formed but clashes with the current state (409)."""

    status = 409


class Unauthorized(DomainError):
    """The caller could not prove who it is (401)."""

    status = 401


class Forbidden(DomainError):
    """The caller is known but may not do this (403)."""

    status = 403


def invalid(field_name: str, code: str, message: str, /, **params: Any) -> InvalidInput:
    """Build a 422 error for one field."""
    return InvalidInput(code, message, field=field_name, **params)


class TooMany(DomainError):
    """Too many requests or attempts; `extra["retry_after"]` says how many seconds to wait (429)."""

    status = 429

    @property
    def retry_after(self) -> int:
        return int(self.extra.get("retry_after", 1))
