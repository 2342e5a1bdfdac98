"""Offices as files on both databases: import, export, re-import; every mistake at once and
nothing written; a change that would drop booked places refused; tariffs superseded, never edited;
the national calendar applied to every office."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from loket.clock import FrozenClock
from loket.domain.errors import Conflict, NotFound
from loket.services import fees, national_calendar, office_files, offices
from loket.services.catalog import Catalog
from loket.settings import Settings
from loket.store.database import Database
from loket.store.tables import audit_log
from loket.testing.applicants import applicant
from loket.web.app import create_app

DJJ = (Path(__file__).parents[1] / "e2e" / "data" / "djj.yaml").read_text()
NOW = datetime(2026, 12, 21, 0, 0, tzinfo=UTC)


async def test_import_export_reimport_round_trips(db: Database) -> None:
    first = await office_files.import_offices(db, DJJ, actor="t", now=NOW)
    assert first.created == ["DJJ"]
    again = await office_files.import_offices(db, DJJ, actor="t", now=NOW)
    assert (again.created, again.updated, again.unchanged) == ([], [], ["DJJ"])
    exported = await office_files.export_office(db, "DJJ")
    assert exported["time_zone"] == "Asia/Jayapura"
    assert exported["hours"]["fri"] == "08:00-16:30" and "sat" not in exported["hours"]
    assert [s["stage"] for s in exported["stations"]] == ["intake", "intake", "biometrics", "approval"]
    assert exported["quota"]["regular"]["fri"] == 50
    assert exported["closures"] == [{"from": "2026-12-31", "to": "2026-12-31", "reason": "Tutup akhir tahun"}]
    for fmt in ("yaml", "json"):
        text = office_files.export_text(exported, fmt)
        assert (await office_files.import_offices(db, text, actor="t", now=NOW)).unchanged == ["DJJ"]

    # A changed export is an update, and exports back to what was imported.
    exported["name"] = "Kantor Imigrasi Jayapura"
    exported["stations"].append({"code": "PRN1", "name": "Cetak 1", "stage": "printing", "number": 5})
    exported["extra_days"] = [{"date": "2027-01-09", "reason": "Layanan Sabtu"}]
    changed = office_files.export_text(exported)
    assert (await office_files.import_offices(db, changed, actor="t", now=NOW)).updated == ["DJJ"]
    assert await office_files.export_office(db, "DJJ") == exported
    due = await offices.due_date(db, "DJJ", date(2027, 1, 7), 2)
    assert due == date(2027, 1, 9)  # the Saturday session counts


async def test_three_mistakes_three_paths_nothing_written(db: Database) -> None:
    bad = (
        "- "
        + DJJ.replace("\n", "\n  ").rstrip()
        + "\n- {code: DPS, name: Denpasar, time_zone: Asia/Makassar,"
        + " sessions: ['08:00-09:00', '08:30-09:30'],"
        + " stations: [{code: A, name: A, stage: intake}, {code: A, name: B, stage: intake}]}\n"
    )
    with pytest.raises(office_files.OfficeFileInvalid) as caught:
        await office_files.import_offices(
            db, bad.replace("stage: biometrics", "stage: foto"), actor="t", now=NOW
        )
    assert [p.text() for p in caught.value.problems] == [
        '[0].stations[2].stage: unknown stage "foto"'
        " (choose one of: intake, biometrics, approval, printing, collection)"
    ]
    # Shape is fine, meaning is not: the second office's two mistakes, and the valid first is not written.
    with pytest.raises(office_files.OfficeFileInvalid) as caught:
        await office_files.import_offices(
            db, bad.replace('fri: "08:00-16:30"', 'fri: "16:30-08:00"'), actor="t", now=NOW
        )
    assert [p.path for p in caught.value.problems] == [
        "[0].hours.fri",
        "[1].sessions[1]",
        "[1].stations[1].code",
    ]
    assert await offices.list_offices(db) == []


async def test_a_session_with_bookings_is_not_removed(
    demo: Database, demo_url: str, clock: FrozenClock
) -> None:
    app = create_app(Settings(database_url=demo_url), db=demo, clock=clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        http.cookies.set("loket_csrf", "x" * 40, domain="t")
        made = await http.post(
            "/api/v1/offices/PLG/bookings",
            json=applicant(7).booking_body(date(2017, 12, 29), session="14:00"),
            headers={"X-CSRF-Token": "x" * 40},
        )
    assert made.status_code == 201, made.text
    code = made.json()["booking_code"]
    doc = await office_files.export_office(demo, "PLG")
    doc["sessions"] = [s for s in doc["sessions"] if not s.startswith("14:00")]
    with pytest.raises(Conflict) as caught:
        await office_files.import_offices(demo, office_files.export_text(doc), actor="t", now=clock())
    assert caught.value.code == "session_has_bookings" and code in caught.value.extra["bookings"]
    assert any(s.startswith("14:00") for s in (await office_files.export_office(demo, "PLG"))["sessions"])
    moved = {**(await office_files.export_office(demo, "PLG")), "time_zone": "Asia/Makassar"}
    with pytest.raises(Conflict) as zone:
        await office_files.import_offices(demo, office_files.export_text(moved), actor="t", now=clock())
    assert zone.value.code == "timezone_has_bookings" and code in zone.value.extra["bookings"]


async def test_a_tariff_in_force_is_superseded_never_edited(db: Database) -> None:
    first = dict(product="regular", validity_years=5, basis="PP 45/2024", actor="t", now=NOW)
    await fees.add_tariff(db, amount=350_000, effective_from=date(2024, 12, 17), **first)  # type: ignore[arg-type]
    with pytest.raises(Conflict) as same_day:
        await fees.add_tariff(db, amount=400_000, effective_from=date(2024, 12, 17), **first)  # type: ignore[arg-type]
    with pytest.raises(Conflict) as past:
        await fees.add_tariff(db, amount=400_000, effective_from=date(2026, 1, 1), **first)  # type: ignore[arg-type]
    assert (same_day.value.code, past.value.code) == ("tariff_exists", "tariff_in_force")
    await fees.add_tariff(db, amount=400_000, effective_from=date(2027, 1, 1), **first)  # type: ignore[arg-type]
    on_new_year = await fees.list_tariffs(db, on=date(2027, 1, 1), now=NOW)
    today = await fees.list_tariffs(db, on=None, now=NOW)
    assert [(t.amount, t.in_force) for t in on_new_year] == [(400_000, True)]
    assert [(t.amount, t.in_force) for t in today] == [(350_000, True), (400_000, False)]


async def test_the_national_calendar_moves_every_office(db: Database) -> None:
    await office_files.import_offices(db, DJJ, actor="t", now=NOW)
    await office_files.import_offices(
        db,
        DJJ.replace("code: DJJ", "code: DPS")
        .replace("Asia/Jayapura", "Asia/Makassar")
        .replace('closures:\n  - {from: "2026-12-31", to: "2026-12-31", reason: "Tutup akhir tahun"}\n', ""),
        actor="t",
        now=NOW,
    )
    catalog = Catalog(ttl=60)
    before = (await catalog.get(db, "DPS")).calendar
    assert before.is_service_day(date(2026, 12, 28))
    await national_calendar.add_holiday(
        db, date(2026, 12, 28), "Cuti bersama tambahan", actor="t", now=NOW, catalog=catalog
    )
    # The cached calendar is forgotten at commit: the next read has the day off, in every office.
    assert not (await catalog.get(db, "DPS")).calendar.is_service_day(date(2026, 12, 28))
    assert await offices.due_date(db, "DJJ", date(2026, 12, 22), 4) == date(2027, 1, 4)
    assert await offices.due_date(db, "DPS", date(2026, 12, 22), 4) == date(2026, 12, 31)
    # Cancelling a listed day: Christmas Eve's cuti bersama becomes a working day.
    assert await national_calendar.remove_holiday(db, date(2026, 12, 24), actor="t", now=NOW) == "cancelled"
    assert await offices.due_date(db, "DPS", date(2026, 12, 22), 1) == date(2026, 12, 23)
    assert await offices.due_date(db, "DPS", date(2026, 12, 23), 1) == date(2026, 12, 24)
    with pytest.raises(NotFound):
        await national_calendar.remove_holiday(db, date(2026, 12, 29), actor="t", now=NOW)
    assert [(o.day, o.day_off) for o in await national_calendar.holiday_overrides(db)] == [
        (date(2026, 12, 24), False),
        (date(2026, 12, 28), True),
    ]
    async with db.read() as conn:
        audited = await conn.execute(
            select(audit_log.c.action, audit_log.c.subject)
            .where(audit_log.c.office_code == "*", audit_log.c.action.like("calendar.%"))
            .order_by(audit_log.c.at, audit_log.c.subject)
        )
        assert sorted(map(tuple, audited)) == [
            ("calendar.holiday_add", "2026-12-28"),
            ("calendar.holiday_remove", "2026-12-24"),
        ]
