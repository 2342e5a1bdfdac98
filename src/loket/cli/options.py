"""Options that several command groups share, with one help text each."""

from __future__ import annotations

from typing import Annotated

import typer

Office = Annotated[str, typer.Option(help="Office code, e.g. PLG")]
Day = Annotated[str, typer.Option("--date", help="The day YYYY-MM-DD")]
