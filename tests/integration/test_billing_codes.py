"""Awaited billing codes against the billing simulator (a real HTTP server on loopback): written
once however many attempts race, abandoned when the booking lapses first, the adapter's errors
mapped to retry or give up. Both databases."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from loket.clock import FrozenClock
from loket.domain.booking import BookingPolicy
from loket.services import booking as booking_service
from loket.services.billing import BillingOrder, ProviderRefused, ProviderUnavailable
from loket.services.billing.codes import backoff, fetch_code, fetch_due
from loket.services.billing.http import HttpProvider
from loket.services.catalog import Catalog
from loket.services.expiry import expire_lapsed
from loket.simulators.billing import BillingSimulator
from loket.store.database import Database
from loket.store.tables import audit_log, billing_requests, billings, notify_outbox
from loket.testing.applicants import applicant

from .test_booking import request_for

SECRET = "integration-billing-secret-0123456789"


@pytest.fixture
def sim() -> Iterator[BillingSimulator]:
    simulator = BillingSimulator(SECRET).start()
    try:
        yield simulator
    finally:
        simulator.stop()


async def count(db: Database, table, **where: object) -> int:  # type: ignore[no-untyped-def]
    query = select(func.count()).select_from(table)
    for column, value in where.items():
        query = query.where(table.c[column] == value)
    async with db.read() as conn:
        return int((await conn.execute(query)).scalar_one())


async def awaiting(
    demo: Database,
    catalog: Catalog,
    clock: FrozenClock,
    policy: BookingPolicy,
    sim: BillingSimulator,
    index: int,
):  # type: ignore[no-untyped-def]
    sim.control({"mode": "fail"})
    provider = HttpProvider(sim.url, SECRET, timeout_s=2)
    done = await booking_service.book_slot(
        demo, catalog, "PLG", request_for(applicant(index)), policy=policy, now=clock(), billing=provider
    )
    assert done.billing_code is None and done.status == "awaiting_billing_code"
    sim.control({"mode": "ok"})
    return done, provider


async def test_racing_attempts_write_the_code_once(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy, sim: BillingSimulator
) -> None:
    done, provider = await awaiting(demo, catalog, clock, policy, sim, 1)
    # Nothing of a payable booking before the code: no billing row, no 'booking made' message.
    assert await count(demo, billings, booking_code=done.booking_code) == 0
    assert await count(demo, notify_outbox, subject=done.booking_code) == 0
    codes = await asyncio.gather(
        *(fetch_code(demo, provider, "PLG", done.booking_code, clock()) for _ in range(6))
    )
    assert len(set(codes)) == 1 and codes[0] is not None and len(sim.codes) == 1
    assert await count(demo, billings, booking_code=done.booking_code) == 1
    assert await count(demo, audit_log, subject=done.booking_code, action="billing.issued") == 1
    made = await count(demo, notify_outbox, subject=done.booking_code, event="booking_made")
    assert made >= 1  # one per channel, queued once
    assert await count(demo, billing_requests, booking_code=done.booking_code, state="issued") == 1
    view = await booking_service.find_booking(demo, done.booking_code, applicant(1).nik, clock())
    assert (view.status, view.billing_code) == ("awaiting_payment", codes[0])
    await provider.close()


async def test_a_booking_that_lapses_before_its_code_is_abandoned(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy, sim: BillingSimulator
) -> None:
    done, provider = await awaiting(demo, catalog, clock, policy, sim, 2)
    clock.advance(hours=3)
    assert await expire_lapsed(demo, clock(), "PLG") >= 1
    assert await fetch_due(demo, provider, clock()) == {"billing_issued": 0, "billing_waiting": 1}
    assert await count(demo, billing_requests, booking_code=done.booking_code, state="abandoned") == 1
    assert await fetch_due(demo, provider, clock()) == {"billing_issued": 0, "billing_waiting": 0}
    assert sim.codes == {}  # the lapsed booking never asked again
    await provider.close()


async def test_failures_back_off_and_are_kept(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy, sim: BillingSimulator
) -> None:
    done, provider = await awaiting(demo, catalog, clock, policy, sim, 3)
    sim.control({"mode": "fail"})
    for _ in range(3):
        async with demo.read() as conn:
            row = (
                await conn.execute(
                    select(billing_requests).where(billing_requests.c.booking_code == done.booking_code)
                )
            ).one()
        clock.now = row.next_attempt_at
        await fetch_due(demo, provider, clock())
    async with demo.read() as conn:
        row = (
            await conn.execute(
                select(billing_requests).where(billing_requests.c.booking_code == done.booking_code)
            )
        ).one()
    assert row.attempts == 4 and row.state == "pending" and "503" in row.last_error
    assert row.next_attempt_at - clock() == backoff(4, 300) == timedelta(seconds=40)
    await provider.close()


async def test_the_adapter_maps_errors_to_retry_or_give_up(sim: BillingSimulator, clock: FrozenClock) -> None:
    order = BillingOrder("PLG-TEST000001", "PLG", 355_000, "Siti", clock() + timedelta(hours=2))
    wrong_secret = HttpProvider(sim.url, "not-the-secret", timeout_s=2)
    with pytest.raises(ProviderRefused):  # 401: retrying will not help
        await wrong_secret.request_code(order)
    nobody = HttpProvider("http://127.0.0.1:9", SECRET, timeout_s=1)
    with pytest.raises(ProviderUnavailable):
        await nobody.request_code(order)
    good = HttpProvider(sim.url, SECRET, timeout_s=2)
    issued = await good.request_code(order)
    assert (await good.request_code(order)).billing_code == issued.billing_code
    status = await good.status(issued.billing_code)
    assert (status.status, status.amount, status.ntpn) == ("unpaid", 355_000, None)
    for provider in (wrong_secret, nobody, good):
        await provider.close()


async def test_ballot_winners_get_their_codes_from_the_provider_in_the_workers_round(
    demo: Database, catalog: Catalog, clock: FrozenClock, sim: BillingSimulator
) -> None:
    from loket.services import quotas as quota_service
    from loket.services.worker import worker_round
    from loket.settings import Settings

    from .test_ballot import CLOSES, DAY, enter, schedule

    policy = BookingPolicy(max_bookings_per_address=10)
    await quota_service.set_day_capacity(demo, catalog, "PLG", DAY, "regular", 12, actor="sari", now=clock())
    await schedule(demo, catalog, clock)
    clock.advance(hours=2)
    for i in range(3):
        await enter(demo, catalog, policy, clock, applicant(500 + i), ip=f"10.9.0.{i + 1}")
    clock.now = CLOSES + timedelta(minutes=1)
    settings = Settings(
        database_url=demo.url, billing_provider="http", billing_url=sim.url, billing_secret=SECRET
    )
    provider = HttpProvider(sim.url, SECRET, timeout_s=2)
    done = await worker_round(demo, catalog, settings, clock, billing=provider)
    assert done["ballots_drawn"] == 1 and done["billing_issued"] == 3
    async with demo.read() as conn:
        rows = (await conn.execute(select(billings.c.billing_code))).all()
    assert {r.billing_code for r in rows} == set(sim.codes)  # every winner's code is the provider's
    await provider.close()


async def test_two_notifications_of_one_payment_at_once_record_it_once(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy, sim: BillingSimulator
) -> None:
    import json

    from loket.domain.payment import sign
    from loket.services.payments import receive_billing_notification
    from loket.store.tables import payments, refunds

    done, provider = await awaiting(demo, catalog, clock, policy, sim, 9)
    code = await fetch_code(demo, provider, "PLG", done.booking_code, clock())
    assert code is not None

    def note(ntpn: str) -> bytes:
        body = {
            "billing_code": code,
            "ntpn": ntpn,
            "amount": 355_000,
            "paid_at": clock().isoformat(),
            "bank": "BNI",
        }
        return json.dumps(body).encode()

    # The same notification eight times and a second payment twice, all at once.
    bodies = [note("RACE000000000001")] * 8 + [note("RACE000000000002")] * 2
    results = await asyncio.gather(
        *(
            receive_billing_notification(demo, provider, b, sign(SECRET, b), now=clock(), catalog=catalog)
            for b in bodies
        )
    )
    outcomes = sorted((r.outcome, r.replayed) for r in results)
    assert outcomes.count(("accepted", False)) + outcomes.count(("duplicate_payment", False)) == 2
    assert sum(r.replayed for r in results) == 8
    assert await count(demo, payments, booking_code=done.booking_code) == 2
    assert await count(demo, refunds, booking_code=done.booking_code) == 1  # the second payment's
    await provider.close()


async def test_no_payment_reminder_before_the_code(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy, sim: BillingSimulator
) -> None:
    from loket.services.reminders import queue_reminders

    done, provider = await awaiting(demo, catalog, clock, policy, sim, 10)
    clock.advance(minutes=100)  # 20 minutes before the hold lapses
    assert (await queue_reminders(demo, catalog, 30, clock()))["deadline_near"] == 0
    assert await fetch_code(demo, provider, "PLG", done.booking_code, clock()) is not None
    assert (await queue_reminders(demo, catalog, 30, clock()))["deadline_near"] >= 1
    await provider.close()
