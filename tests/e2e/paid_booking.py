"""A demo database with one booking paid by the bank's callback, for the CLI tests of reports,
reconciliation and refunds."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from loket.domain.booking import BookingPolicy, BookingRequest
from loket.domain.payment import sign
from loket.services import booking as booking_service
from loket.services.catalog import Catalog
from loket.services.demo import load_demo
from loket.services.payments import bank_secret, receive_bank_callback
from loket.store.database import Database
from loket.testing.applicants import applicant

NOW = datetime(2017, 12, 28, 1, 30, tzinfo=UTC)


async def paid_booking(db: Database, *, ntpn: str, person: int = 61) -> tuple[str, str]:
    """The demo, and one booking paid by the bank's callback: (billing code, booking code)."""
    await load_demo(db, now=NOW)
    who = applicant(person)
    done = await booking_service.book_slot(
        db,
        Catalog(ttl=0),
        "PLG",
        BookingRequest(
            who.nik,
            who.full_name,
            who.birth_date,
            who.sex,
            who.phone,
            who.email,
            date(2017, 12, 29),
            "08:00",
            "regular",
            "regular",
            "new",
        ),
        policy=BookingPolicy(),
        now=NOW,
    )
    assert done.billing_code is not None
    body = json.dumps(
        {
            "billing_code": done.billing_code,
            "amount": 355_000,
            "paid_at": NOW.isoformat(),
            "ntpn": ntpn,
            "bank": "BNI",
        }
    ).encode()
    await receive_bank_callback(db, body, sign(await bank_secret(db, "BNI"), body), now=NOW)
    return done.billing_code, done.booking_code
