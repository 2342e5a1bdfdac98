"""One NTPN pays one billing (issue 21). Reused for a second booking, at once or later, at the
same office or another, the callback is refused (`ntpn_reused`), nothing is applied, and the
attempt is kept for the finance officer; 50 concurrent callbacks with one NTPN over 5 bookings
pay exactly one booking and raise nothing (no UniqueViolation)."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from loket.clock import FrozenClock
from loket.domain.booking import BookingPolicy
from loket.services import booking as booking_service
from loket.services.catalog import Catalog
from loket.services.payments import NTPN_REUSED, refused_payments
from loket.store.database import Database
from loket.store.tables import audit_log, payments
from loket.testing.applicants import applicant

from .conftest import pay
from .test_booking import request_for

FEE = 355_000


async def _book(db: Database, clock: FrozenClock, policy: BookingPolicy, index: int, office: str = "PLG"):  # type: ignore[no-untyped-def]
    return await booking_service.book_slot(
        db, Catalog(ttl=0), office, request_for(applicant(index, seed=21)), policy=policy, now=clock()
    )


async def _payment_count(db: Database) -> int:
    async with db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(payments))).scalar_one())


async def test_a_reused_ntpn_is_refused_and_recorded_for_finance(
    demo: Database, clock: FrozenClock, policy: BookingPolicy
) -> None:
    first = await _book(demo, clock, policy, 1)
    second = await _book(demo, clock, policy, 2)
    paid = await pay(demo, first.billing_code, FEE, clock(), ntpn="NTPN21REUSE01")
    assert paid.outcome == "accepted"
    reused = await pay(demo, second.billing_code, FEE, clock(), ntpn="NTPN21REUSE01")
    assert reused.outcome == NTPN_REUSED and reused.booking_status == "awaiting_payment"
    assert await _payment_count(demo) == 1
    view = await booking_service.find_booking(demo, second.booking_code, applicant(2, seed=21).nik, clock())
    assert view.status == "awaiting_payment"
    kept = await refused_payments(demo, "PLG")
    assert [(r.ntpn, r.billing_code, r.claimed_by) for r in kept] == [
        ("NTPN21REUSE01", second.billing_code, first.billing_code)
    ]
    async with demo.read() as conn:
        actions = (await conn.execute(select(audit_log.c.action))).scalars().all()
    assert "payment.ntpn_reused" in actions
    # The first booking's own callback, replayed, is still the idempotent replay it always was.
    again = await pay(demo, first.billing_code, FEE, clock(), ntpn="NTPN21REUSE01")
    assert again.outcome == "accepted" and again.replayed


async def test_an_ntpn_used_at_one_office_cannot_pay_at_another(
    demo: Database, clock: FrozenClock, policy: BookingPolicy
) -> None:
    here = await _book(demo, clock, policy, 3, "PLG")
    there = await _book(demo, clock, policy, 4, "DPS")
    assert (await pay(demo, here.billing_code, FEE, clock(), ntpn="NTPN21CROSS01")).outcome == "accepted"
    elsewhere = await pay(demo, there.billing_code, there.amount, clock(), ntpn="NTPN21CROSS01")
    assert elsewhere.outcome == NTPN_REUSED
    assert [r.billing_code for r in await refused_payments(demo, "DPS")] == [there.billing_code]


async def test_fifty_concurrent_callbacks_with_one_ntpn_pay_one_booking(
    demo: Database, clock: FrozenClock, policy: BookingPolicy
) -> None:
    made = [await _book(demo, clock, policy, 10 + i) for i in range(5)]
    results = await asyncio.gather(
        *(pay(demo, made[i % 5].billing_code, FEE, clock(), ntpn="NTPN21RACE001") for i in range(50)),
        return_exceptions=True,
    )
    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []
    applied = {r.booking_code for r in results if r.outcome == "accepted"}  # type: ignore[union-attr]
    assert len(applied) == 1
    assert sum(1 for r in results if r.outcome == NTPN_REUSED) == 40  # type: ignore[union-attr]
    assert await _payment_count(demo) == 1
    assert len(await refused_payments(demo, "PLG")) == 4  # one row per refused billing
