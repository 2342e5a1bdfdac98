"""docs/planning.md cannot rot: every `loket` command it shows exists, with every option it uses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loket.cli import app

from ..doc_commands import command_problem

DOC = Path(__file__).resolve().parents[3] / "docs" / "planning.md"
runner = CliRunner()


def doc_commands() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    found = []
    for block in re.findall(r"```(?:sh|bash|console)?\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            line = line.strip().removeprefix("$ ")
            if line.startswith("loket "):
                found.append(line.split("#")[0].strip())
    return found


def test_the_note_shows_the_planning_commands() -> None:
    shown = " ".join(doc_commands())
    for command in (
        "history import",
        "history collect",
        "forecast predict",
        "forecast backtest",
        "staffing erlang",
        "staffing required",
        "simulate",
        "plan",
        "quota plan",
    ):
        assert f"loket {command} " in shown, command


@pytest.mark.parametrize("line", doc_commands())
def test_each_command_and_option_exists(line: str) -> None:
    # The whole path must be commands: a wrong sub-command is not taken for an argument.
    assert command_problem(line) is None
    words = line.split()[1:]
    path: list[str] = []
    for word in words:
        if word.startswith("-"):
            break
        if runner.invoke(app, [*path, word, "--help"]).exit_code != 0:
            break
        path.append(word)
    assert path, f"'{line}': no such command"
    shown = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "250", "NO_COLOR": "1"})
    assert shown.exit_code == 0
    for option in (w for w in words if w.startswith("--")):
        assert re.search(rf"{re.escape(option)}\b", shown.output), f"'{line}': {option} is not an option"
