"""`loket node`: office nodes (docs/office-node.md): a node's token at the centre, a sync round
from the node's side (upload the journal, pull the mirror)."""

from __future__ import annotations

from typing import Annotated

import typer

from loket.cli.runner import console, run
from loket.clock import utcnow
from loket.settings import get_settings

node_app = typer.Typer(help="Office nodes: the floor that keeps working offline.", no_args_is_help=True)


@node_app.command("register")
def node_register(office: Annotated[str, typer.Option(help="Office code, e.g. PLG")]) -> None:
    """At the centre: a (new) token for the office's node; shown once, the old one stops working."""
    from loket.services.node_central import register_node

    token = run(lambda db: register_node(db, office.upper(), actor="cli", now=utcnow()))
    console.print(f"{office.upper()} node token (set LOKET_NODE_TOKEN on the node; shown once): {token}")


@node_app.command("sync")
def node_sync(
    everything: Annotated[
        bool, typer.Option("--all", help="Upload every journal event again (the centre skips those it has)")
    ] = False,
) -> None:
    """On the node: one round now (upload the journal, pull the mirror); exit 1 when the link is down."""
    from loket.services.node_sync import upload_once

    settings = get_settings()
    state = run(
        lambda db: upload_once(
            db,
            central_url=settings.node_central_url,
            office_code=settings.node_office.upper(),
            token=settings.node_token,
            clock=utcnow,
            everything=everything,
        )
    )
    console.print(f"{state.office_code}: {'online' if state.online else 'offline'}, {state.waiting} waiting")
    if not state.online:
        raise typer.Exit(1)
