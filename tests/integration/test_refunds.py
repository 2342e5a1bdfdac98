"""Refunds as a workflow: a paid-then-cancelled booking is refund due, then approved, then paid,
and net revenue falls accordingly; every step audited; decisions race safely. Both databases."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from loket.clock import FrozenClock
from loket.domain.booking import BookingPolicy
from loket.domain.errors import Conflict, InvalidInput, NotFound
from loket.services import booking as booking_service
from loket.services import refunds as refund_service
from loket.services.catalog import Catalog
from loket.services.reconciliation import reconciliation
from loket.store.database import Database
from loket.store.tables import audit_log
from loket.testing.applicants import applicant

from .conftest import pay
from .test_booking import request_for

FEE = 355_000


async def paid_booking(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy, index: int
):  # type: ignore[no-untyped-def]
    done = await booking_service.book_slot(
        demo, catalog, "PLG", request_for(applicant(index)), policy=policy, now=clock()
    )
    result = await pay(demo, done.billing_code, FEE, clock(), ntpn=f"NTPNREFUND{index:04d}")
    assert result.outcome == "accepted"
    return done


async def actions(demo: Database, subject: str) -> list[str]:
    async with demo.read() as conn:
        rows = await conn.execute(
            select(audit_log.c.action)
            .where(audit_log.c.subject == subject)
            .order_by(audit_log.c.at, audit_log.c.id)
        )
        return [r.action for r in rows if r.action.startswith("refund.")]


async def net_of_today(demo: Database, clock: FrozenClock) -> tuple[int, int, int, int, int]:
    today = clock().date()
    [day] = await refund_service.net_revenue(demo, "PLG", today, today)
    return day.received, day.refund_due, day.refund_approved, day.refund_paid, day.net


async def test_paid_then_cancelled_is_due_then_approved_then_paid_and_net_revenue_falls(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    done = await paid_booking(demo, catalog, clock, policy, 1)
    assert await net_of_today(demo, clock) == (FEE, 0, 0, 0, FEE)
    rec = await reconciliation(demo, "PLG", clock().date(), clock().date())
    assert [(i.kind.value, i.refund) for i in rec.items] == [("no_statement_line", 0)]

    await booking_service.cancel_booking(demo, catalog, done.booking_code, applicant(1).nik, clock())
    [refund] = await refund_service.refunds(demo, "PLG")
    assert (refund.booking_code, refund.ntpn, refund.reason, refund.amount, refund.status) == (
        done.booking_code,
        "NTPNREFUND0001",
        "cancelled_after_payment",
        FEE,
        "due",
    )
    assert await net_of_today(demo, clock) == (FEE, FEE, 0, 0, 0)
    rec = await reconciliation(demo, "PLG", clock().date(), clock().date())
    assert rec.refund_total == FEE  # no longer revenue with refund 0

    approved = await refund_service.decide_refund(
        demo, "PLG", refund.refund_id, approve=True, actor="sari", now=clock()
    )
    assert (approved.status, approved.decided_by) == ("approved", "sari")
    assert await net_of_today(demo, clock) == (FEE, 0, FEE, 0, 0)

    paid = await refund_service.mark_refund_paid(
        demo, "PLG", refund.refund_id, bank_reference="BNI/TRF/2017/0001", actor="sari", now=clock()
    )
    assert (paid.status, paid.bank_reference, paid.paid_at) == ("paid", "BNI/TRF/2017/0001", clock())
    assert await net_of_today(demo, clock) == (FEE, 0, 0, FEE, 0)
    assert await actions(demo, done.booking_code) == ["refund.open", "refund.approved", "refund.paid"]


async def test_a_rejected_refund_stays_revenue(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    done = await paid_booking(demo, catalog, clock, policy, 2)
    second = await pay(demo, done.billing_code, FEE, clock(), ntpn="NTPNREFUNDDUP2")
    assert second.outcome == "duplicate_payment"
    [refund] = await refund_service.refunds(demo, "PLG", status="due")
    assert (refund.reason, refund.ntpn) == ("duplicate_payment", "NTPNREFUNDDUP2")
    assert await net_of_today(demo, clock) == (2 * FEE, FEE, 0, 0, FEE)
    with pytest.raises(InvalidInput) as no_reason:
        await refund_service.decide_refund(
            demo, "PLG", refund.refund_id, approve=False, actor="sari", now=clock()
        )
    assert no_reason.value.field == "note"
    rejected = await refund_service.decide_refund(
        demo,
        "PLG",
        refund.refund_id,
        approve=False,
        note="Bukti transfer ganda tidak ada",
        actor="sari",
        now=clock(),
    )
    assert (rejected.status, rejected.note) == ("rejected", "Bukti transfer ganda tidak ada")
    assert await net_of_today(demo, clock) == (2 * FEE, 0, 0, 0, 2 * FEE)
    rec = await reconciliation(demo, "PLG", clock().date(), clock().date())
    assert {i.note for i in rec.items} == {"accepted", "refund_rejected"} and rec.refund_total == 0
    assert await actions(demo, done.booking_code) == ["refund.open", "refund.rejected"]


async def test_wrong_steps_are_refused_and_change_nothing(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    done = await paid_booking(demo, catalog, clock, policy, 3)
    await booking_service.cancel_booking(demo, catalog, done.booking_code, applicant(3).nik, clock())
    [refund] = await refund_service.refunds(demo, "PLG")
    with pytest.raises(Conflict) as early:
        await refund_service.mark_refund_paid(
            demo, "PLG", refund.refund_id, bank_reference="BNI0001", actor="sari", now=clock()
        )
    assert early.value.code == "refund_not_approved"
    await refund_service.decide_refund(demo, "PLG", refund.refund_id, approve=True, actor="sari", now=clock())
    with pytest.raises(Conflict) as twice:
        await refund_service.decide_refund(
            demo, "PLG", refund.refund_id, approve=False, note="x", actor="adi", now=clock()
        )
    assert twice.value.code == "refund_decided"
    with pytest.raises(InvalidInput) as bad_reference:
        await refund_service.mark_refund_paid(
            demo, "PLG", refund.refund_id, bank_reference="?", actor="sari", now=clock()
        )
    assert bad_reference.value.field == "bank_reference"
    with pytest.raises(NotFound):
        await refund_service.decide_refund(demo, "PLG", "nope", approve=True, actor="sari", now=clock())
    [after] = await refund_service.refunds(demo, "PLG")
    assert (after.status, after.decided_by, after.bank_reference) == ("approved", "sari", None)
    assert await actions(demo, done.booking_code) == ["refund.open", "refund.approved"]


async def test_two_supervisors_deciding_at_once_apply_one_decision(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    done = await paid_booking(demo, catalog, clock, policy, 4)
    await booking_service.cancel_booking(demo, catalog, done.booking_code, applicant(4).nik, clock())
    [refund] = await refund_service.refunds(demo, "PLG")
    results = await asyncio.gather(
        *(
            refund_service.decide_refund(
                demo, "PLG", refund.refund_id, approve=i % 2 == 0, note="tidak", actor=f"sup{i}", now=clock()
            )
            for i in range(6)
        ),
        return_exceptions=True,
    )
    won = [r for r in results if not isinstance(r, BaseException)]
    lost = [r for r in results if isinstance(r, BaseException)]
    assert len(won) == 1 and len(lost) == 5
    assert all(isinstance(e, Conflict) and e.code == "refund_decided" for e in lost)
    [after] = await refund_service.refunds(demo, "PLG")
    assert after.status == won[0].status and after.decided_by == won[0].decided_by
    decisions = [a for a in await actions(demo, done.booking_code) if a != "refund.open"]
    assert decisions == [f"refund.{after.status}"]


async def test_paying_a_refund_twice_at_once_pays_it_once(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    done = await paid_booking(demo, catalog, clock, policy, 5)
    await booking_service.cancel_booking(demo, catalog, done.booking_code, applicant(5).nik, clock())
    [refund] = await refund_service.refunds(demo, "PLG")
    await refund_service.decide_refund(demo, "PLG", refund.refund_id, approve=True, actor="sari", now=clock())
    results = await asyncio.gather(
        *(
            refund_service.mark_refund_paid(
                demo, "PLG", refund.refund_id, bank_reference=f"TRF000{i}", actor="sari", now=clock()
            )
            for i in range(4)
        ),
        return_exceptions=True,
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert await actions(demo, done.booking_code) == ["refund.open", "refund.approved", "refund.paid"]
