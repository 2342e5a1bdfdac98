"""The office node's journal and the centre's replay (issue 19), in one process: the centre on
each database (the parametrised `demo`), the node on an SQLite database of its own. The link
itself (two processes and a proxy that is cut) is tests/topology/test_office_node.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from loket.services import booking as booking_service
from loket.services import checkin, floor, floor_views, node_central, node_journal, node_offline, node_sync
from loket.services import stations as station_service
from loket.services.catalog import Catalog
from loket.store.database import Database
from loket.store.migrate import upgrade
from loket.store.tables import audit_log, tickets
from loket.store.tables import node_journal as journal_table

from .floor_helpers import DAY, POLICY, at, book_and_pay, make_staff


@pytest.fixture
async def node(tmp_path: Path) -> AsyncIterator[Database]:
    url = f"sqlite:///{tmp_path / 'node.db'}"
    upgrade(url)
    database = Database(url)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
def journaling() -> Iterator[None]:
    node_journal.enable()
    try:
        yield
    finally:
        node_journal.enable(False)


async def rows(db: Database, table: Any, *order: str) -> list[dict[str, Any]]:
    from sqlalchemy import select

    async with db.read() as conn:
        result = await conn.execute(select(table).where(table.c.office_code == "PLG").order_by(*order))
        return [dict(r._mapping) for r in result]


def floor_state(ticket_rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    keys = (
        "day",
        "ticket",
        "booking_code",
        "stage",
        "queue_state",
        "station_code",
        "checked_in_at",
        "due_date",
    )
    return [tuple(r[k] for k in keys) for r in ticket_rows]


def floor_audit(audit_rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted(
        (r["action"], r["subject"], r["actor"], r["at"], str(sorted(r["detail"].items())))
        for r in audit_rows
        if r["action"].startswith("floor.")
    )


async def upload(centre: Database, node: Database, token: str, *, everything: bool = False) -> Any:
    events = await node_sync.outgoing(node, "PLG", everything=everything)
    done = await node_central.apply_journal(
        centre, "PLG", token, node_time=at(12), events=events, now=at(12, 0), policy=POLICY
    )
    await node_sync.mark_sent(node, "PLG", events, at(12))
    return done


async def test_mirror_journal_upload_once_and_conflict(
    demo: Database, node: Database, journaling: None
) -> None:
    centre = demo
    token = await node_central.register_node(centre, "PLG", actor="test", now=at(7))
    await make_staff(centre, "budi")
    booked = [await book_and_pay(centre, i) for i in range(4)]
    # The centre's mirror reaches the node: office, staff with their hash, today's bookings.
    mirror = await node_central.mirror(centre, "PLG", token, now=at(7, 30))
    assert mirror["days"][0] == DAY.isoformat()
    assert await node_sync.load_mirror(node, mirror) > 0
    assert {b["booking_code"] for b in mirror["tables"]["bookings"]} >= {code for code, _ in booked}
    assert mirror["tables"]["staff_accounts"][0]["password_hash"].startswith("$argon2")

    # The link is down: the office works on its own database.
    for code, nik in booked[:3]:
        await checkin.check_in(node, "PLG", code, nik, policy=POLICY, actor="kiosk", now=at(8, 1))
    await station_service.set_station_state(node, "PLG", "INT1", "open", officer="budi", now=at(8, 2))
    for minute in (3, 6):
        called = await floor.call_next(node, "PLG", "INT1", officer="budi", now=at(8, minute))
        assert called is not None
        await floor.complete_stage(
            node, "PLG", "INT1", "done", officer="budi", policy=POLICY, now=at(8, minute + 2)
        )
    await station_service.set_station_state(
        node, "PLG", "INT1", "down", officer="budi", now=at(8, 10), reason="Printer"
    )
    await station_service.set_station_state(node, "PLG", "INT1", "open", officer="budi", now=at(8, 20))
    board = await floor_views.board(node, "PLG", at(8, 21))
    assert board is not None
    stats_node = await floor_views.stats(node, "PLG", DAY, now=at(9))
    # Meanwhile the centre cancels the fourth booking, which the office then checks in offline.
    code, nik = booked[3]
    await booking_service.cancel_booking(centre, Catalog(ttl=0), code, nik, at(8, 25))
    await checkin.check_in(node, "PLG", code, nik, policy=POLICY, actor="kiosk", now=at(8, 30))
    # A receipt the node cannot verify (a booking it has never heard of), flagged for review.
    await node_offline.flag_for_review(
        node, "PLG", "PLG-UNKNOWN1", note="NTPN 1234", actor="budi", now=at(8, 40)
    )
    journal = await rows(node, journal_table, "seq")
    assert [e["kind"] for e in journal] == [
        "check_in", "check_in", "check_in", "station_state", "call_next", "complete_stage",
        "call_next", "complete_stage", "station_state", "station_state", "check_in", "flag_review",
    ]  # fmt: skip

    # The link is back: one upload, in order.
    done = await upload(centre, node, token)
    assert (done.applied, done.skipped, done.conflicts) == (11, 0, 2)
    node_tickets = [t for t in await rows(node, tickets, "ticket") if t["booking_code"] != code]
    assert floor_state(await rows(centre, tickets, "ticket")) == floor_state(node_tickets)
    node_audit = [a for a in await rows(node, audit_log, "at") if a["subject"] != code]
    assert floor_audit(await rows(centre, audit_log, "at")) == floor_audit(node_audit)
    # The figures too (the node's before its conflicted check-in, which the centre refused).
    assert await floor_views.stats(centre, "PLG", DAY, now=at(9)) == stats_node

    # A second, forced upload of everything changes nothing.
    before = (await rows(centre, tickets, "ticket"), len(await rows(centre, audit_log, "at")))
    again = await upload(centre, node, token, everything=True)
    assert (again.applied, again.skipped, again.conflicts) == (0, 12, 0)
    assert (await rows(centre, tickets, "ticket"), len(await rows(centre, audit_log, "at"))) == before

    # The cancelled-and-checked-in booking is a case with both versions, resolved and audited.
    case, review = sorted(await node_central.conflict_cases(centre, "PLG"), key=lambda c: c["kind"])
    assert (review["kind"], review["subject"], review["centre_version"]["booking"]) == (
        "payment_missing", "PLG-UNKNOWN1", None,
    )  # fmt: skip
    assert case["kind"] == "booking_changed" and case["subject"] == code
    assert case["centre_version"]["booking"]["status"] == "cancelled"
    assert case["node_version"]["effect"]["detail"]["ticket"] == "A-004"
    assert "nik" not in case["node_version"]["args"]
    await node_central.resolve_case(centre, "PLG", case["id"], "accept_office", actor="sari", now=at(13))
    actions = [a["action"] for a in await rows(centre, audit_log, "at")]
    assert "node.conflict" in actions and "node.resolve" in actions


async def test_two_uploads_of_one_journal_at_once_apply_it_once_on_postgresql(
    pg_only_url: str, node: Database, journaling: None
) -> None:
    """The node retried while its first upload was still running: the centre applies each event once."""
    from datetime import date

    from loket.services.demo import load_demo

    centre = Database(pg_only_url, pool_size=10)
    try:
        await load_demo(centre, now=at(8, 30, date(2017, 12, 28)))
        token = await node_central.register_node(centre, "PLG", actor="test", now=at(7))
        booked = [await book_and_pay(centre, i) for i in range(6)]
        await node_sync.load_mirror(node, await node_central.mirror(centre, "PLG", token, now=at(7, 30)))
        for code, nik in booked:
            await checkin.check_in(node, "PLG", code, nik, policy=POLICY, actor="kiosk", now=at(8, 1))
        await station_service.set_station_state(node, "PLG", "INT1", "open", officer="budi", now=at(8, 2))
        for minute in range(3, 9):
            await floor.call_next(node, "PLG", "INT1", officer="budi", now=at(8, minute))
            await floor.complete_stage(
                node, "PLG", "INT1", "done", officer="budi", policy=POLICY, now=at(8, minute)
            )
        events = await node_sync.outgoing(node, "PLG")
        both = await asyncio.gather(
            *(
                node_central.apply_journal(
                    centre, "PLG", token, node_time=at(12), events=events, now=at(12), policy=POLICY
                )
                for _ in range(2)
            )
        )
        assert sorted((d.applied, d.skipped) for d in both) == [(0, len(events)), (len(events), 0)]
        assert floor_state(await rows(centre, tickets, "ticket")) == floor_state(
            await rows(node, tickets, "ticket")
        )
        assert floor_audit(await rows(centre, audit_log, "at")) == floor_audit(
            await rows(node, audit_log, "at")
        )
    finally:
        await centre.dispose()
