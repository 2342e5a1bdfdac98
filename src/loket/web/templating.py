"""Jinja2 set-up: templates see `_()` in the request's language and the formatting filters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from jinja2 import FileSystemBytecodeCache, pass_context
from jinja2.runtime import Context

from loket.formatting import local_datetime, local_time, long_date, rupiah, short_date
from loket.i18n import translate

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"


@pass_context
def _gettext(context: Context, message: str, **params: Any) -> str:
    return translate(str(context.get("locale", "id")), message, **params)


def make_templates() -> Jinja2Templates:
    """Templates with gettext and the rupiah/date filters installed."""
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env = templates.env
    # Compiled templates kept across processes (a per-user folder in the temp directory, written
    # atomically, checked against the source), as .pyc files are: a new server process then
    # loads its 57 templates instead of compiling them (about a second of CPU).
    env.bytecode_cache = FileSystemBytecodeCache()
    env.globals["_"] = _gettext
    env.globals["gettext"] = _gettext
    env.filters["rupiah"] = rupiah
    env.filters["long_date"] = long_date
    env.filters["short_date"] = short_date
    env.filters["local_datetime"] = local_datetime
    env.filters["local_time"] = local_time
    return templates
