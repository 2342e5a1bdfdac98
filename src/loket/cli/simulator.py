"""`loket simulator`: stand-ins for outside systems, as real HTTP servers (demos and tests)."""

from __future__ import annotations

import contextlib
from typing import Annotated

import typer

from loket.cli.runner import console

simulator_app = typer.Typer(help="Simulated outside systems (the billing service).", no_args_is_help=True)


@simulator_app.command("billing")
def billing(
    port: Annotated[int, typer.Option("--port", help="Port to listen on (127.0.0.1)")] = 8090,
    secret: Annotated[str, typer.Option("--secret", help="Shared secret (LOKET_BILLING_SECRET)")] = "",
    notify_url: Annotated[
        str, typer.Option("--notify-url", help="Where payment notifications go")
    ] = "http://127.0.0.1:8000/api/v1/payments/billing-notification",
    fail: Annotated[bool, typer.Option("--fail", help="Answer 503 to every code request")] = False,
    delay: Annotated[float, typer.Option("--delay", help="Seconds to wait before answering")] = 0.0,
    copies: Annotated[int, typer.Option("--copies", help="Notifications sent per payment")] = 1,
    accept_late: Annotated[bool, typer.Option("--accept-late", help="Accept payments after expiry")] = False,
) -> None:
    """Run a billing service that speaks Loket's contract (docs/payments.md) until stopped."""
    from loket.settings import get_settings
    from loket.simulators.billing import Behaviour, BillingSimulator

    key = secret or get_settings().billing_secret
    if not key:
        raise typer.BadParameter("give --secret or set LOKET_BILLING_SECRET", param_hint="--secret")
    mode = "fail" if fail else ("slow" if delay > 0 else "ok")
    sim = BillingSimulator(key, notify_url, port=port, behaviour=Behaviour(mode, delay, copies, accept_late))
    console.print(f"billing simulator on http://127.0.0.1:{port} (notifying {notify_url})")
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how it is stopped
        sim.serve_forever()
