"""Docs that cannot rot: every setting is documented, every README command exists."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from typer.testing import CliRunner

from loket.cli import app
from loket.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_is_documented() -> None:
    doc = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`(LOKET_[A-Z_]+)`", doc))
    declared = {f"LOKET_{name.upper()}" for name in Settings.model_fields}
    assert declared - documented == set(), "settings missing from docs/settings.md"
    assert documented - declared - {"LOKET_TEST_PG_URL"} == set(), (
        "docs name settings that do not exist"
    )


def _readme_commands() -> list[list[str]]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```(?:sh|bash|console)?\n(.*?)```", readme, flags=re.S):
        for line in block.splitlines():
            line = line.strip().removeprefix("$ ")
            if line.startswith("loket "):
                words = [w for w in line.split()[1:] if not w.startswith("-")]
                commands.append(words)
    return commands


def test_every_readme_command_exists() -> None:
    commands = _readme_commands()
    assert commands, "README shows no loket command"
    runner = CliRunner()
    for words in commands:
        # Walk down the sub-commands (stop at the first argument value) and ask for help.
        path: list[str] = []
        for word in words:
            probe = runner.invoke(app, [*path, word, "--help"])
            if probe.exit_code != 0:
                break
            path.append(word)
        assert path, f"README command 'loket {' '.join(words)}' does not exist"
        assert runner.invoke(app, [*path, "--help"]).exit_code == 0


def test_makefile_has_the_readme_targets() -> None:
    out = subprocess.run(
        ["make", "-n", "-C", str(ROOT), "run", "test"], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert "loket db upgrade" in out.stdout and "pytest" in out.stdout
