"""The billing provider interface: request a code for an amount, a payer and an expiry; ask its status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class BillingOrder:
    """What Loket asks a code for. `reference` (the booking code) makes the request idempotent."""

    reference: str
    office_code: str
    amount: int
    payer: str
    expires_at: datetime


@dataclass(frozen=True)
class IssuedCode:
    billing_code: str
    amount: int
    expires_at: datetime


@dataclass(frozen=True)
class CodeStatus:
    """The provider's view of a code: unpaid, paid (with its NTPN) or expired."""

    billing_code: str
    status: str
    amount: int
    ntpn: str | None = None
    paid_at: datetime | None = None
    bank: str | None = None


class ProviderUnavailable(Exception):
    """The provider is slow, down or answered 5xx/429: try again later."""


class ProviderRefused(Exception):
    """The provider refused the request itself (4xx): trying again will not help."""


class BillingProvider(Protocol):
    """Who issues billing codes. A local provider makes the code inside the booking's transaction."""

    name: str
    issues_locally: bool

    async def request_code(self, order: BillingOrder) -> IssuedCode:
        """A code for the order; the same reference always gets the same code."""
        ...

    async def status(self, billing_code: str) -> CodeStatus:
        """The code's state at the provider."""
        ...

    def notification_secrets(self) -> list[str]:
        """The secrets a payment notification from this provider may be signed with."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...
