"""`loket serve`: the web app."""

from __future__ import annotations

from typing import Annotated

import typer

from loket.settings import get_settings


def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on")] = None,
    workers: Annotated[int | None, typer.Option(help="Server processes")] = None,
) -> None:
    """Serve the web app (JSON API under /api/v1, pages, OpenAPI docs at /docs)."""
    import uvicorn

    settings = get_settings()
    uvicorn.run(
        "loket.web.main:app",
        factory=False,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        log_level=settings.log_level,
        access_log=False,
    )
