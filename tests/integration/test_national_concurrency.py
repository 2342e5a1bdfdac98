"""National administration writes at once (docs/locking.md, issue 15): the advisory lock makes the
later of two wait and read what the earlier committed, on PostgreSQL (and BEGIN IMMEDIATE on SQLite)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path

from loket.domain.errors import Conflict
from loket.services import fees, national_calendar, office_files
from loket.store.database import Database

DJJ = (Path(__file__).parents[1] / "e2e" / "data" / "djj.yaml").read_text()
NOW = datetime(2026, 12, 21, 0, 0, tzinfo=UTC)


async def test_imports_of_one_new_office_at_once_create_it_once(db: Database) -> None:
    outcomes = await asyncio.gather(
        *(office_files.import_offices(db, DJJ, actor=f"t{i}", now=NOW) for i in range(4))
    )
    assert sorted(len(o.created) for o in outcomes) == [0, 0, 0, 1]
    assert sum(len(o.unchanged) for o in outcomes) == 3


async def test_holiday_decisions_and_tariffs_at_once(db: Database) -> None:
    await office_files.import_offices(db, DJJ, actor="t", now=NOW)
    await asyncio.gather(
        *(
            national_calendar.add_holiday(db, date(2026, 12, 28), f"Cuti bersama {i}", actor="t", now=NOW)
            for i in range(4)
        )
    )
    assert len(await national_calendar.holiday_overrides(db)) == 1
    results = await asyncio.gather(
        *(
            fees.add_tariff(
                db,
                product="regular",
                validity_years=5,
                amount=350_000 + i,
                effective_from=date(2024, 12, 17),
                basis="PP 45/2024",
                actor="t",
                now=NOW,
            )
            for i in range(3)
        ),
        return_exceptions=True,
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert sorted(r.code for r in results if isinstance(r, Conflict)) == ["tariff_exists", "tariff_exists"]
