"""The `loket ...` lines that docs show, and the check that each is a real command with real options.

A line is walked down the command tree word by word: every word up to the command must name a
sub-command (a wrong one, `loket calendar bogus`, is caught, not taken for an argument), the
command's own `--help` must answer, and every `--option` on the line must be one it has.
"""

from __future__ import annotations

import re
import shlex

import typer.main
from typer.core import TyperGroup
from typer.testing import CliRunner

from loket.cli import app

_BLOCK = re.compile(r"```(?:sh|bash|console)?\n(.*?)```", flags=re.S)


def shown_commands(text: str) -> list[str]:
    """Every line of the text's sh/bash/console code blocks that runs `loket`."""
    found = []
    for block in _BLOCK.findall(text):
        for line in block.splitlines():
            line = line.strip().removeprefix("$ ")
            if line.startswith("loket "):
                found.append(line)
    return found


def command_problem(line: str) -> str | None:
    """Why `line` is not a real `loket` command with real options, or None when it is."""
    words = shlex.split(line, comments=True)
    if words[:1] != ["loket"]:
        return f"{line!r} does not run loket"
    # Typer's own command tree (it no longer exposes Click's types): groups hold `commands` by name.
    command = typer.main.get_command(app)
    path: list[str] = []
    rest = words[1:]
    while isinstance(command, TyperGroup):
        choices = ", ".join(command.commands)
        if not rest or rest[0].startswith("-"):
            return f"{line!r}: 'loket {' '.join(path)}' needs a command ({choices})"
        word = rest.pop(0)
        found = command.commands.get(word)
        if found is None:
            return f"{line!r}: 'loket {' '.join(path)}' has no command {word!r} ({choices})"
        command = found
        path.append(word)
    shown = CliRunner().invoke(app, [*path, "--help"])
    if shown.exit_code != 0:
        return f"{line!r}: 'loket {' '.join(path)} --help' exits with {shown.exit_code}"
    options = {name for param in command.params for name in (*param.opts, *param.secondary_opts)}
    for word in rest:
        name = word.split("=", 1)[0]
        if name.startswith("--") and name not in options:
            return f"{line!r}: {name} is not an option of 'loket {' '.join(path)}'"
    return None
