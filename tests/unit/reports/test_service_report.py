"""The service report's rules on small hand-made rows (pure), and its files: XLSX and PDF
opened with openpyxl and pypdf, CSV and JSON parsed back."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, time, timedelta

import pytest

from loket.domain.calendar import WorkingCalendar
from loket.domain.ikm import IkmReport, ikm
from loket.domain.office import Office, Station
from loket.domain.service_report import (
    BookingFact,
    MoveFact,
    ReportInput,
    StationEvent,
    TicketFact,
    VisitFact,
    service_report,
)
from loket.domain.service_targets import DEFAULT_TARGETS
from loket.reports.render import service_report_file

OFFICE = Office(
    "PLG",
    "Kantor Imigrasi Kelas I TPI Palembang",
    "Asia/Jakarta",
    hours={wd: (time(8), time(16)) for wd in range(1, 6)},
    stations=(Station("BIO1", "biometrics", "Foto 1", 1), Station("PRI1", "printing", "Cetak 1", 2)),
)
D = date(2017, 12, 4)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hour - 7, minutes=minute)


def ticket(
    label: str, due: date | None, *, code: str | None = "PLG-X", stage: str = "printing"
) -> TicketFact:
    return TicketFact(
        D, label, code, "regular", "regular_5y", stage, "waiting", (), due, at(D, 9) if due else None
    )


def report(**rows: object):  # type: ignore[no-untyped-def]
    inp = ReportInput(
        OFFICE, WorkingCalendar(), D, date(2017, 12, 8), at(date(2017, 12, 11), 9), DEFAULT_TARGETS, **rows
    )  # type: ignore[arg-type]
    return service_report(inp)


def test_a_breach_after_an_incomplete_dossier_and_one_still_pending() -> None:
    r = report(
        tickets=[ticket("A-001", date(2017, 12, 8)), ticket("A-002", date(2017, 12, 8))],
        moves=[MoveFact(D, "A-001", "incomplete", at(D, 8, 30))],
    )
    assert (r.sla.due, r.sla.on_time, r.sla.late, r.sla.pending) == (2, 0, 2, 0)
    assert {b.ticket: b.causes for b in r.sla.breaches} == {
        "A-001": ("incomplete_dossier",),
        "A-002": ("other",),
    }
    assert r.sla.share == 0


def test_downtime_still_running_is_clipped_to_now_and_the_period() -> None:
    r = report(station_events=[StationEvent("BIO1", at(D, 10), "down", "Kamera rusak")])
    [down] = r.downtime
    assert down.ongoing  # no recovery recorded by now: still down
    assert down.end == at(date(2017, 12, 9), 0)
    assert down.hours == pytest.approx(4 * 24 + 14)


def test_overtime_on_an_extra_saturday_counts_every_hour() -> None:
    saturday = date(2017, 12, 9)
    visits = [
        VisitFact(
            saturday,
            "A-001",
            "intake",
            at(saturday, 8),
            at(saturday, 9),
            at(saturday, 11, 30),
            "INT1",
            "done",
        )
    ]
    inp = ReportInput(
        OFFICE,
        WorkingCalendar(extra_days={saturday: "Layanan Sabtu"}),
        saturday,
        saturday,
        at(date(2017, 12, 11), 9),
        DEFAULT_TARGETS,
        visits=visits,
    )
    [day] = service_report(inp).overtime
    assert (day.closes, day.hours) == (None, pytest.approx(2.5))


def _full() -> object:
    r = report(
        bookings=[BookingFact("PLG-X", D, "new", "regular_5y", "regular", "checked_in")],
        tickets=[ticket("A-001", date(2017, 12, 8), stage="ready")],
        visits=[VisitFact(D, "A-001", "intake", at(D, 8), at(D, 8, 12), at(D, 8, 20), "INT1", "done")],
        moves=[MoveFact(D, "A-001", "ready", at(date(2017, 12, 6), 10))],
    )
    r.ikm = IkmReport(D, date(2017, 12, 8), 1, ikm([(4, 4, 4, 4, 4, 4, 4, 4, 3)]))
    return r


def test_xlsx_and_pdf_carry_the_figures_in_indonesian() -> None:
    from openpyxl import load_workbook
    from pypdf import PdfReader

    r = _full()
    book = load_workbook(io.BytesIO(service_report_file(r, "xlsx", "id")))  # type: ignore[arg-type]
    summary = book.worksheets[0]
    assert summary["A1"].value == "Laporan Layanan: Kantor Imigrasi Kelas I TPI Palembang"
    rows = {row[0]: row[1] for row in summary.iter_rows(min_row=5, values_only=True)}
    assert rows["Permohonan"] == 1 and rows["Check-in"] == 1
    assert "Senin, 4 Desember 2017" in rows["Periode"]
    assert book.sheetnames[:4] == ["Ringkasan", "Permohonan", "Berkas tidak lengkap", "Tahapan"]
    stages = book["Tahapan"]
    assert stages["D2"].value == pytest.approx(12.0) and stages["D2"].number_format == "0.0"
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(service_report_file(r, "pdf", "id"))).pages
    )  # type: ignore[arg-type]
    assert "Laporan Layanan" in text and "Senin, 4 Desember 2017" in text
    assert "Tepat waktu sesuai janji hari kerja" in text or "100,0%" in text


def test_csv_and_json_for_machines() -> None:
    r = _full()
    data = json.loads(service_report_file(r, "json", "id"))  # type: ignore[arg-type]
    assert data["sla"]["share_on_time"] == 1.0 and data["check_ins"] == 1
    assert data["ikm"]["overall"]["grade"] == "A"
    rows = list(csv.reader(io.StringIO(service_report_file(r, "csv", "en").decode())))  # type: ignore[arg-type]
    assert ["Check-ins", "1"] in rows
