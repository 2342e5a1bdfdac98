"""`loket serve`: the web app."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from loket.settings import InsecureSecret, get_settings, with_secret


def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on")] = None,
    workers: Annotated[int | None, typer.Option(help="Server processes")] = None,
    office_node: Annotated[
        bool,
        typer.Option(
            "--office-node", help="Serve one office's floor from this database, synced with --central"
        ),
    ] = False,
    central: Annotated[str | None, typer.Option(help="Office node: base URL of the central server")] = None,
    office: Annotated[str | None, typer.Option(help="Office node: the office it serves")] = None,
) -> None:
    """Serve the web app (JSON API under /api/v1, pages, OpenAPI docs at /docs)."""
    import uvicorn

    if office_node:
        # uvicorn builds the app from the environment (web/main.py): the options go there.
        os.environ["LOKET_OFFICE_NODE"] = "true"
        if central:
            os.environ["LOKET_NODE_CENTRAL_URL"] = central
        if office:
            os.environ["LOKET_NODE_OFFICE"] = office.upper()
    settings = get_settings()
    if settings.office_node and not (
        settings.node_central_url and settings.node_office and settings.node_token
    ):
        typer.echo("loket serve: an office node needs --central, --office and LOKET_NODE_TOKEN", err=True)
        raise typer.Exit(2)
    if settings.office_node and (workers or settings.workers) > 1:
        typer.echo("loket serve: an office node runs one process", err=True)
        raise typer.Exit(2)
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
        # asyncio's own event loop, not uvloop: with the process saturated (a booking rush) uvloop
        # served a few connections hundreds of ms late while the rest went on (sold-out answers
        # p99 190-330 ms against 40 ms with asyncio's loop, same code, docs/performance.md).
        loop="asyncio",
    )
