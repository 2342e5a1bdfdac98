"""`loket history` and `loket quota plan` as a supervisor runs them, on both databases."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from loket.cli import app
from loket.cli import history as history_commands
from loket.cli import quota as quota_commands
from loket.store.database import Database
from loket.store.tables import daily_applications, day_quotas

runner = CliRunner()
STORY_NOW = datetime(2017, 12, 28, 1, 30, tzinfo=UTC)  # Thursday 28 Dec 2017, 08:30 WIB


def _run(db_url: str, work):  # type: ignore[no-untyped-def]
    async def go():  # type: ignore[no-untyped-def]
        db = Database.unpooled(db_url)
        try:
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(go())


@pytest.fixture
def demo_db(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    # The demo came loaded at the `clock` fixture's time, which is STORY_NOW.
    monkeypatch.setenv("LOKET_DATABASE_URL", demo_url)
    # Errors speak the terminal's language; these tests read the English messages.
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    monkeypatch.setattr(history_commands, "utcnow", lambda: STORY_NOW)
    monkeypatch.setattr(quota_commands, "utcnow", lambda: STORY_NOW)
    return demo_url


def _count(db_url: str, day: date) -> tuple[int, str] | None:
    async def read(db: Database) -> tuple[int, str] | None:
        async with db.read() as conn:
            row = (
                await conn.execute(
                    select(daily_applications.c.count, daily_applications.c.source).where(
                        daily_applications.c.office_code == "PLG", daily_applications.c.day == day
                    )
                )
            ).first()
            return None if row is None else (row[0], row[1])

    return _run(db_url, read)  # type: ignore[no-any-return]


def test_history_import_twice_and_a_bad_file(demo_db: str, tmp_path: Path) -> None:
    good = tmp_path / "plg.csv"
    good.write_text("date,count\n2017-12-29,204\n2018-01-02,190\n", encoding="utf-8")
    first = runner.invoke(app, ["history", "import", str(good), "--office", "PLG"])
    assert first.exit_code == 0, first.output
    assert "PLG: 2 days imported" in first.output and "replaced 1 days" in first.output
    again = runner.invoke(app, ["history", "import", str(good), "--office", "PLG"])
    assert again.exit_code == 0 and "replaced 2 days" in again.output
    assert _count(demo_db, date(2017, 12, 29)) == (204, "import")
    bad = tmp_path / "bad.csv"
    bad.write_text("date,count\n2018-01-03,100\n2018-01-04,seratus\n", encoding="utf-8")
    refused = runner.invoke(app, ["history", "import", str(bad), "--office", "PLG"])
    assert refused.exit_code == 2
    assert "history_count" in refused.output and "Line 3" in refused.output
    assert _count(demo_db, date(2018, 1, 3)) is None  # nothing written
    shown = runner.invoke(app, ["history", "show", "--office", "PLG"], env={"COLUMNS": "200"})
    assert "synthetic" in shown.output and "imported" in shown.output


def test_history_collect_without_bookings(demo_db: str) -> None:
    done = runner.invoke(app, ["history", "collect", "--office", "PLG"])
    assert done.exit_code == 0, done.output
    assert "no bookings to collect" in done.output


def test_quota_plan_proposes_then_applies(demo_db: str) -> None:
    args = ["quota", "plan", "--office", "PLG", "--from", "2017-12-18", "--to", "2017-12-29", "--json"]
    proposed = runner.invoke(app, args)
    assert proposed.exit_code == 0, proposed.output
    data = json.loads(proposed.stdout)
    assert data["service_times_source"] == "defaults" and "synthetic" in data["source"]
    assert {q["status"] for q in data["quotas"]} == {"proposed"} and data["applied"] == 0
    assert len(data["quotas"]) == 8 * 3  # 8 service days (23-26 Dec closed), three categories
    applied = runner.invoke(app, [*args, "--apply"])
    assert applied.exit_code == 0, applied.output
    done = json.loads(applied.stdout)
    assert done["applied"] == 6  # 28 and 29 Dec; the days before are past
    assert {r["status"] for r in done["refused"]} == {"past"}

    async def overrides(db: Database) -> dict[tuple[date, str], int]:
        async with db.read() as conn:
            rows = await conn.execute(
                select(day_quotas.c.day, day_quotas.c.category, day_quotas.c.capacity).where(
                    day_quotas.c.office_code == "PLG", day_quotas.c.overridden.is_(True)
                )
            )
            return {(d, c): cap for d, c, cap in rows}

    written = _run(demo_db, overrides)
    wanted = {
        (date.fromisoformat(q["date"]), q["category"]): q["capacity"]
        for q in done["quotas"]
        if q["status"] == "applied"
    }
    assert written == wanted and len(written) == 6
    table = runner.invoke(app, args[:-1], env={"COLUMNS": "200"})
    assert "2017-12-29" in table.output and "--apply" in table.output
