"""Docs that cannot rot: every setting is documented, every command the docs show exists."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from loket.settings import Settings

from .doc_commands import command_problem, shown_commands

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))


def test_every_setting_is_documented() -> None:
    doc = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`(LOKET_[A-Z_]+)`", doc))
    declared = {f"LOKET_{name.upper()}" for name in Settings.model_fields}
    assert declared - documented == set(), "settings missing from docs/settings.md"
    assert documented - declared - {"LOKET_TEST_PG_URL"} == set(), (
        "docs name settings that do not exist"
    )


def test_every_readme_command_exists() -> None:
    commands = shown_commands(README.read_text(encoding="utf-8"))
    assert commands, "README shows no loket command"
    problems = [p for p in map(command_problem, commands) if p]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_command_in_the_docs_exists(doc: Path) -> None:
    problems = [p for p in map(command_problem, shown_commands(doc.read_text(encoding="utf-8"))) if p]
    assert not problems, "\n".join(problems)


def test_a_wrong_subcommand_in_the_readme_fails_the_check(tmp_path: Path) -> None:
    # A scratch copy of the README with one bad line: only that line is reported.
    scratch = tmp_path / "README.md"
    scratch.write_text(
        README.read_text(encoding="utf-8") + "\n```sh\nloket calendar bogus --office PLG\n```\n",
        encoding="utf-8",
    )
    problems = [p for p in map(command_problem, shown_commands(scratch.read_text(encoding="utf-8"))) if p]
    assert len(problems) == 1
    assert "'loket calendar' has no command 'bogus'" in problems[0]


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("loket calendar bogus", "has no command 'bogus'"),
        ("loket bogus due --office PLG", "has no command 'bogus'"),
        ("loket calendar --office PLG", "needs a command"),
        ("loket quota", "needs a command"),
        ("loket calendar due --office PLG --bogus 4", "--bogus is not an option"),
        ("loket audit verify --sael", "--sael is not an option"),
        ("loket report service --office=PLG --form 2017-12-01", "--form is not an option"),
    ],
)
def test_the_checker_names_what_is_wrong(line: str, why: str) -> None:
    problem = command_problem(line)
    assert problem is not None and why in problem


@pytest.mark.parametrize(
    "line",
    [
        "loket worker",
        "loket audit verify --no-seal",
        'loket calendar close --office PLG --from 2017-12-30 --to 2018-01-01 --reason "Tutup akhir"',
        "loket history import history.csv --office PLG   # a comment with --not-an-option",
        "loket report service --office PLG --from 2017-12-01 --to 2017-12-31 -o out.pdf",
    ],
)
def test_the_checker_passes_real_commands(line: str) -> None:
    assert command_problem(line) is None


def test_makefile_has_the_readme_targets() -> None:
    out = subprocess.run(
        ["make", "-n", "-C", str(ROOT), "run", "test"], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert "loket db upgrade" in out.stdout and "pytest" in out.stdout
