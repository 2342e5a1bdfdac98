"""The applicant's whole journey on both databases: a booking driven through the real floor services,
with what the status page shows after each step and every message queued exactly once."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from loket.clock import FrozenClock
from loket.domain.booking import BookingPolicy
from loket.domain.calling import FloorPolicy
from loket.domain.waitlist import WaitlistPolicy
from loket.notify.messages import render
from loket.services import applicant as applicant_service
from loket.services import booking as booking_service
from loket.services import checkin, floor
from loket.services import stations as station_service
from loket.services.catalog import Catalog
from loket.services.reminders import queue_reminders
from loket.store.database import Database
from loket.store.tables import notify_outbox

from .floor_helpers import DAY, at, book_and_pay, open_station

POLICY = FloorPolicy(notify_next_in_people=1)


async def messages(db: Database, code: str) -> Counter[str]:
    """How many messages of each event are queued about a booking (every channel)."""
    async with db.read() as conn:
        rows = (await conn.execute(select(notify_outbox).where(notify_outbox.c.subject == code))).all()
    keys = [r.idempotency_key for r in rows]
    assert len(keys) == len(set(keys))
    return Counter(r.event for r in rows)


async def status(db: Database, code: str, nik: str, now: datetime) -> Any:
    return await applicant_service.applicant_status(db, Catalog(ttl=0), code, nik, now=now)


def stage_states(s: Any) -> dict[str, str]:
    return {row.key: row.state.value for row in s.stages}


async def step(
    db: Database, station: str, officer: str, clock: FrozenClock, outcome: str = "done", **kw: Any
) -> str:
    called = await floor.call_next(db, "PLG", station, officer=officer, now=clock(), policy=POLICY)
    assert called is not None, station
    clock.advance(minutes=6)
    done = await floor.complete_stage(
        db, "PLG", station, outcome, officer=officer, policy=POLICY, now=clock(), **kw
    )
    return done.to_stage


async def until(
    db: Database, station: str, officer: str, clock: FrozenClock, code: str, nik: str, stage: str
) -> None:
    """Serve the station's queue until the booking's ticket reaches `stage`."""
    for _ in range(8):
        await step(db, station, officer, clock)
        if (await status(db, code, nik, clock())).floor.stage == stage:
            return
    raise AssertionError(f"{code} never reached {stage}")


async def test_a_booking_through_the_floor_shows_every_stage_and_sends_every_message_once(
    demo: Database,
) -> None:
    code, nik = await book_and_pay(demo, 40)
    others = [await book_and_pay(demo, 41 + i) for i in range(2)]
    # The evening before: the reminder (twice asked, queued once).
    for _ in range(2):
        await queue_reminders(demo, Catalog(ttl=0), 30, datetime(2017, 12, 28, 10, tzinfo=UTC))
    assert await messages(demo, code) == {"booking_made": 2, "payment_received": 2, "reminder": 2}
    s = await status(demo, code, nik, at(7))
    assert stage_states(s)["paid"] == "done" and s.floor.ticket is None and s.due is not None

    clock = FrozenClock(at(7, 50))
    for other_code, other_nik in others:
        await checkin.check_in(demo, "PLG", other_code, other_nik, policy=POLICY, actor="kiosk", now=clock())
    issued = await checkin.check_in(demo, "PLG", code, nik, policy=POLICY, actor="kiosk", now=clock())
    s = await status(demo, code, nik, clock())
    assert (s.floor.ticket, s.floor.queue_position, s.active) == (issued.ticket, 2, False)
    assert stage_states(s)["checked_in"] == "done" and stage_states(s)["intake"] == "current"
    assert s.floor.wait_minutes is None  # no intake counter open yet: no estimate
    await open_station(demo, "INT2", "dewi", clock())
    s = await status(demo, code, nik, clock())
    # Two before, one open counter, nothing measured yet: the office's 10-minute target, 2.5 times.
    assert s.floor.wait_minutes == 25
    await station_service.set_station_state(demo, "PLG", "INT2", "closed", officer="dewi", now=clock())

    for station, officer in (
        ("INT1", "budi"),
        ("BIO1", "sari"),
        ("APP1", "agus"),
        ("PRI1", "made"),
        ("COL1", "rina"),
    ):
        await open_station(demo, station, officer, clock())
    assert await step(demo, "INT1", "budi", clock) == "biometrics"  # the first of the others
    s = await status(demo, code, nik, clock())
    # One before, one open counter, 6 minutes measured: one service and a half.
    assert (s.floor.queue_position, s.floor.wait_minutes) == (1, 9)
    assert (await messages(demo, code))["next_in"] == 2  # one person before: within notify_next_in_people
    await step(demo, "INT1", "budi", clock)
    s = await status(demo, code, nik, clock())
    assert s.floor.queue_position == 0 and s.floor.wait_minutes == 3  # half of the 6 minutes measured

    assert await step(demo, "INT1", "budi", clock, "incomplete", missing_documents=["kk"]) == "incomplete"
    s = await status(demo, code, nik, clock())
    assert stage_states(s)["intake"] == "problem" and s.floor.missing_documents == ("KK (family card)",)
    assert s.floor.queue_position is None and not s.finished
    assert (await messages(demo, code))["dossier_incomplete"] == 2

    clock.advance(minutes=40)  # back with the family card, the same day
    again = await checkin.check_in(demo, "PLG", code, nik, policy=POLICY, actor="kiosk", now=clock())
    assert again.ticket == issued.ticket
    s = await status(demo, code, nik, clock())
    assert stage_states(s)["intake"] == "current" and s.floor.missing_documents == ()
    assert s.floor.queue_position == 0
    assert await step(demo, "INT1", "budi", clock) == "biometrics"
    assert (await messages(demo, code))["next_in"] == 2  # called with nobody waiting: nobody to tell
    s = await status(demo, code, nik, clock())
    assert stage_states(s)["intake"] == "done" and stage_states(s)["biometrics"] == "current"
    assert s.floor.dossier_complete_on == DAY and s.floor.due_date is None  # biometrics to come

    await until(demo, "BIO1", "sari", clock, code, nik, "approval")
    s = await status(demo, code, nik, clock())
    assert s.floor.due_date is not None and s.due == s.floor.due_date and s.due > DAY
    await until(demo, "APP1", "agus", clock, code, nik, "printing")
    s = await status(demo, code, nik, clock())
    assert [k for k, v in stage_states(s).items() if v == "current"] == ["printing"]
    await until(demo, "PRI1", "made", clock, code, nik, "quality_check")
    assert "passport_ready" not in await messages(demo, code)
    await until(demo, "PRI1", "made", clock, code, nik, "ready")
    s = await status(demo, code, nik, clock())
    assert stage_states(s)["ready"] == "current" and stage_states(s)["printing"] == "done"
    assert (await messages(demo, code))["passport_ready"] == 2

    await station_service.hand_over(demo, "PLG", "COL1", code, nik, officer="rina", now=clock())
    s = await status(demo, code, nik, clock())
    assert all(v == "done" for v in stage_states(s).values()) and s.finished
    assert s.now_at is not None and s.now_at.key == "collected"
    times = [row.at for row in s.stages]
    assert all(t is not None for t in times) and times == sorted(times)
    assert await messages(demo, code) == {
        "booking_made": 2,
        "payment_received": 2,
        "reminder": 2,
        "next_in": 2,
        "dossier_incomplete": 2,
        "passport_ready": 2,
        "survey_invite": 2,
    }


async def test_the_floor_messages_read_well_in_both_languages_and_fit_one_sms(demo: Database) -> None:
    code, nik = await book_and_pay(demo, 50)
    clock = FrozenClock(at(7, 50))
    await checkin.check_in(demo, "PLG", code, nik, policy=POLICY, actor="kiosk", now=clock())
    await open_station(demo, "INT1", "budi", clock())
    await step(demo, "INT1", "budi", clock, "incomplete", missing_documents=["kk", "birth_certificate"])
    async with demo.read() as conn:
        rows = (await conn.execute(select(notify_outbox).where(notify_outbox.c.subject == code))).all()
    office = (await Catalog(ttl=0).get(demo, "PLG")).office
    incomplete = next(r for r in rows if r.event == "dossier_incomplete")
    for locale, words in (("id", "Kartu Keluarga"), ("en", "KK (family card)")):
        text = render(
            incomplete.event,
            incomplete.params,
            office,
            locale,
            public_url="http://x",
            policy=WaitlistPolicy(),
        ).text
        assert words in text and len(text) <= 160, text
    params = {**incomplete.params}
    ready = render(
        "passport_ready", params, office, "id", public_url="http://x", policy=WaitlistPolicy()
    ).text
    assert "Sen-Kam 08.00-16.00, Jum 08.00-16.30 WIB" in ready and "WIB" in ready and len(ready) <= 160, ready


async def test_cancel_and_move_are_confirmed_once(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    moved, nik = await book_and_pay(demo, 60)
    view = await booking_service.reschedule_booking(
        demo,
        catalog,
        moved,
        nik,
        date(2017, 12, 29),
        "10:00",
        policy=policy,
        now=at(9, day=date(2017, 12, 28)),
    )
    assert view.session == "10:00"
    assert (await messages(demo, moved))["booking_moved"] == 2
    await booking_service.cancel_booking(demo, catalog, moved, nik, at(10, day=date(2017, 12, 28)))
    found = await messages(demo, moved)
    assert (found["booking_moved"], found["booking_cancelled"]) == (2, 2)
    async with demo.read() as conn:
        row = (
            await conn.execute(
                select(notify_outbox).where(
                    notify_outbox.c.subject == moved, notify_outbox.c.event == "booking_cancelled"
                )
            )
        ).first()
    office = (await catalog.get(demo, "PLG")).office
    text = render(row.event, row.params, office, "en", public_url="http://x", policy=WaitlistPolicy()).text
    assert "refund of Rp 355.000" in text and len(text) <= 160, text
