"""`loket serve`: the web app."""

from __future__ import annotations

from typing import Annotated

import typer

from loket.settings import InsecureSecret, get_settings, with_secret


def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on")] = None,
    workers: Annotated[int | None, typer.Option(help="Server processes")] = None,
) -> None:
    """Serve the web app (JSON API under /api/v1, pages, OpenAPI docs at /docs)."""
    import uvicorn

    settings = get_settings()
    try:
        with_secret(settings)  # refused here, before a worker starts (web/main.py checks again)
    except InsecureSecret as refused:
        typer.echo(f"loket serve: {refused}", err=True)
        raise typer.Exit(2) from refused
    uvicorn.run(
        "loket.web.main:app",
        factory=False,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        log_level=settings.log_level,
        access_log=False,
        # The client's address is worked out in one place, walking X-Forwarded-For through
        # LOKET_TRUSTED_PROXIES (web/middleware.py); uvicorn's own reading would let any
        # same-host proxy pass a client's forged header through (issue 21).
        proxy_headers=False,
        forwarded_allow_ips="",
        # httptools with a bound on the request head's size (a 50 MB header or 100k headers are
        # refused) and a deadline on it (clients that send their head too slowly are closed).
        http="loket.web.server_protocol:HeadLimitProtocol",
        timeout_keep_alive=5,
    )
