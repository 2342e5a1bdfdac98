"""`loket report ...` and `loket payments reconcile` as a supervisor runs them, on both databases."""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import load_workbook

from loket.store.database import Database

from .paid_booking import paid_booking
from .test_cli import loket


async def _paid_booking(db: Database) -> str:
    billing_code, _booking = await paid_booking(db, ntpn="CLI000001", person=60)
    return billing_code


async def test_service_report_files(db: Database, db_url: str, tmp_path: Path) -> None:
    await _paid_booking(db)
    period = ["--office", "PLG", "--from", "2017-12-01", "--to", "2017-12-31"]
    as_json = loket(["report", "service", *period, "--format", "json"], db_url, tmp_path)
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout)["applications"]["total"] == 1
    out = tmp_path / "desember.xlsx"
    written = loket(
        ["report", "service", *period, "--format", "xlsx", "--output", str(out)], db_url, tmp_path
    )
    assert written.returncode == 0, written.stderr
    assert load_workbook(out).worksheets[0]["A1"].value.startswith("Laporan Layanan")
    pdf = loket(["report", "service", *period, "--format", "pdf"], db_url, tmp_path)
    assert pdf.returncode == 0, pdf.stderr
    assert (tmp_path / "laporan-layanan-PLG-2017-12-01-2017-12-31.pdf").read_bytes().startswith(b"%PDF")
    csv = loket(["report", "service", *period], db_url, tmp_path)
    assert csv.stdout.startswith("# Ringkasan")
    bad = loket(
        ["report", "service", "--office", "PLG", "--from", "2017-12-31", "--to", "2017-12-01"],
        db_url,
        tmp_path,
    )
    assert bad.returncode == 2 and "range_order" in bad.stderr
    targets = loket(
        [
            "report",
            "targets",
            "--office",
            "PLG",
            "--stage",
            "intake",
            "--wait-min",
            "20",
            "--service-min",
            "8",
        ],
        db_url,
        tmp_path,
    )
    assert targets.returncode == 0, targets.stderr
    assert "intake" in targets.stdout and "office" in targets.stdout and "default" in targets.stdout
    ikm = loket(["report", "ikm", *period, "--json"], db_url, tmp_path)
    assert json.loads(ikm.stdout)["overall"] is None


async def test_payments_reconcile_is_idempotent(db: Database, db_url: str, tmp_path: Path) -> None:
    code = await _paid_booking(db)
    statement = tmp_path / "bni-2017-12-28.csv"
    statement.write_text(
        "ntpn,billing_code,amount,paid_at,bank\n"
        f"CLI000001,{code},355000,2017-12-28T08:30:00+07:00,BNI\n"
        "CLI000002,899999999999999,355000,2017-12-28T09:00:00+07:00,BNI\n",
        encoding="utf-8",
    )
    args = ["payments", "reconcile", "--office", "PLG", "--statement", str(statement)]
    first = loket(args, db_url, tmp_path)
    assert first.returncode == 0, first.stderr
    assert (
        "2 new line(s)" in first.stdout
        and "missing_callback" in first.stdout
        and "Rp 710.000" in first.stdout
    )
    again = loket([*args, "--json"], db_url, tmp_path)
    data = json.loads(again.stdout)
    assert data["import"]["already_imported"] is True and data["import"]["added"] == 0
    assert (data["statement_total"], data["loket_total"], data["revenue"]) == (710_000, 355_000, 355_000)
    statement.write_text(
        "ntpn,billing_code,amount,paid_at,bank\nCLI000003,1234,355000,2017-12-28T09:00:00+07:00,BNI\n"
    )
    bad = loket(args, db_url, tmp_path)
    assert bad.returncode == 2 and "line 2" in bad.stderr and "billing_code" in bad.stderr
