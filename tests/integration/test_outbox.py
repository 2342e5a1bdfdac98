"""Notifications are queued in the transaction of their event (on the booking hot path too),
once per idempotency key, and delivered with retries and back-off."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from loket.clock import FrozenClock
from loket.domain.booking import BookingPolicy
from loket.notify.senders import Senders
from loket.services import booking as booking_service
from loket.services import notifications as events
from loket.services.catalog import Catalog
from loket.services.delivery import deliver_due
from loket.services.reminders import queue_reminders
from loket.settings import Settings
from loket.store.database import Database
from loket.store.tables import notify_outbox
from loket.testing.applicants import applicant, family

from .conftest import pay
from .test_booking import DAY, request_for


async def outbox(db: Database) -> list[Any]:
    async with db.read() as conn:
        return list((await conn.execute(select(notify_outbox).order_by(notify_outbox.c.created_at))).all())


class Recorder:
    """A channel that records what it is asked to send, failing the first `fail` times."""

    def __init__(self, fail: int = 0) -> None:
        self.fail = fail
        self.sent: list[tuple[str, str, str]] = []

    async def send(self, to: str, message: Any, key: str) -> None:
        if self.fail:
            self.fail -= 1
            raise ConnectionError("gateway down")
        self.sent.append((to, message.text, key))


async def test_a_booking_queues_its_messages_in_the_same_statement(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    person = family(1, email="ibu@example.id")[0]
    done = await booking_service.book_slot(
        demo, catalog, "PLG", request_for(person), policy=policy, now=clock(), locale="en"
    )
    rows = await outbox(demo)
    assert {(r.event, r.channel, r.recipient) for r in rows} == {
        ("booking_made", "phone", person.phone),
        ("booking_made", "email", "ibu@example.id"),
    }
    assert all(r.subject == done.booking_code and r.locale == "en" and r.status == "pending" for r in rows)
    assert rows[0].params["billing"] == done.billing_code and rows[0].params["amount"] == 355_000


async def test_payment_and_floor_events_are_queued_once(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    done = await booking_service.book_slot(
        demo, catalog, "PLG", request_for(applicant(7)), policy=policy, now=clock()
    )
    await pay(demo, done.billing_code, done.amount, clock(), ntpn="NTPN7777AAAA")
    await pay(demo, done.billing_code, done.amount, clock(), ntpn="NTPN7777AAAA")  # replayed: nothing new
    async with demo.write() as conn:
        assert await events.notify_passport_ready(conn, "PLG", done.booking_code, clock()) == 2
        assert await events.notify_passport_ready(conn, "PLG", done.booking_code, clock()) == 0
        await events.notify_dossier_incomplete(conn, "PLG", done.booking_code, ["KK (family card)"], clock())
    kinds = [r.event for r in await outbox(demo)]
    assert kinds.count("payment_received") == 2 and kinds.count("passport_ready") == 2
    assert kinds.count("dossier_incomplete") == 2  # "next in" is the floor's: test_floor_statements.py


async def test_reminders_are_queued_once(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    unpaid = await booking_service.book_slot(
        demo, catalog, "PLG", request_for(applicant(8)), policy=policy, now=clock()
    )
    paid = await booking_service.book_slot(
        demo, catalog, "PLG", request_for(applicant(9)), policy=policy, now=clock()
    )
    await pay(demo, paid.billing_code, paid.amount, clock())
    assert await queue_reminders(demo, catalog, 30, clock()) == {"deadline_near": 0, "reminder": 2}
    clock.advance(minutes=95)
    assert await queue_reminders(demo, catalog, 30, clock()) == {"deadline_near": 2, "reminder": 0}
    assert await queue_reminders(demo, catalog, 30, clock()) == {"deadline_near": 0, "reminder": 0}
    near = [r for r in await outbox(demo) if r.event == "deadline_near"]
    assert {r.subject for r in near} == {unpaid.booking_code}


async def test_delivery_retries_with_back_off_then_sends_once(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    settings = Settings(notify_backoff_s=10, notify_max_attempts=3)
    done = await booking_service.book_slot(
        demo, catalog, "PLG", request_for(applicant(10)), policy=policy, now=clock()
    )
    phone = Recorder(fail=2)
    senders = Senders(phone=phone)
    assert (await deliver_due(demo, catalog, settings, senders, clock))["retry"] == 1
    row = next(r for r in await outbox(demo) if r.channel == "phone")
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 1, clock() + timedelta(seconds=10))
    assert (await deliver_due(demo, catalog, settings, senders, clock))["retry"] == 0  # not due yet
    clock.advance(seconds=10)
    await deliver_due(demo, catalog, settings, senders, clock)
    row = next(r for r in await outbox(demo) if r.channel == "phone")
    assert row.next_attempt_at == clock() + timedelta(seconds=20)  # doubled
    clock.advance(seconds=20)
    assert (await deliver_due(demo, catalog, settings, senders, clock))["sent"] == 1
    assert len(phone.sent) == 1 and done.billing_code in phone.sent[0][1] and "Rp 355.000" in phone.sent[0][1]
    clock.advance(hours=1)
    assert (await deliver_due(demo, catalog, settings, senders, clock))["sent"] == 0
    statuses = {r.channel: r.status for r in await outbox(demo)}
    assert statuses == {"phone": "sent", "email": "skipped"}


async def test_a_message_is_given_up_after_the_last_attempt(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    settings = Settings(notify_backoff_s=1, notify_max_attempts=2)
    await booking_service.book_slot(
        demo, catalog, "PLG", request_for(applicant(11)), policy=policy, now=clock()
    )
    senders = Senders(phone=Recorder(fail=5), email=Recorder(fail=5))
    await deliver_due(demo, catalog, settings, senders, clock)
    clock.advance(seconds=5)
    assert (await deliver_due(demo, catalog, settings, senders, clock))["failed"] == 2
    assert {r.status for r in await outbox(demo)} == {"failed"}


async def test_messages_are_in_the_language_the_person_booked_in(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    await booking_service.book_slot(
        demo, catalog, "PLG", request_for(applicant(12), day=DAY), policy=policy, now=clock(), locale="id"
    )
    phone = Recorder()
    await deliver_due(demo, catalog, Settings(), Senders(phone=phone), clock)
    assert "Jumat, 29 Desember 2017" in phone.sent[0][1]  # the date is formatted in Indonesian
