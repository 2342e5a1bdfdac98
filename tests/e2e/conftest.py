"""End-to-end fixtures: the app over HTTP (in-process ASGI), on both databases."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from loket.clock import FrozenClock
from loket.services.demo import load_demo
from loket.settings import Settings
from loket.store.database import Database
from loket.web.app import create_app


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url)


@pytest.fixture
async def client(
    db: Database, settings: Settings, clock: FrozenClock
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the app with the demo offices loaded."""
    await load_demo(db, now=clock())
    app = create_app(settings, db=db, clock=clock)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://loket.test") as http:
        yield http
