"""The bank callback: signature, amount, idempotency, late and out-of-order payments."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from loket.clock import FrozenClock
from loket.domain.booking import BookingPolicy
from loket.domain.errors import InvalidInput, NotFound, Unauthorized
from loket.domain.payment import sign
from loket.services import booking as booking_service
from loket.services import quotas as quota_service
from loket.services.catalog import Catalog
from loket.services.payments import bank_secret, receive_bank_callback
from loket.store.database import Database
from loket.store.tables import payments
from loket.testing.applicants import applicant

from .conftest import pay
from .test_booking import DAY, invariants, request_for


async def book(db: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy, index: int):  # type: ignore[no-untyped-def]
    return await booking_service.book_slot(
        db, catalog, "PLG", request_for(applicant(index)), policy=policy, now=clock()
    )


async def payment_rows(db: Database) -> list:  # type: ignore[type-arg]
    async with db.read() as conn:
        return list((await conn.execute(select(payments).order_by(payments.c.received_at))).all())


async def test_payment_is_applied_once_per_ntpn(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    done = await book(demo, catalog, clock, policy, 1)
    first = await pay(demo, done.billing_code, 355_000, clock(), ntpn="NTPN0001AAAA")
    assert (first.outcome, first.booking_status, first.replayed) == ("accepted", "paid", False)
    again = await pay(demo, done.billing_code, 355_000, clock(), ntpn="NTPN0001AAAA")
    assert (again.outcome, again.replayed) == ("accepted", True)
    assert len(await payment_rows(demo)) == 1
    view = await booking_service.find_booking(demo, done.booking_code, applicant(1).nik, clock())
    assert view.status == "paid" and view.paid_at == clock()
    # A paid booking never lapses.
    clock.advance(hours=5)
    assert (
        await booking_service.find_booking(demo, done.booking_code, applicant(1).nik, clock())
    ).status == "paid"
    await invariants(demo)


async def test_a_second_payment_for_a_paid_booking_is_owed_back(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    done = await book(demo, catalog, clock, policy, 2)
    await pay(demo, done.billing_code, 355_000, clock(), ntpn="NTPN0002AAAA")
    second = await pay(demo, done.billing_code, 355_000, clock(), ntpn="NTPN0002BBBB", bank="BRI")
    assert (second.outcome, second.refund_due) == ("duplicate_payment", 355_000)
    view = await booking_service.find_booking(demo, done.booking_code, applicant(2).nik, clock())
    assert (view.status, view.refund_due) == ("paid", 355_000)


async def test_amount_mismatch_is_recorded_and_refused(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    done = await book(demo, catalog, clock, policy, 3)
    short = await pay(demo, done.billing_code, 300_000, clock(), ntpn="NTPN0003AAAA")
    assert (short.outcome, short.booking_status, short.refund_due) == (
        "amount_mismatch",
        "awaiting_payment",
        300_000,
    )
    rows = await payment_rows(demo)
    assert [(r.outcome, r.amount) for r in rows] == [("amount_mismatch", 300_000)]
    right = await pay(demo, done.billing_code, 355_000, clock(), ntpn="NTPN0003BBBB")
    assert right.outcome == "accepted"


async def test_late_payment_reinstates_when_the_place_is_still_free(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    done = await book(demo, catalog, clock, policy, 4)
    paid_at = clock()
    clock.advance(hours=3)
    await booking_service.find_booking(demo, done.booking_code, applicant(4).nik, clock())  # sweeps: expired
    late = await pay(demo, done.billing_code, 355_000, clock(), ntpn="NTPN0004AAAA", paid_at=paid_at)
    assert (late.outcome, late.booking_status) == ("reinstated", "paid")
    await invariants(demo)


async def test_late_payment_after_the_place_went_is_kept_for_refund(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    await quota_service.set_day_capacity(demo, catalog, "PLG", DAY, "regular", 1, actor="t", now=clock())
    done = await book(demo, catalog, clock, policy, 5)
    clock.advance(hours=3)
    taker = await book(demo, catalog, clock, policy, 6)  # the lapsed place goes to someone else
    assert taker.session == "08:00"
    late = await pay(demo, done.billing_code, 355_000, clock(), ntpn="NTPN0005AAAA")
    assert (late.outcome, late.booking_status, late.refund_due) == ("paid_after_expiry", "expired", 355_000)
    assert [r.outcome for r in await payment_rows(demo)] == ["paid_after_expiry"]
    await invariants(demo)


async def test_payment_after_cancellation_is_owed_back(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    done = await book(demo, catalog, clock, policy, 7)
    await booking_service.cancel_booking(demo, catalog, done.booking_code, applicant(7).nik, clock())
    late = await pay(demo, done.billing_code, 355_000, clock(), ntpn="NTPN0007AAAA")
    assert (late.outcome, late.refund_due) == ("paid_after_cancellation", 355_000)


async def test_out_of_order_callbacks(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    """The bank retries an old callback after a newer one: each NTPN keeps its first outcome."""
    done = await book(demo, catalog, clock, policy, 8)
    early = clock()
    clock.advance(minutes=10)
    second = await pay(demo, done.billing_code, 355_000, clock(), ntpn="NTPN0008BBBB")
    first = await pay(demo, done.billing_code, 355_000, clock(), ntpn="NTPN0008AAAA", paid_at=early)
    assert (second.outcome, first.outcome) == ("accepted", "duplicate_payment")
    replay = await pay(demo, done.billing_code, 355_000, clock(), ntpn="NTPN0008BBBB")
    assert replay.replayed and replay.outcome == "accepted"


async def test_bad_callbacks_change_nothing(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    done = await book(demo, catalog, clock, policy, 9)
    body = json.dumps(
        {
            "billing_code": done.billing_code,
            "amount": 355_000,
            "paid_at": clock().isoformat(),
            "ntpn": "NTPN0009AAAA",
            "bank": "BNI",
        }
    ).encode()
    with pytest.raises(Unauthorized):
        await receive_bank_callback(demo, body, "sha256=" + "0" * 64, now=clock())
    with pytest.raises(Unauthorized):
        await receive_bank_callback(demo, body, sign(await bank_secret(demo, "BRI"), body), now=clock())
    with pytest.raises(Unauthorized):
        await receive_bank_callback(demo, body, None, now=clock())
    unknown = json.dumps(
        {
            "billing_code": "899999999999999",
            "amount": 355_000,
            "paid_at": clock().isoformat(),
            "ntpn": "NTPN0009BBBB",
            "bank": "BNI",
        }
    ).encode()
    with pytest.raises(NotFound):
        await receive_bank_callback(demo, unknown, sign(await bank_secret(demo, "BNI"), unknown), now=clock())
    naive = json.dumps(
        {
            "billing_code": done.billing_code,
            "amount": 355_000,
            "paid_at": "2017-12-28T08:00:00",
            "ntpn": "NTPN0009CCCC",
            "bank": "BNI",
        }
    ).encode()
    with pytest.raises(InvalidInput) as bad_time:
        await receive_bank_callback(demo, naive, sign(await bank_secret(demo, "BNI"), naive), now=clock())
    assert bad_time.value.field == "paid_at"
    assert await payment_rows(demo) == []
    view = await booking_service.find_booking(demo, done.booking_code, applicant(9).nik, clock())
    assert view.status == "awaiting_payment"


async def test_cancelling_a_paid_booking_makes_the_fee_refundable(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    done = await book(demo, catalog, clock, policy, 10)
    await pay(demo, done.billing_code, 355_000, clock())
    view = await booking_service.cancel_booking(demo, catalog, done.booking_code, applicant(10).nik, clock())
    assert (view.status, view.refund_due) == ("cancelled", 355_000)
    await invariants(demo)


async def test_express_fee_includes_the_surcharge(
    demo: Database, catalog: Catalog, policy: BookingPolicy
) -> None:
    from datetime import UTC, datetime

    now = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)
    person = applicant(11)
    done = await booking_service.book_slot(
        demo,
        catalog,
        "PLG",
        request_for(person, day=date(2025, 3, 4), category="express", validity_years=10),
        policy=policy,
        now=now,
    )
    assert done.amount == 650_000 + 1_000_000
    assert done.pay_before == now + timedelta(hours=2)
