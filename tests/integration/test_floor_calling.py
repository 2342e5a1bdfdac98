"""Stations, calling, stages, the service clock and measurements, on both databases."""

from __future__ import annotations

from datetime import date

import pytest

from loket.clock import FrozenClock
from loket.domain.errors import Conflict
from loket.services import floor, floor_views
from loket.services import stations as station_service
from loket.store.database import Database

from .floor_helpers import DAY, POLICY, at, checked_in, open_station


async def test_policy_order_recall_no_show_and_transitions(demo: Database) -> None:
    clock = FrozenClock(at(8, 5))
    await checked_in(demo, clock, 1, start=0, session="09:00")  # A-001, 09:00
    await checked_in(demo, clock, 1, start=1, session="08:00")  # A-002, 08:00
    await checked_in(
        demo, clock, 1, start=2, session="09:00", category="priority", priority_reason="pregnant"
    )
    clock.now = at(8, 40)
    await checked_in(demo, clock, 1, start=3, session="08:00")  # late for 08:00
    await open_station(demo, "INT1", "budi", clock())
    order = []
    for _ in range(4):
        called = await floor.call_next(demo, "PLG", "INT1", officer="budi", now=clock())
        assert called is not None
        order.append(called.ticket)
        if called.ticket == "A-001":
            with pytest.raises(Conflict):
                await floor.mark_no_show(demo, "PLG", "INT1", officer="budi", policy=POLICY, now=clock())
            await floor.recall(demo, "PLG", "INT1", officer="budi", policy=POLICY, now=clock())
            await floor.recall(demo, "PLG", "INT1", officer="budi", policy=POLICY, now=clock())
            with pytest.raises(Conflict):
                await floor.recall(demo, "PLG", "INT1", officer="budi", policy=POLICY, now=clock())
            await floor.mark_no_show(demo, "PLG", "INT1", officer="budi", policy=POLICY, now=clock())
        else:
            with pytest.raises(Conflict) as busy:
                await floor.call_next(demo, "PLG", "INT1", officer="budi", now=clock())
            assert busy.value.code == "station_busy"
            await floor.complete_stage(
                demo, "PLG", "INT1", "done", officer="budi", policy=POLICY, now=clock()
            )
    assert order == ["B-001", "A-002", "A-001", "A-003"]
    assert await floor.call_next(demo, "PLG", "INT1", officer="budi", now=clock()) is None
    history = await floor_views.ticket_history(demo, "PLG", DAY, "B-001")
    moves = [(m["from"], m["to"], m["actor"], m["station"]) for m in history["transitions"]]
    assert moves == [
        (None, "checked_in", "kiosk", None),
        ("checked_in", "intake", "budi", "INT1"),
        ("intake", "biometrics", "budi", "INT1"),
    ]


async def test_the_whole_journey_sets_the_due_date_on_the_working_calendar(demo: Database) -> None:
    from loket.services.offices import declare_closure

    clock = FrozenClock(at(7, 50))
    await declare_closure(demo, "PLG", date(2018, 1, 1), date(2018, 1, 1), "Tutup", actor="t", now=clock())
    await checked_in(demo, clock, 1)
    for station, kind_officer in (("INT1", "budi"), ("BIO1", "sari"), ("APP1", "agus"), ("PRI1", "made")):
        await open_station(demo, station, kind_officer, clock())
    steps = [("INT1", "budi"), ("BIO1", "sari"), ("APP1", "agus"), ("PRI1", "made"), ("PRI1", "made")]
    for station, officer in steps:
        called = await floor.call_next(demo, "PLG", station, officer=officer, now=clock())
        assert called is not None, station
        clock.advance(minutes=5)
        done = await floor.complete_stage(
            demo, "PLG", station, "done", officer=officer, policy=POLICY, now=clock()
        )
    assert done.to_stage == "ready"
    history = await floor_views.ticket_history(demo, "PLG", DAY, "A-001")
    # Biometrics done on Fri 29 Dec; then 2, 3, 4, 5 January (the 1st closed, weekend skipped).
    assert history["due_date"] == "2018-01-05"
    figures = await floor_views.stats(demo, "PLG", DAY, clock())
    intake = next(s for s in figures["stages"] if s["stage"] == "intake")
    assert intake["served"] == 1 and intake["service_mean_s"] == 300.0


async def test_incomplete_dossier_lists_documents_and_illegal_moves_are_refused(demo: Database) -> None:
    clock = FrozenClock(at(7, 50))
    await checked_in(demo, clock, 1)
    await open_station(demo, "INT1", "budi", clock())
    await floor.call_next(demo, "PLG", "INT1", officer="budi", now=clock())
    with pytest.raises(Exception):  # noqa: B017 - the checklist is required
        await floor.complete_stage(
            demo, "PLG", "INT1", "incomplete", officer="budi", policy=POLICY, now=clock()
        )
    with pytest.raises(Conflict):
        await floor.complete_stage(demo, "PLG", "INT1", "reprint", officer="budi", policy=POLICY, now=clock())
    done = await floor.complete_stage(
        demo,
        "PLG",
        "INT1",
        "incomplete",
        officer="budi",
        policy=POLICY,
        now=clock(),
        missing_documents=["kk"],
    )
    assert done.to_stage == "incomplete"
    history = await floor_views.ticket_history(demo, "PLG", DAY, "A-001")
    assert history["missing_documents"] == ["kk"] and history["queue_state"] == "away"


async def test_a_station_down_returns_its_applicant_and_others_serve_the_queue(demo: Database) -> None:
    clock = FrozenClock(at(7, 50))
    await checked_in(demo, clock, 2)
    for station in ("INT1", "BIO1", "BIO2"):
        await open_station(demo, station, station.lower(), clock())
    for _ in range(2):
        await floor.call_next(demo, "PLG", "INT1", officer="int1", now=clock())
        await floor.complete_stage(demo, "PLG", "INT1", "done", officer="int1", policy=POLICY, now=clock())
    first = await floor.call_next(demo, "PLG", "BIO1", officer="bio1", now=clock())
    assert first is not None and first.ticket == "A-001"
    with pytest.raises(Conflict):
        await station_service.set_station_state(demo, "PLG", "BIO1", "down", officer="bio1", now=clock())
    await station_service.set_station_state(
        demo, "PLG", "BIO1", "down", officer="bio1", now=clock(), reason="Kamera rusak"
    )
    board = await floor_views.board(demo, "PLG", clock())
    assert "BIO1" not in [c["station"] for c in board["counters"]]
    queue = await floor_views.queue(demo, "PLG", "biometrics", clock())
    assert [q["ticket"] for q in queue] == ["A-001", "A-002"]  # A-001 keeps its place
    again = await floor.call_next(demo, "PLG", "BIO2", officer="bio2", now=clock())
    assert again is not None and again.ticket == "A-001"
    figures = await floor_views.stats(demo, "PLG", DAY, clock())
    assert figures["down"][0]["reason"] == "Kamera rusak" and figures["stations"]["down"] == 1
    await station_service.set_station_state(demo, "PLG", "BIO1", "open", officer="bio1", now=clock())
    resumed = await floor.call_next(demo, "PLG", "BIO1", officer="bio1", now=clock())
    assert resumed is not None and resumed.ticket == "A-002"


async def test_transfer_keeps_the_place_and_goes_to_the_chosen_station(demo: Database) -> None:
    clock = FrozenClock(at(7, 50))
    await checked_in(demo, clock, 2)
    for station in ("INT1", "INT2"):
        await open_station(demo, station, station.lower(), clock())
    await floor.call_next(demo, "PLG", "INT1", officer="int1", now=clock())
    await floor.transfer(demo, "PLG", "INT1", officer="int1", now=clock(), to_station="INT2", reason="Bahasa")
    other = await floor.call_next(demo, "PLG", "INT1", officer="int1", now=clock())
    assert other is not None and other.ticket == "A-002"
    moved = await floor.call_next(demo, "PLG", "INT2", officer="int2", now=clock())
    assert moved is not None and moved.ticket == "A-001"
