"""Daily application history in the database, on SQLite and PostgreSQL: import, collection from
bookings, the synthetic demo history, and quotas written from a capacity plan."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from loket.clock import FrozenClock
from loket.domain.errors import InvalidInput, NotFound
from loket.services import history as history_service
from loket.services.booking import cancel_booking
from loket.services.catalog import Catalog
from loket.services.planning import QuotaChange, QuotaReport, apply_quotas, planning_inputs
from loket.settings import Settings
from loket.store.database import Database
from loket.store.tables import audit_log, daily_applications, day_quotas

from .floor_helpers import book_and_pay

NOW = datetime(2018, 1, 8, 3, 0, tzinfo=UTC)  # a Monday after the year-end closure


async def _rows(db: Database, office: str = "PLG") -> dict[date, tuple[int, str]]:
    async with db.read() as conn:
        found = await conn.execute(
            select(daily_applications.c.day, daily_applications.c.count, daily_applications.c.source).where(
                daily_applications.c.office_code == office
            )
        )
        return {day: (count, source) for day, count, source in found}


async def _audits(db: Database, action: str) -> int:
    async with db.read() as conn:
        query = select(func.count()).select_from(audit_log).where(audit_log.c.action == action)
        return int((await conn.execute(query)).scalar_one())


async def test_demo_load_adds_the_synthetic_history_once(demo: Database, clock: FrozenClock) -> None:
    rows = await _rows(demo)
    assert len(rows) == 1565 and {s for _, s in rows.values()} == {"synthetic"}
    assert min(rows) == date(2012, 1, 2) and max(rows) == date(2017, 12, 29)
    history, label = await history_service.read_history(demo, "PLG")
    assert history.synthetic and history.weekdays_only and "synthetic" in label
    from loket.services.demo import load_demo

    await load_demo(demo, now=clock())  # again: nothing new
    assert len(await _rows(demo)) == 1565
    assert await _audits(demo, "history.synthetic") == 1


async def test_import_is_idempotent_and_replaces_days(demo: Database) -> None:
    text = "date,count\n2018-01-02,180\n2018-01-03,175\n2017-12-29,201\n"
    first = await history_service.import_history(demo, text, office="PLG", actor="t", now=NOW)
    assert first.offices == {"PLG": 3} and first.replaced == 1  # 29 Dec was a synthetic day
    again = await history_service.import_history(demo, text, office="plg", actor="t", now=NOW)
    assert again.replaced == 3
    rows = await _rows(demo)
    assert rows[date(2018, 1, 2)] == (180, "import") and rows[date(2017, 12, 29)] == (201, "import")
    assert len(rows) == 1565 + 2
    assert await _audits(demo, "history.import") == 2


async def test_import_with_an_office_column(demo: Database) -> None:
    text = "office,date,count\nPLG,2018-01-02,180\nDPS,2018-01-02,90\nDPS,2018-01-03,95\n"
    both = await history_service.import_history(demo, text, office=None, actor="t", now=NOW)
    assert both.offices == {"DPS": 2, "PLG": 1}
    only = await history_service.import_history(demo, text, office="DPS", actor="t", now=NOW)
    assert only.offices == {"DPS": 2} and only.skipped_other_offices == 1
    assert (await _rows(demo, "DPS"))[date(2018, 1, 3)] == (95, "import")


@pytest.mark.parametrize(
    ("text", "code", "field", "line"),
    [
        ("date,count\n2018-01-02,180\n2018-01-33,10\n", "history_date", "date", 3),
        ("date,count\n2018-01-02,180\n2018-01-03,-4\n", "history_count", "count", 3),
        ("date,count\n2018-01-02,1.5\n", "history_count", "count", 2),
        ("date,count\n2018-01-02,180\n2018-01-02,181\n", "history_duplicate", "date", 3),
        ("day,n\n2018-01-02,180\n", "history_columns", "file", None),
        ("date,count\n", "history_empty", "file", None),
    ],
)
async def test_bad_input_names_line_and_field_and_changes_nothing(
    demo: Database, text: str, code: str, field: str, line: int | None
) -> None:
    before = await _rows(demo)
    with pytest.raises(InvalidInput) as raised:
        await history_service.import_history(demo, text, office="PLG", actor="t", now=NOW)
    assert raised.value.code == code and raised.value.field == field
    if line is not None:
        assert raised.value.params["line"] == line and f"Line {line}" in str(raised.value)
    assert await _rows(demo) == before
    assert await _audits(demo, "history.import") == 0


async def test_an_unknown_office_in_the_file_writes_nothing(demo: Database) -> None:
    text = "office,date,count\nPLG,2018-01-02,180\nXYZ,2018-01-02,5\n"
    with pytest.raises(NotFound):
        await history_service.import_history(demo, text, office=None, actor="t", now=NOW)
    assert date(2018, 1, 2) not in await _rows(demo)
    with pytest.raises(InvalidInput) as raised:
        await history_service.import_history(
            demo, "date,count\n2018-01-02,1\n", office=None, actor="t", now=NOW
        )
    assert raised.value.code == "history_office"


async def test_collect_counts_bookings_but_not_cancelled_ones(demo: Database) -> None:
    codes = [await book_and_pay(demo, i) for i in range(4)]
    await cancel_booking(
        demo, Catalog(ttl=0), codes[0][0], codes[0][1], datetime(2017, 12, 28, 2, 0, tzinfo=UTC)
    )
    # 29 Dec holds a synthetic row; collected days replace it, imported days are kept.
    await history_service.import_history(
        demo, "date,count\n2017-12-27,150\n", office="PLG", actor="t", now=NOW
    )
    done = await history_service.collect_from_bookings(
        demo, "PLG", first=date(2017, 12, 27), last=date(2018, 1, 5), actor="t", now=NOW
    )
    rows = await _rows(demo)
    assert rows[date(2017, 12, 29)] == (3, "bookings")
    assert rows[date(2017, 12, 27)] == (150, "import") and done.kept_imported == 1
    # Service days without a booking are real zeros; closed days (1 Jan, the weekend) get no row.
    assert rows[date(2018, 1, 2)] == (0, "bookings")
    assert date(2018, 1, 1) not in rows and date(2017, 12, 30) not in rows
    assert done.applications == 3
    assert await _audits(demo, "history.collect") == 1
    with pytest.raises(InvalidInput):
        await history_service.collect_from_bookings(demo, "PLG", last=date(2018, 1, 8), actor="t", now=NOW)


async def test_planning_reads_the_stored_history_and_defaults(demo: Database, clock: FrozenClock) -> None:
    inputs = await planning_inputs(demo, "PLG", Settings(), now=clock())
    assert inputs.fitted.source == "defaults"
    assert [(s.name, s.stations) for s in inputs.model.stages] == [
        ("intake", 4),
        ("biometrics", 3),
        ("approval", 1),
    ]
    assert inputs.model.closes_on(date(2017, 12, 29)) == 16 * 60 + 30
    assert "synthetic" in inputs.loaded.source and len(inputs.loaded.history) == 1565


async def test_apply_quotas_writes_overrides_and_reports_booked_days(
    demo: Database, clock: FrozenClock
) -> None:
    await book_and_pay(demo, 0)  # one regular place taken on 29 Dec
    report = QuotaReport(
        "PLG",
        [
            QuotaChange(date(2017, 12, 27), "regular", 150, "proposed"),
            QuotaChange(date(2017, 12, 28), "regular", 136, "proposed"),
            QuotaChange(date(2017, 12, 29), "regular", 0, "proposed"),
            QuotaChange(date(2017, 12, 29), "express", 28, "proposed"),
        ],
    )
    done = await apply_quotas(demo, Catalog(ttl=0), report, actor="sari", now=clock())
    assert [c.status for c in done.changes] == ["past", "applied", "below_booked", "applied"]
    assert done.changes[2].booked == 1
    async with demo.read() as conn:
        found = await conn.execute(
            select(
                day_quotas.c.day, day_quotas.c.category, day_quotas.c.capacity, day_quotas.c.overridden
            ).where(day_quotas.c.office_code == "PLG", day_quotas.c.overridden.is_(True))
        )
        overrides = {(d, c): cap for d, c, cap, _ in found}
    assert overrides == {(date(2017, 12, 28), "regular"): 136, (date(2017, 12, 29), "express"): 28}
    assert await _audits(demo, "quota.day") == 2


async def test_the_demo_history_reaches_the_office_yesterday(demo: Database) -> None:
    # Loaded again on a later day, the demo fills the days up to that office's yesterday.
    later = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)  # Wednesday 10:00 WIB
    added = await history_service.load_synthetic_history(demo, "PLG", actor="t", now=later)
    rows = await _rows(demo)
    assert max(rows) == date(2026, 12, 1) and added == len(rows) - 1565
    assert rows[date(2017, 12, 29)][1] == "synthetic"
