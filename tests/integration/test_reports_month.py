"""The service report of December 2017 in Palembang against figures the test computes itself.

`report_month.december` makes the month through the real services (bookings, payments, check-ins,
every call and stage, a no-show, an incomplete dossier, a priority walk-in, the photo device down
twice, the evening print run of 28 December, hand-overs and survey answers) and keeps a ledger
of what it did. The expected figures below come from that ledger with plain arithmetic (numpy for
percentiles), never from the report code. Both databases.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import numpy as np
import pytest

from loket.services.reports import build_service_report
from loket.store.database import Database

from .report_month import CLOSES, Ledger, Visit, december, wib

FIRST, LAST = date(2017, 12, 1), date(2017, 12, 31)
NOW = wib(date(2018, 1, 2), 10)
TODAY = date(2018, 1, 2)
HOLIDAYS = {date(2017, 12, 1), date(2017, 12, 25), date(2017, 12, 26), date(2018, 1, 1)}
KIND_OF_STAGE = {
    "intake": "intake",
    "biometrics": "biometrics",
    "approval": "approval",
    "printing": "printing",
    "quality_check": "printing",
}
KIND_OF_STATION = {"INT1": "intake", "BIO1": "biometrics", "APP1": "approval", "PRI1": "printing"}


def _in_month(at: datetime) -> bool:
    return FIRST <= (at + timedelta(hours=7)).date() <= LAST


def expected_stage(ledger: Ledger, stage: str) -> dict[str, object]:
    visits = [v for v in ledger.visits() if v.stage == stage and _in_month(v.queued_at)]
    waits = [(v.called_at - v.queued_at).total_seconds() for v in visits if v.called_at]
    services = [
        (v.finished_at - v.called_at).total_seconds()
        for v in visits
        if v.called_at and v.finished_at and v.outcome != "no_show"
    ]
    return {
        "visits": len(visits),
        "served": len(services),
        "wait_mean": float(np.mean(waits)) if waits else None,
        "wait_p50": float(np.percentile(waits, 50)) if waits else None,
        "wait_p90": float(np.percentile(waits, 90)) if waits else None,
        "service_mean": float(np.mean(services)) if services else None,
        "service_p90": float(np.percentile(services, 90)) if services else None,
    }


def _overlaps_downtime(ledger: Ledger, v: Visit) -> bool:
    until = v.finished_at or NOW
    return any(
        KIND_OF_STATION[station] == KIND_OF_STAGE[v.stage] and start < until and v.queued_at < end
        for station, start, end, _ in ledger.downtime
    )


def expected_breaches(ledger: Ledger) -> dict[str, tuple[int, tuple[str, ...]]]:
    """Per person whose due date is in December and who was not ready by then: days late and causes."""
    found = {}
    for name, p in ledger.people.items():
        if p.due is None or not FIRST <= p.due <= LAST or (p.ready_on and p.ready_on <= p.due):
            continue
        stop = p.ready_on or TODAY
        late = sum(1 for d in _service_days_between(p.due, stop))
        causes = []
        if p.incomplete_docs:
            causes.append("incomplete_dossier")
        if any(_overlaps_downtime(ledger, v) for v in p.visits):
            causes.append("device_down")
        assert p.clock_start is not None
        if any(p.clock_start < d <= stop for d in HOLIDAYS):
            causes.append("holiday_backlog")
        found[name] = (late, tuple(causes) or ("other",))
    return found


def _service_days_between(start: date, end: date) -> list[date]:
    from .report_month import SERVICE_DAYS

    return [d for d in SERVICE_DAYS if start < d <= end]


def expected_overtime(ledger: Ledger) -> dict[date, tuple[int, float]]:
    last: dict[tuple[date, str], datetime] = {}
    for v in ledger.visits():
        if v.finished_at and v.station:
            key = ((v.finished_at + timedelta(hours=7)).date(), v.station)
            last[key] = max(last.get(key, v.finished_at), v.finished_at)
    per_day: dict[date, tuple[int, float]] = {}
    for (day, _station), finished in last.items():
        hour, minute = CLOSES[day.weekday()]
        over = (finished - wib(day, hour, minute)).total_seconds() / 3600
        if over > 0:
            stations, hours = per_day.get(day, (0, 0.0))
            per_day[day] = (stations + 1, hours + over)
    return per_day


def expected_ikm(answers: list[tuple[int, ...]]) -> float:
    means = [sum(a[i] for a in answers) / len(answers) for i in range(9)]
    return sum(m / 9 for m in means) * 25


@pytest.mark.slow
async def test_december_service_report_matches_the_ledger(db: Database, clock) -> None:  # type: ignore[no-untyped-def]
    from loket.services.demo import load_demo

    await load_demo(db, now=clock())
    ledger = await december(db)
    report = await build_service_report(db, "PLG", FIRST, LAST, now=NOW)
    people = ledger.people

    # Applications by service and product: paid bookings of the month, plus walk-ins.
    cells: Counter[tuple[str, str]] = Counter()
    checked: Counter[tuple[str, str]] = Counter()
    absent: Counter[tuple[str, str]] = Counter()
    for p in people.values():
        if not p.paid:
            continue
        cells[(p.service, p.product)] += 1
        if p.ticket:
            checked[(p.service, p.product)] += 1
        elif p.day < TODAY:
            absent[(p.service, p.product)] += 1
    assert {(r.service, r.product): r.applications for r in report.applications} == dict(cells)
    assert {(r.service, r.product): r.checked_in for r in report.applications} == {
        k: checked[k] for k in cells
    }
    assert {(r.service, r.product): r.no_show for r in report.applications} == {k: absent[k] for k in cells}
    assert report.total_applications == 13 == sum(cells.values())
    assert report.check_ins == sum(1 for p in people.values() if p.ticket) == 12
    assert report.walk_ins == 1
    assert report.no_shows == sum(absent.values()) == 1
    assert report.absent_when_called == sum(1 for v in ledger.visits() if v.outcome == "no_show") == 1
    assert report.incomplete == 1
    docs = Counter(d for p in people.values() for d in p.incomplete_docs)
    assert report.missing_documents == dict(docs) == {"kk": 1, "birth_certificate": 1}

    # Waiting and service time per stage.
    for row in report.stages:
        want = expected_stage(ledger, row.stage)
        assert (row.visits, row.served) == (want["visits"], want["served"]), row.stage
        for got, key in (
            (row.wait_mean_s, "wait_mean"),
            (row.wait_p50_s, "wait_p50"),
            (row.wait_p90_s, "wait_p90"),
            (row.service_mean_s, "service_mean"),
            (row.service_p90_s, "service_p90"),
        ):
            assert got == pytest.approx(want[key]), (row.stage, key)
    intake = next(r for r in report.stages if r.stage == "intake")
    assert intake.visits == 12 and intake.served == 11  # the absent applicant was not served
    assert intake.wait_target_s == 30 * 60 and intake.target_default

    # SLA: due in December, ready by the due day; the two breaches and their causes.
    due = [p for p in people.values() if p.due and FIRST <= p.due <= LAST]
    on_time = [p for p in due if p.ready_on and p.ready_on <= p.due]
    assert (report.sla.due, report.sla.on_time, report.sla.late) == (
        len(due),
        len(on_time),
        len(due) - len(on_time),
    )
    assert report.sla.share == pytest.approx(3 / 5)
    breaches = expected_breaches(ledger)
    got = {b.booking_code: (b.working_days_late, b.causes) for b in report.sla.breaches}
    assert got == {people[name].code: want for name, want in breaches.items()}
    assert breaches == {"a1": (1, ("other",)), "a8": (1, ("device_down", "holiday_backlog"))}

    # Overtime: the evening of 28 December.
    overtime = expected_overtime(ledger)
    assert [(d.day, d.stations) for d in report.overtime] == [
        (day, n) for day, (n, _h) in sorted(overtime.items())
    ]
    assert report.overtime_hours == pytest.approx(sum(h for _n, h in overtime.values()))
    assert report.overtime_hours == pytest.approx(0.25 + 0.5 + (2 + 55 / 60))
    assert report.overtime[0].last_finish.strftime("%H:%M") == "18:55"

    # Stations' downtime: the photo device, twice.
    assert [(d.station_code, d.reason) for d in report.downtime] == [
        (s, r) for s, _a, _b, r in ledger.downtime
    ]
    assert report.downtime_hours == pytest.approx(
        sum((end - start).total_seconds() for _s, start, end, _r in ledger.downtime) / 3600
    )
    assert report.downtime_hours == pytest.approx(4.0)

    # The satisfaction survey answered after collection.
    assert report.ikm is not None and report.ikm.result is not None
    assert report.ikm.result.respondents == len(ledger.answers) == 3
    assert report.ikm.result.converted == pytest.approx(expected_ikm(ledger.answers))
    assert [c for _d, c in report.ikm.comments] == ledger.comments
    assert report.ikm.invited == 3

    # Per day: the story's day.
    story = next(d for d in report.days if d.day == date(2017, 12, 28))
    assert (story.applications, story.check_ins, story.no_shows) == (3, 3, 0)
