"""The planning sub-apps end to end through Typer: with `--history FILE` no database is needed;
without it the office's history and model come from the database (both kinds)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from loket.cli.forecast import forecast_app
from loket.cli.plan import plan
from loket.cli.simulate import simulate
from loket.cli.staffing import staffing_app
from loket.planning.history import history_to_csv
from loket.planning.synthetic import synthetic_history

runner = CliRunner()


@pytest.fixture
def demo_db(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A database of each kind with the demo (and its synthetic PLG history) loaded."""
    monkeypatch.setenv("LOKET_DATABASE_URL", demo_url)
    return demo_url


def _csv(tmp_path: Path) -> Path:
    path = tmp_path / "plg.csv"
    history = synthetic_history(date(2015, 1, 1), date(2017, 11, 30))
    path.write_text(history_to_csv(history), encoding="utf-8")
    return path


def test_forecast_predict_json_and_plot(tmp_path: Path) -> None:
    chart = tmp_path / "f.png"
    result = runner.invoke(
        forecast_app,
        ["predict", "--history", str(_csv(tmp_path)), "--horizon", "20", "--json", "--plot", str(chart)],
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 20
    assert set(rows[0]) == {"date", "mean", "lo80", "hi80", "model"}
    assert rows[0]["model"] == "calendar"
    assert rows[0]["date"] == "2017-12-01"
    assert chart.read_bytes().startswith(b"\x89PNG")


def test_forecast_predict_says_when_it_falls_back(tmp_path: Path) -> None:
    # Three weeks, most weekdays empty (closures the calendar does not know): too few open days.
    path = tmp_path / "sparse.csv"
    counts = [100 if i in (0, 1, 7, 8, 14, 15, 16) else 0 for i in range(21)]
    lines = [f"{date(2024, 3, 4) + timedelta(days=i)},{c}" for i, c in enumerate(counts)]
    path.write_text("date,count\n" + "\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(
        forecast_app, ["predict", "--history", str(path), "--country", "US", "--horizon", "7", "--json"]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {row["model"] for row in rows} == {"weekly profile + local level"}
    assert "too few open days" in result.stderr
    assert all(0 <= row["mean"] <= 200 for row in rows)


def test_forecast_backtest_json(tmp_path: Path) -> None:
    result = runner.invoke(
        forecast_app,
        ["backtest", "--history", str(_csv(tmp_path)), "--horizon", "28", "--folds", "3", "--json"],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["folds"] == 3 and data["season"] == 5
    for name in ("model", "seasonal_naive"):
        assert set(data[name]) >= {"mase", "mape", "coverage"}
    assert data["model"]["mase"] < data["seasonal_naive"]["mase"]


@pytest.mark.usefixtures("demo_db")
def test_forecast_without_history_reads_the_database() -> None:
    result = runner.invoke(forecast_app, ["backtest", "--horizon", "28", "--folds", "2", "--json"])
    assert result.exit_code == 0, result.output
    source = json.loads(result.stdout)["source"]
    assert source.startswith("database PLG") and "synthetic" in source


def test_bad_history_is_a_clean_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("day,n\n1,2\n", encoding="utf-8")
    result = runner.invoke(forecast_app, ["predict", "--history", str(bad), "--json"])
    assert result.exit_code == 2


def test_staffing_commands() -> None:
    result = runner.invoke(
        staffing_app,
        ["erlang", "--arrivals", "100", "--period-min", "30", "--aht-s", "180", "--agents", "14",
         "--target-s", "20", "--json"],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["traffic_erlangs"] == 10.0
    assert abs(data["service_level"] - 0.88835) < 1e-4
    result = runner.invoke(
        staffing_app,
        ["required", "--arrivals", "100", "--period-min", "30", "--aht-s", "180", "--target-sl", "0.8",
         "--target-s", "20", "--max-occupancy", "0.85", "--shrinkage", "0.3", "--json"],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["agents"], data["positions"]) == (14, 20)
    assert set(data) == {"agents", "positions", "service_level", "p_wait", "asa_s", "occupancy"}


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("simulate")(simulate)
    app.command("plan")(plan)
    return app


@pytest.mark.usefixtures("demo_db")
def test_simulate_story_day() -> None:
    result = runner.invoke(
        _app(),
        ["simulate", "--office", "PLG", "--date", "2017-12-28", "--arrivals", "200",
         "--fault", "biometrics:10:00-13:00", "--replications", "20", "--seed", "1", "--json"],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["faults"] == ["biometrics:10:00-13:00"]
    assert data["service_times_source"] == "defaults"
    biometrics = data["service_times"]["biometrics"]
    assert biometrics == {"mean_min": 9.6, "cv": 0.5, "source": "default", "samples": 0}
    assert 2.5 < data["overtime_hours"] < 5.5
    assert data["queue"][0]["time"] == "08:00"
    bad = runner.invoke(
        _app(), ["simulate", "--date", "2017-12-28", "--arrivals", "5", "--fault", "photo:10:00-11:00"]
    )
    assert bad.exit_code == 2


@pytest.mark.usefixtures("demo_db")
def test_simulate_with_random_breakdowns() -> None:
    base = ["simulate", "--office", "PLG", "--date", "2017-12-27", "--arrivals", "150",
            "--replications", "30", "--seed", "3", "--json"]
    calm = json.loads(runner.invoke(_app(), base).stdout)
    result = runner.invoke(_app(), [*base, "--breakdown", "biometrics:120:30"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["breakdowns"] == ["biometrics:120:30"]
    # A photo station down a fifth of the time costs the day well over an hour.
    assert data["overtime_hours"] > calm["overtime_hours"] + 1.0
    for bad in ("photo:120:30", "biometrics:120", "biometrics:0:30", "biometrics:120:-1"):
        refused = runner.invoke(_app(), [*base, "--breakdown", bad])
        assert refused.exit_code == 2, bad


@pytest.mark.usefixtures("demo_db")
def test_plan_december_2017() -> None:
    args = ["plan", "--office", "PLG", "--from", "2017-12-01", "--to", "2017-12-29", "--json"]
    result = runner.invoke(_app(), args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert "synthetic" in data["source"] and data["service_times_source"] == "defaults"
    assert data["deadlines"] == ["2017-12-22", "2017-12-29"]
    assert data["overtime_hours"] > 0
    last = data["days"][-1]
    assert last["date"] == "2017-12-29" and last["backlog_after"] == 0
    assert set(last["quota"]) == {"regular", "express", "priority"}


def test_plan_from_a_csv_needs_no_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOKET_DATABASE_URL", f"sqlite:///{tmp_path / 'absent' / 'none.db'}")
    args = ["plan", "--from", "2017-12-01", "--to", "2017-12-29", "--history", str(_csv(tmp_path)), "--json"]
    result = runner.invoke(_app(), args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["source"].startswith("csv:")


def test_an_office_without_history_is_a_clean_error(demo_db: str) -> None:
    result = runner.invoke(forecast_app, ["predict", "--office", "DPS", "--json"])
    assert result.exit_code == 2
    assert "history_missing" in result.output
