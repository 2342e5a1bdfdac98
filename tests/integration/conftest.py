"""Integration fixtures: a catalog without caching, the booking policy, paying as the bank does.

The `demo` fixture (the demo loaded through the real services) is in tests/conftest.py."""

from __future__ import annotations

import pytest

from loket.domain.booking import BookingPolicy
from loket.services.catalog import Catalog
from loket.store.database import Database


@pytest.fixture
def catalog() -> Catalog:
    # No caching between steps of a test: each step must see the database as it is.
    return Catalog(ttl=0)


@pytest.fixture
def policy() -> BookingPolicy:
    return BookingPolicy(hold_minutes=120, window_days=30, max_people_per_contact=5)


async def pay(
    db: Database,
    billing_code: str,
    amount: int,
    now,
    *,
    ntpn: str | None = None,
    bank: str = "BNI",  # type: ignore[no-untyped-def]
    paid_at=None,
):
    """Pay a billing code the way the bank does: a signed callback through the real service."""
    import json
    import secrets

    from loket.domain.payment import sign
    from loket.services.payments import bank_secret, receive_bank_callback

    body = json.dumps(
        {
            "billing_code": billing_code,
            "amount": amount,
            "paid_at": (paid_at or now).isoformat(),
            "ntpn": ntpn or secrets.token_hex(8).upper(),
            "bank": bank,
        }
    ).encode()
    return await receive_bank_callback(db, body, sign(await bank_secret(db, bank), body), now=now)
