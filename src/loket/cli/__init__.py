"""The `loket` command: the front door. One Typer app, a module per command group, one runner
(`cli/runner.py`); each command is a few lines over a service.

A command's module is imported only when that command runs (or when a help screen lists it):
`loket forecast predict --history FILE` never loads SQLAlchemy, the store or the web stack,
which alone took most of its start-up. `COMMANDS` is the one list of what exists.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from typing import TYPE_CHECKING, Any

import typer
import typer.main
from typer.core import TyperGroup

if TYPE_CHECKING:
    # Typer carries its own copy of Click and no longer exposes its types.
    from typer._click.core import Command

# name -> (module under loket.cli, attribute): a Typer sub-app, or a function for a single command.
# The order here is the order `loket --help` lists them in.
COMMANDS: dict[str, tuple[str, str]] = {
    "db": ("db", "db_app"),
    "demo": ("demo", "demo_app"),
    "office": ("office", "office_app"),
    "calendar": ("calendar", "calendar_app"),
    "quota": ("quota", "quota_app"),
    "payments": ("payments", "payments_app"),
    "staff": ("staff", "staff_app"),
    "audit": ("audit", "audit_app"),
    "ballot": ("ballot", "ballot_app"),
    "fraud": ("fraud", "fraud_app"),
    "banks": ("banks", "banks_app"),
    "fees": ("fees", "fees_app"),
    "privacy": ("privacy", "privacy_app"),
    "report": ("report", "report_app"),
    "forecast": ("forecast", "forecast_app"),
    "staffing": ("staffing", "staffing_app"),
    "simulate": ("simulate", "simulate"),
    "simulator": ("simulator", "simulator_app"),
    "plan": ("plan", "plan"),
    "history": ("history", "history_app"),
    "serve": ("serve", "serve"),
    "node": ("node", "node_app"),
    "worker": ("worker", "worker"),
}


def load_command(name: str) -> Command:
    """Import the module of command `name` and build its Click command, as `add_typer` would."""
    module, attribute = COMMANDS[name]
    target = getattr(importlib.import_module(f"loket.cli.{module}"), attribute)
    if isinstance(target, typer.Typer):
        command: Command = typer.main.get_group(target)
    else:
        single = typer.Typer(add_completion=False)
        single.command(name)(target)
        command = typer.main.get_command(single)
    command.name = name
    return command


class LazyCommands(MutableMapping[str, "Command"]):
    """The group's commands by name, each built on first use."""

    def __init__(self) -> None:
        self._built: dict[str, Command] = {}

    def __getitem__(self, name: str) -> Command:
        if name not in self._built:
            if name not in COMMANDS:
                raise KeyError(name)
            self._built[name] = load_command(name)
        return self._built[name]

    def __setitem__(self, name: str, command: Command) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._built[name]

    def __iter__(self) -> Iterator[str]:
        yield from COMMANDS
        yield from (name for name in self._built if name not in COMMANDS)

    def __len__(self) -> int:
        return len(set(COMMANDS) | set(self._built))


class LazyGroup(TyperGroup):
    """The top-level group: its commands come from `LazyCommands`."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        lazy = LazyCommands()
        for name, command in self.commands.items():
            lazy[name] = command
        self.commands = lazy


app = typer.Typer(
    cls=LazyGroup,
    help="Loket: the passport service of an immigration office, end to end.\n\n"
    "Set LOKET_DATABASE_URL to choose the database (default sqlite:///./loket.db).",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def loket() -> None:
    """Loket: the passport service of an immigration office, end to end."""


def main() -> None:
    """Entry point of the `loket` script."""
    app()
