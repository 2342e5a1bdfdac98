"""The `loket` command as a newcomer uses it, against real databases."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loket.cli import app


def loket(
    args: list[str], db_url: str, cwd: Path, *, lang: str = "C.UTF-8"
) -> subprocess.CompletedProcess[str]:
    # Errors speak the terminal's language: pinned, so that the English the tests read stays English.
    env = {**os.environ, "LOKET_DATABASE_URL": db_url, "COLUMNS": "200", "LC_ALL": lang}
    return subprocess.run(
        [sys.executable, "-m", "loket", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def made_by_the_cli(db_url: str) -> None:
    """What a newcomer types on a new database: `loket db upgrade`, then `loket demo load`."""
    with tempfile.TemporaryDirectory() as workdir:
        assert loket(["db", "upgrade"], db_url, Path(workdir)).returncode == 0
        loaded = loket(["demo", "load"], db_url, Path(workdir))
    assert loaded.returncode == 0, loaded.stderr
    assert "PLG" in loaded.stdout


# Made once per kind of database, then copied for each test (the CLI takes seconds to start).
pytestmark = pytest.mark.template.with_args(made_by_the_cli)


@pytest.fixture
def fresh(db_url: str, tmp_path: Path) -> tuple[str, Path]:
    """A database made by the CLI (`made_by_the_cli`) for this test, and a folder to run in."""
    return db_url, tmp_path


def test_help_explains_every_command(tmp_path: Path) -> None:
    out = loket(["--help"], "sqlite:///x.db", tmp_path)
    assert out.returncode == 0
    for command in ("serve", "db", "demo", "calendar"):
        assert command in out.stdout


def test_calendar_due_prints_an_iso_date(fresh: tuple[str, Path]) -> None:
    out = loket(
        ["calendar", "due", "--office", "PLG", "--start", "2017-12-21", "--days", "4"], *fresh
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "2017-12-29"


def test_calendar_show_names_holidays(fresh: tuple[str, Path]) -> None:
    out = loket(["calendar", "show", "--office", "PLG", "--month", "2017-12"], *fresh)
    assert out.returncode == 0, out.stderr
    assert "Hari Raya Natal" in out.stdout and "Cuti Bersama Hari Raya Natal" in out.stdout
    assert "Senin, 25 Desember 2017" in out.stdout


def test_closure_then_due_date(fresh: tuple[str, Path]) -> None:
    closed = loket(
        [
            "calendar",
            "close",
            "--office",
            "PLG",
            "--from",
            "2017-12-27",
            "--to",
            "2017-12-29",
            "--reason",
            "Tutup akhir tahun",
        ],
        *fresh,
    )
    assert closed.returncode == 0, closed.stderr
    out = loket(
        ["calendar", "due", "--office", "PLG", "--start", "2017-12-21", "--days", "4"], *fresh
    )
    assert out.stdout.strip() == "2018-01-04"


def test_demo_load_is_idempotent_and_unknown_office_fails_cleanly(fresh: tuple[str, Path]) -> None:
    again = loket(["demo", "load"], *fresh)
    assert again.returncode == 0 and "nothing new" in again.stdout
    unknown = loket(["calendar", "due", "--office", "XYZ", "--start", "2017-12-21"], *fresh)
    assert unknown.returncode == 2
    assert "office_not_found" in unknown.stderr
    assert "Traceback" not in unknown.stderr


def test_an_error_speaks_the_terminal_language(fresh: tuple[str, Path]) -> None:
    args = ["calendar", "due", "--office", "XYZ", "--start", "2017-12-21"]
    english = loket(args, *fresh)
    assert english.returncode == 2 and "office_not_found: office: Unknown office XYZ" in english.stderr
    indonesian = loket(args, *fresh, lang="id_ID.UTF-8")
    assert indonesian.returncode == 2
    assert "office_not_found: office: Kantor XYZ tidak dikenal" in indonesian.stderr


def test_a_bad_date_names_its_option(tmp_path: Path) -> None:
    out = loket(["calendar", "due", "--office", "PLG", "--start", "2017-13-01"], "sqlite:///x.db", tmp_path)
    assert out.returncode == 2 and "--start" in out.stderr and "is not a date" in out.stderr


def test_every_command_masks_niks_in_its_logs(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Any command that opens the database goes through the one runner, which installs the masking.
    monkeypatch.setenv("LOKET_DATABASE_URL", db_url)
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    done = CliRunner().invoke(app, ["calendar", "due", "--office", "XYZ", "--start", "2017-12-21"])
    assert done.exit_code == 2 and "office_not_found" in done.output
    record = logging.getLogRecordFactory()(
        "loket.test", logging.INFO, __file__, 1, "lookup by %s", ("3171014101900001",), None
    )
    assert record.getMessage() == "lookup by 3171********0001"
