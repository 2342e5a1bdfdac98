"""Putting a real office into service from an empty database, with the real `loket` command
(issue 15's Done-when): import the DJJ file, add a bank and the tariff in force, invite a
supervisor who sets their own password on the link's page, book over the API (pay-before in WIT),
then declare and withdraw a national day off and watch DJJ's due date follow."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import httpx

from loket.clock import FrozenClock, utcnow
from loket.settings import Settings
from loket.store.database import Database
from loket.testing.applicants import applicant
from loket.web.app import create_app
from loket.web.csrf import COOKIE as CSRF_COOKIE
from loket.web.csrf import HEADER as CSRF_HEADER

DJJ_FILE = Path(__file__).parent / "data" / "djj.yaml"
CSRF = "onboarding-csrf-token-0123456789abcdef01234"
# Monday 21 December 2026, 09:00 WIT: the office is open and the 23rd is bookable.
NOW = datetime(2026, 12, 21, 0, 0, tzinfo=UTC)


def loket(args: list[str], db_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LOKET_DATABASE_URL": db_url, "COLUMNS": "200", "LC_ALL": "C.UTF-8"}
    return subprocess.run(
        [sys.executable, "-m", "loket", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def ok(args: list[str], db_url: str, cwd: Path) -> str:
    done = loket(args, db_url, cwd)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout


async def test_a_new_office_goes_into_service_from_an_empty_database(db_url: str, tmp_path: Path) -> None:
    ok(["db", "upgrade"], db_url, tmp_path)
    assert ok(["office", "list"], db_url, tmp_path).strip() == ""  # no demo: nothing there
    assert "DJJ: created" in ok(["office", "import", str(DJJ_FILE)], db_url, tmp_path)
    exported = tmp_path / "djj-export.yaml"
    exported.write_text(ok(["office", "export", "DJJ"], db_url, tmp_path))
    assert ok(["office", "import", str(exported)], db_url, tmp_path).splitlines() == [
        "DJJ: unchanged",
        "nothing to change",
    ]
    added = ok(["banks", "add", "--code", "BNI", "--name", "Bank Negara Indonesia"], db_url, tmp_path)
    secret = re.search(r"shown once\): (\S+)", added)
    assert secret is not None and len(secret.group(1)) >= 32
    ok(
        ["fees", "add", "--product", "regular", "--validity-years", "5", "--amount", "350000",
         "--from", "2024-12-17", "--basis", "PP 45/2024"],
        db_url,
        tmp_path,
    )  # fmt: skip
    invited = ok(
        ["staff", "invite", "--office", "DJJ", "--role", "supervisor", "--email", "sari@imigrasi.go.id"],
        db_url,
        tmp_path,
    )
    link = re.search(r"(/staff/invite/\S+)", invited)
    assert link is not None

    database = Database(db_url, pool_size=4)
    # The CLI stamps the invitation with the wall clock: the link's page is opened at that time,
    # the booking at NOW.
    clock = FrozenClock(utcnow())
    app = create_app(Settings(database_url=db_url), db=database, clock=clock)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://loket.test") as http:
            http.cookies.set(CSRF_COOKIE, CSRF, domain="loket.test")
            http.headers[CSRF_HEADER] = CSRF
            page = await http.get(link.group(1))
            assert page.status_code == 200 and "Jayapura" in page.text
            form = {"username": "sari", "full_name": "Sari Wulandari", "password": "Jayapura-2026!",
                    "password_again": "Jayapura-2026!", "csrf_token": CSRF}  # fmt: skip
            accepted = await http.post(link.group(1), data=form)
            assert accepted.status_code == 303, accepted.text
            again = await http.post(link.group(1), data=form)  # single use
            assert again.status_code == 404
            signed = await http.post(
                "/api/v1/staff/login", json={"username": "sari", "password": "Jayapura-2026!"}
            )
            assert signed.status_code == 200 and signed.json()["roles"] == {"DJJ": "supervisor"}

            clock.now = NOW
            booked = await http.post(
                "/api/v1/offices/DJJ/bookings", json=applicant(1).booking_body(date(2026, 12, 23))
            )
            assert booked.status_code == 201, booked.text
            body = booked.json()
            assert body["amount"] == 350000
            assert body["pay_before_local"].endswith(" WIT"), body["pay_before_local"]
    finally:
        await database.dispose()

    due = ["calendar", "due", "--office", "DJJ", "--start", "2026-12-22", "--days", "4"]
    assert ok(due, db_url, tmp_path).strip() == "2026-12-30"
    ok(
        ["calendar", "holiday", "add", "--date", "2026-12-28", "--name", "Cuti bersama tambahan"],
        db_url,
        tmp_path,
    )
    # Christmas and its cuti bersama, the declared day, DJJ's closure on 31 December, New Year.
    assert ok(due, db_url, tmp_path).strip() == "2027-01-04"
    ok(["calendar", "holiday", "remove", "--date", "2026-12-28"], db_url, tmp_path)
    assert ok(due, db_url, tmp_path).strip() == "2026-12-30"


def test_a_file_with_three_mistakes_gets_three_paths_and_writes_nothing(db_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        DJJ_FILE.read_text()
        .replace("stage: biometrics", "stage: foto")
        .replace("Asia/Jayapura", "Asia/Tokyo")
        .replace('"09:00-10:00"', '"9:00-10:00"')
    )
    refused = loket(["office", "import", str(bad)], db_url, tmp_path)
    assert refused.returncode == 2
    lines = [line.strip() for line in refused.stderr.splitlines() if line.startswith("  ")]
    assert [line.split(":", 1)[0] for line in lines] == ["sessions[1]", "stations[2].stage", "time_zone"]
    assert 'stations[2].stage: unknown stage "foto"' in refused.stderr
    assert ok(["office", "list"], db_url, tmp_path).strip() == ""


def test_bulk_invitations_from_a_csv(db_url: str, tmp_path: Path) -> None:
    ok(["office", "import", str(DJJ_FILE)], db_url, tmp_path)
    staff_csv = tmp_path / "staff.csv"
    staff_csv.write_text(
        "email,office,role\nsari@imigrasi.go.id,DJJ,supervisor\nbudi@imigrasi.go.id,DJJ,kepala\n"
    )
    refused = loket(["staff", "invite", "--csv", str(staff_csv)], db_url, tmp_path)
    assert refused.returncode == 2 and "role_invalid (line 3): role:" in refused.stderr
    staff_csv.write_text(
        "email,office,role\nsari@imigrasi.go.id,DJJ,supervisor\nbudi@imigrasi.go.id,djj,officer\n"
    )
    links = re.findall(
        r"/staff/invite/\S+", ok(["staff", "invite", "--csv", str(staff_csv)], db_url, tmp_path)
    )
    assert len(set(links)) == 2
