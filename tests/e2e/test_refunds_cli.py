"""`loket payments refunds ...`: a paid booking cancelled, its refund approved and paid, net revenue
falling with it, as a supervisor runs it. Both databases."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

from loket.domain.booking import BookingPolicy, BookingRequest
from loket.domain.payment import sign
from loket.services import booking as booking_service
from loket.services.catalog import Catalog
from loket.services.demo import load_demo
from loket.services.payments import bank_secret, receive_bank_callback
from loket.store.database import Database
from loket.testing.applicants import applicant

from .test_cli import loket

NOW = datetime(2017, 12, 28, 1, 30, tzinfo=UTC)


async def paid_booking(db: Database, *, ntpn: str) -> tuple[str, str]:
    """The demo, and one booking paid by the bank's callback: (billing code, booking code)."""
    await load_demo(db, now=NOW)
    person = applicant(61)
    done = await booking_service.book_slot(
        db,
        Catalog(ttl=0),
        "PLG",
        BookingRequest(
            person.nik,
            person.full_name,
            person.birth_date,
            person.sex,
            person.phone,
            person.email,
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


async def test_refund_due_approved_paid_and_net_revenue(db: Database, db_url: str, tmp_path: Path) -> None:
    _code, booking = await paid_booking(db, ntpn="CLIREFUND0000001")
    await booking_service.cancel_booking(db, Catalog(ttl=0), booking, applicant(61).nik, NOW)
    period = ["--office", "PLG", "--from", "2017-12-28", "--to", "2017-12-28", "--json"]

    def net() -> tuple[int, int, int, int, int]:
        done = loket(["payments", "refunds", "revenue", *period], db_url, tmp_path)
        assert done.returncode == 0, done.stderr
        [day] = json.loads(done.stdout)
        return day["received"], day["refund_due"], day["refund_approved"], day["refund_paid"], day["net"]

    listed = loket(
        ["payments", "refunds", "list", "--office", "PLG", "--status", "due", "--json"], db_url, tmp_path
    )
    [refund] = json.loads(listed.stdout)
    assert (refund["booking_code"], refund["reason"], refund["amount"]) == (
        booking,
        "cancelled_after_payment",
        355_000,
    )
    assert net() == (355_000, 355_000, 0, 0, 0)
    who = ["--office", "PLG", "--actor", "sari"]
    early = loket(
        ["payments", "refunds", "paid", refund["refund_id"], *who, "--bank-reference", "TRF0001"],
        db_url,
        tmp_path,
    )
    assert early.returncode == 2 and "approved" in early.stderr
    approved = loket(["payments", "refunds", "approve", refund["refund_id"], *who], db_url, tmp_path)
    assert approved.returncode == 0 and "approved" in approved.stdout
    assert net() == (355_000, 0, 355_000, 0, 0)
    paid = loket(
        ["payments", "refunds", "paid", refund["refund_id"], *who, "--bank-reference", "BNI/TRF/0001"],
        db_url,
        tmp_path,
    )
    assert paid.returncode == 0 and "BNI/TRF/0001" in paid.stdout
    assert net() == (355_000, 0, 0, 355_000, 0)
