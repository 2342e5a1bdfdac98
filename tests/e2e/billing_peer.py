"""Loket as a real HTTP server (uvicorn in the test's event loop) beside the billing simulator.

The simulator runs in a thread and posts its signed notifications to Loket over loopback, as the
state's billing service would; the tests drive both only through HTTP (and the worker's round)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import uvicorn

from loket.clock import FrozenClock
from loket.services.billing.http import HttpProvider
from loket.settings import Settings
from loket.simulators.billing import BillingSimulator
from loket.store.database import Database
from loket.web.app import create_app

SECRET = "billing-simulator-secret-0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Peers:
    loket: httpx.AsyncClient  # Loket over real HTTP
    billing: httpx.AsyncClient  # the simulator's form/API and control
    sim: BillingSimulator
    settings: Settings
    provider: HttpProvider  # the worker's own adapter to the simulator


@asynccontextmanager
async def running(
    db_url: str, demo: Database, clock: FrozenClock, *, timeout_s: float = 10.0, verify_contact: bool = False
) -> AsyncIterator[Peers]:
    # A generous timeout unless a test is about a slow provider: on a loaded test machine the
    # simulator may take over a second, and the booking would then (rightly) wait for its code.
    port = free_port()
    sim = BillingSimulator(SECRET, f"http://127.0.0.1:{port}/api/v1/payments/billing-notification").start()
    settings = Settings(
        database_url=db_url,
        billing_provider="http",
        billing_url=sim.url,
        billing_secret=SECRET,
        billing_timeout_s=timeout_s,
        rate_limit=False,
        verify_contact=verify_contact,
    )
    app = create_app(settings, db=demo, clock=clock)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    provider = HttpProvider(sim.url, SECRET, timeout_s=timeout_s)
    try:
        for _ in range(200):
            if server.started:
                break
            await asyncio.sleep(0.05)
        assert server.started, "Loket did not start"
        async with (
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=20) as loket,
            httpx.AsyncClient(base_url=sim.url, timeout=20) as billing,
        ):
            yield Peers(loket, billing, sim, settings, provider)
    finally:
        await provider.close()
        server.should_exit = True
        await task
        sim.stop()
