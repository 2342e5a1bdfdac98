"""`loket forecast predict --history FILE` loads no database stack and no SciPy (its start-up was
most of the command's time), and every command listed still loads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from loket.cli import COMMANDS, LazyCommands

CHECK = """
import sys
from typer.testing import CliRunner
from loket.cli import app
done = CliRunner().invoke(app, ["forecast", "predict", "--history", sys.argv[1], "--country", "US",
                                "--horizon", "5", "--json"])
assert done.exit_code == 0, done.output
heavy = sorted({m.split(".")[0] for m in sys.modules} & {"sqlalchemy", "scipy", "fastapi", "psycopg",
                                                        "matplotlib", "simpy", "statsmodels"})
print(",".join(heavy))
"""


def test_a_forecast_from_a_file_loads_no_database_and_no_scipy(tmp_path: Path) -> None:
    days = [f"2024-{1 + i // 28:02d}-{1 + i % 28:02d}" for i in range(28 * 6)]
    rows = ["date,count"] + [f"{day},{100 + i % 7 * 10}" for i, day in enumerate(days)]
    csv = tmp_path / "history.csv"
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", CHECK, str(csv)], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "", done.stdout


def test_every_command_loads_under_its_name() -> None:
    commands = LazyCommands()
    assert list(commands) == list(COMMANDS)
    for name in COMMANDS:
        assert commands[name].name == name
