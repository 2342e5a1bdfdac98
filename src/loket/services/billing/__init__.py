"""The billing provider: who issues the state-revenue billing code a booking is paid with.

`provider.py` is the interface, `local.py` the code Loket makes itself (demo and tests),
`http.py` the adapter to an external billing service (the contract is docs/payments.md);
`codes.py` fetches awaited codes (at booking time, then by the worker with back-off).
"""

from __future__ import annotations

from loket.services.billing.provider import (
    BillingOrder,
    BillingProvider,
    CodeStatus,
    IssuedCode,
    ProviderRefused,
    ProviderUnavailable,
)

__all__ = [
    "BillingOrder",
    "BillingProvider",
    "CodeStatus",
    "IssuedCode",
    "ProviderRefused",
    "ProviderUnavailable",
]
