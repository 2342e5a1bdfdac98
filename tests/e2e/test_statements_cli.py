"""`loket payments reconcile --bank BNI --format mt940 FILE` as a supervisor runs it, both databases."""

from __future__ import annotations

import json
from pathlib import Path

from loket.store.database import Database

from .test_cli import loket
from .test_refunds_cli import paid_booking


def mt940(code: str) -> str:
    return (
        "{1:F01BNINIDJAAXXX0000000000}{2:I940BNINIDJAXXXXN}{4:\r\n"
        ":20:BNI171228001\r\n:25:0115999999\r\n:28C:00358/001\r\n:60F:C171227IDR0,00\r\n"
        ":61:1712281228C355000,00NTRFNONREF//BNI00001\r\n"
        f":86:PNBP MPN NTPN CLI0000000000001 KODE BILLING {code}\r\n"
        ":61:1712281228C355000,00NTRFNONREF//BNI00002\r\n"
        ":86:PNBP MPN NTPN CLI0000000000002 KODE BILLING 899999999999999\r\n"
        ":61:1712281228D6500,00NCHGNONREF\r\n:86:BIAYA ADMIN\r\n"
        ":62F:C171228IDR703500,00\r\n-}\r\n"
    )


async def test_reconcile_an_mt940_statement_twice(db: Database, db_url: str, tmp_path: Path) -> None:
    code, _booking = await paid_booking(db, ntpn="CLI0000000000001")
    statement = tmp_path / "BNI-0115999999-20171228.sta"
    statement.write_text(mt940(code), encoding="utf-8")
    args = ["payments", "reconcile", "--office", "PLG", "--bank", "BNI", "--format", "mt940", str(statement)]
    first = loket(args, db_url, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "2 new line(s)" in first.stdout and "missing_callback" in first.stdout
    again = loket([*args, "--json"], db_url, tmp_path)
    data = json.loads(again.stdout)
    assert data["import"]["already_imported"] is True and data["import"]["added"] == 0
    assert {i["ntpn"]: i["kind"] for i in data["items"]} == {
        "CLI0000000000001": "matched",
        "CLI0000000000002": "missing_callback",
    }
    assert (data["statement_total"], data["loket_total"], data["revenue"]) == (710_000, 355_000, 355_000)


def test_a_bank_format_needs_the_bank(db_url: str, tmp_path: Path) -> None:
    statement = tmp_path / "x.sta"
    statement.write_text(":20:X\r\n", encoding="utf-8")
    done = loket(
        ["payments", "reconcile", "--office", "PLG", "--format", "mt940", str(statement)], db_url, tmp_path
    )
    assert done.returncode == 2 and "--bank" in done.stderr
