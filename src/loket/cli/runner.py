"""The one way a command reaches the database: settings, the handle, NIK-masked logs, the event
loop, and domain errors printed in the terminal's language with exit code 2 (never a traceback)."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from datetime import date
from typing import TYPE_CHECKING, TypeVar

import typer
from rich.console import Console

from loket.domain.errors import DomainError

if TYPE_CHECKING:
    from loket.services.catalog import Catalog
    from loket.services.fanout import ChangePublisher
    from loket.settings import Settings
    from loket.store.database import Database

T = TypeVar("T")

console = Console()
err_console = Console(stderr=True)

# The exit code of a refused command (bad input, a broken rule); 1 is kept for "checked, found wrong".
REFUSED = 2


def user_language() -> str:
    """The terminal's language (LC_ALL, LC_MESSAGES, LANG as POSIX orders them): id or en."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            return "id" if value.lower().startswith("id") else "en"
    return "en"


def error_text(exc: DomainError, lang: str) -> str:
    """`code (line N): field: message` with the message translated into `lang`."""
    from loket.i18n import translate

    line = f" (line {exc.extra['line']})" if "line" in exc.extra else ""
    where = f"{exc.field}: " if exc.field else ""
    return f"{exc.code}{line}: {where}{translate(lang, exc.message, **exc.params)}"


def fail(message: str, code: int = REFUSED) -> typer.Exit:
    """Print `message` as the command's error and give the exit to raise."""
    err_console.print(f"[red]error[/red] {message}")
    return typer.Exit(code)


def run(work: Callable[[Database], Awaitable[T]], *, settings: Settings | None = None) -> T:
    """Open the configured database, run `work` on it, close it; a domain error ends the command.

    The error speaks the terminal's language, not a command's `--lang`: that option picks the
    language of a document's labels (official reports default to Indonesian), not the reader's.
    """
    # Imported here, not at the top: a command that never opens the database (a forecast from a
    # CSV, `--help`) should not pay for SQLAlchemy, the store and the settings model.
    import asyncio

    from loket.logs import install_log_masking
    from loket.services.audit import use_audit_key
    from loket.settings import audit_secret, get_settings
    from loket.store.database import Database

    # Services log what they do; a NIK in a message must never reach the terminal or a log file.
    install_log_masking()
    settings = settings or get_settings()
    use_audit_key(audit_secret(settings))  # the key the entries of this command are MACed with

    async def runner() -> T:
        db = Database(settings.database_url, pool_size=2, portable=settings.booking_path == "portable")
        try:
            return await work(db)
        finally:
            await db.dispose()
            # The changes the command told the serving processes: sent before the command ends.
            while _publishers:
                await _publishers.pop().close()

    try:
        return asyncio.run(runner())
    except DomainError as exc:
        raise fail(error_text(exc, user_language())) from exc


# The publishers of this command's catalogs (see `catalog`), closed by `run` once the work is done.
_publishers: list[ChangePublisher] = []


def catalog(settings: Settings) -> Catalog:
    """The services' office catalog, uncached: a command runs once and must see the latest data.

    With LOKET_REDIS_URL its changes (a quota, a closure, a holiday...) are published like a web
    process's, so every serving process forgets its cached office at once (services/fanout.py)."""
    from loket.services.catalog import Catalog
    from loket.services.fanout import publisher_for

    found = Catalog(ttl=0, country=settings.holiday_country)
    publisher = publisher_for(settings, found)
    if publisher is not None:
        _publishers.append(publisher)
    return found


def parse_date(raw: str, option: str) -> date:
    """`raw` as a date, or a usage error naming `--option`."""
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise typer.BadParameter(f"{raw!r} is not a date YYYY-MM-DD", param_hint=f"--{option}") from exc
