"""Call-next and finishing a stage write the same rows whichever way the database is driven: on
PostgreSQL one statement each (`floor_repo.call_ticket`, `floor_repo.finish_stage`) or the portable
steps (`db.portable`, as on SQLite), and the 'you are next soon' notices go out once per ticket
with the wait measured so far (issue 12)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, select, update

from loket.clock import FrozenClock
from loket.domain.calling import FloorPolicy, estimate_wait_s
from loket.domain.errors import Conflict, NotFound
from loket.services import floor
from loket.services.catalog import Catalog
from loket.store import outbox_repo
from loket.store.database import Database
from loket.store.tables import audit_log, notify_outbox, stage_transitions, stage_visits, station_states
from loket.store.tables import stations as stations_table
from loket.store.tables import tickets as tickets_table

from .booking_paths import booking_path  # noqa: F401 (the fixture)
from .floor_helpers import at, checked_in, open_station

# Each PostgreSQL test twice: the single statements and the portable steps (SQLite: once).
pytestmark = pytest.mark.usefixtures("booking_path")

NEAR = FloorPolicy(notify_next_in_people=2)


@pytest.fixture(params=["uncached", "cached"])
def cache(request: pytest.FixtureRequest) -> Catalog | None:
    """Call-next with and without the office cached: on PostgreSQL a cached office takes the fast
    write (store/fast_write.py), an uncached one the engine's transaction."""
    return Catalog(ttl=3600) if request.param == "cached" else None


async def rows(db: Database, query: Any) -> list[Any]:
    async with db.read() as conn:
        return list((await conn.execute(query)).all())


async def ticket(db: Database, label: str) -> Any:
    found = await rows(
        db, select(tickets_table).where(tickets_table.c.office_code == "PLG", tickets_table.c.ticket == label)
    )
    return found[0]


async def visits(db: Database, label: str) -> list[Any]:
    return await rows(
        db,
        select(stage_visits)
        .where(stage_visits.c.office_code == "PLG", stage_visits.c.ticket == label)
        .order_by(stage_visits.c.visit),
    )


async def moves(db: Database, label: str) -> list[tuple[Any, ...]]:
    found = await rows(
        db,
        select(stage_transitions)
        .where(stage_transitions.c.office_code == "PLG", stage_transitions.c.ticket == label)
        .order_by(stage_transitions.c.at, stage_transitions.c.id),
    )
    return [(m.from_stage, m.to_stage, m.actor, m.station_code, m.at) for m in found]


async def station_ticket(db: Database, code: str) -> Any:
    found = await rows(
        db,
        select(station_states.c.ticket).where(
            station_states.c.office_code == "PLG", station_states.c.station_code == code
        ),
    )
    return found[0].ticket


async def audited(db: Database, action: str) -> list[str]:
    found = await rows(
        db,
        select(audit_log.c.subject)
        .where(audit_log.c.office_code == "PLG", audit_log.c.action == action)
        .order_by(audit_log.c.at, audit_log.c.id),
    )
    return [r.subject for r in found]


async def next_in(db: Database) -> list[Any]:
    """The 'next soon' messages queued (phone channel), oldest first."""
    return await rows(
        db,
        select(notify_outbox)
        .where(
            notify_outbox.c.office_code == "PLG",
            notify_outbox.c.event == "next_in",
            notify_outbox.c.channel == "phone",
        )
        .order_by(notify_outbox.c.created_at, notify_outbox.c.id),
    )


async def test_call_and_finish_write_every_row(demo: Database, cache: Catalog | None) -> None:
    clock = FrozenClock(at(8, 5))
    labels = await checked_in(demo, clock, 5, session="08:00")
    await open_station(demo, "INT1", "budi", clock())
    clock.now = at(8, 10)

    called = await floor.call_next(
        demo, "PLG", "INT1", officer="budi", now=clock(), policy=NEAR, catalog=cache
    )
    assert called is not None and called.ticket == labels[0]
    assert (called.stage, called.station_code, called.recalls, called.called_at) == (
        "intake",
        "INT1",
        0,
        clock(),
    )
    row = await ticket(demo, labels[0])
    assert (row.stage, row.queue_state, row.station_code, row.called_by, row.recalls, row.called_at) == (
        "intake",
        "called",
        "INT1",
        "budi",
        0,
        clock(),
    )
    [visit] = await visits(demo, labels[0])
    assert (visit.called_at, visit.station_code, visit.officer, visit.finished_at) == (
        clock(),
        "INT1",
        "budi",
        None,
    )
    assert (await moves(demo, labels[0]))[-1] == ("checked_in", "intake", "budi", "INT1", clock())
    assert await station_ticket(demo, "INT1") == labels[0]
    assert await audited(demo, "floor.call") == [labels[0]]
    # Two people or fewer before them: the next three are told, the nearest first, with the
    # office's intake service target as the wait (nothing measured yet: 10 minutes a service).
    told = {m.params["ticket"]: m.params["minutes"] for m in await next_in(demo)}
    assert told == {label: round(estimate_wait_s(p, 1, 600.0) / 60) for p, label in enumerate(labels[1:4])}

    with pytest.raises(Conflict) as busy:
        await floor.call_next(demo, "PLG", "INT1", officer="budi", now=clock(), policy=NEAR, catalog=cache)
    assert busy.value.code == "station_busy"
    assert len(await moves(demo, labels[1])) == 1 and await audited(demo, "floor.call") == [labels[0]]

    clock.now = at(8, 16)  # a six-minute service
    done = await floor.complete_stage(demo, "PLG", "INT1", "done", officer="budi", policy=NEAR, now=clock())
    assert (done.from_stage, done.to_stage) == ("intake", "biometrics")
    first, second = await visits(demo, labels[0])
    assert (first.finished_at, first.outcome) == (clock(), "done")
    assert (second.visit, second.stage, second.queued_at, second.called_at) == (
        2,
        "biometrics",
        clock(),
        None,
    )
    row = await ticket(demo, labels[0])
    assert (row.stage, row.queue_state, row.queued_at, row.dossier_complete_at, row.target_station) == (
        "biometrics",
        "waiting",
        clock(),
        clock(),
        None,
    )
    assert (await moves(demo, labels[0]))[-1] == ("intake", "biometrics", "budi", "INT1", clock())
    assert await station_ticket(demo, "INT1") is None
    assert await audited(demo, "floor.complete") == [labels[0]]

    called = await floor.call_next(
        demo, "PLG", "INT1", officer="budi", now=clock(), policy=NEAR, catalog=cache
    )
    assert called is not None and called.ticket == labels[1]
    # Those told before are not told again; the one who came within two people now is, with the
    # six minutes measured today as the service time.
    again = {m.params["ticket"]: m.params["minutes"] for m in await next_in(demo)}
    assert again == told | {labels[4]: round(estimate_wait_s(2, 1, 360.0) / 60)}
    assert len(await next_in(demo)) == 4


async def test_a_station_that_may_not_call_says_why_and_writes_nothing(
    demo: Database, cache: Catalog | None
) -> None:
    clock = FrozenClock(at(8, 5))
    labels = await checked_in(demo, clock, 2, session="08:00")
    with pytest.raises(Conflict) as closed:
        await floor.call_next(demo, "PLG", "INT1", officer="budi", now=clock(), catalog=cache)
    assert closed.value.code == "station_not_open"
    await open_station(demo, "INT1", "budi", clock())
    with pytest.raises(Conflict) as taken:
        await floor.call_next(demo, "PLG", "INT1", officer="sari", now=clock(), catalog=cache)
    assert taken.value.code == "station_taken"
    with pytest.raises(NotFound) as unknown:
        await floor.call_next(demo, "PLG", "NOPE9", officer="budi", now=clock(), catalog=cache)
    assert unknown.value.code == "station_not_found"
    for label in labels:
        assert (await ticket(demo, label)).queue_state == "waiting"
        assert [m[1] for m in await moves(demo, label)] == ["checked_in"]
    assert await audited(demo, "floor.call") == [] and await station_ticket(demo, "INT1") is None


async def test_a_station_whose_kind_changed_since_the_office_was_cached(demo: Database) -> None:
    clock = FrozenClock(at(8, 5))
    labels = await checked_in(demo, clock, 2, session="08:00")
    catalog = Catalog(ttl=3600)
    await catalog.get(demo, "PLG")  # the office as it was: INT1 an intake counter
    await open_station(demo, "INT1", "budi", clock())
    async with demo.write() as conn:  # meanwhile the counter became a photo station
        await conn.execute(
            update(stations_table)
            .where(stations_table.c.office_code == "PLG", stations_table.c.code == "INT1")
            .values(kind="biometrics")
        )
    # It calls from the queue it now serves (nobody waits there), not the intake queue.
    assert await floor.call_next(demo, "PLG", "INT1", officer="budi", now=clock(), catalog=catalog) is None
    assert [(await ticket(demo, label)).queue_state for label in labels] == ["waiting", "waiting"]


async def test_messages_queued_in_one_go_keep_the_first_of_a_key(demo: Database, clock: FrozenClock) -> None:
    def message(key: str, text: str) -> dict[str, Any]:
        return {
            "office_code": "PLG",
            "id": f"id-{key}-{text}",
            "idempotency_key": key,
            "event": "next_in",
            "subject": "B-TEST",
            "channel": "phone",
            "recipient": "+6281234567890",
            "locale": "id",
            "params": {"text": text},
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": clock(),
            "last_error": None,
            "created_at": clock(),
            "sent_at": None,
        }

    async with demo.write() as conn:
        assert await outbox_repo.enqueue(conn, [message("k1", "first")]) == 1
    async with demo.write() as conn:
        added = await outbox_repo.enqueue(
            conn, [message("k1", "again"), message("k2", "new"), message("k3", "new")]
        )
        assert added == 2
    kept = await rows(demo, select(notify_outbox.c.params).where(notify_outbox.c.idempotency_key == "k1"))
    assert [r.params for r in kept] == [{"text": "first"}]


async def test_a_cached_call_on_postgresql_is_one_fast_write(demo: Database) -> None:
    """With the office cached, PostgreSQL calls on the raw driver connection: the engine sends
    nothing, and the rows are those the engine's transaction writes (the tests above, `cached`)."""
    if demo.dialect != "postgresql" or demo.portable:
        pytest.skip("the fast write is PostgreSQL's single-statement path")
    clock = FrozenClock(at(8, 5))
    labels = await checked_in(demo, clock, 3, session="08:00")
    await open_station(demo, "INT1", "budi", clock())
    catalog = Catalog(ttl=3600)
    await catalog.get(demo, "PLG")
    sent: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        sent.append(statement)

    event.listen(demo.engine.sync_engine, "before_cursor_execute", seen)
    try:
        called = await floor.call_next(
            demo, "PLG", "INT1", officer="budi", now=clock(), policy=NEAR, catalog=catalog
        )
    finally:
        event.remove(demo.engine.sync_engine, "before_cursor_execute", seen)
    assert called is not None and called.ticket == labels[0]
    assert sent == []
    assert await audited(demo, "floor.call") == [labels[0]]
    assert (await ticket(demo, labels[0])).queue_state == "called"
    assert sorted(m.params["ticket"] for m in await next_in(demo)) == sorted(labels[1:3])
