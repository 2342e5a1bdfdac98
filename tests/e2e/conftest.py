"""End-to-end fixtures: the app over HTTP (in-process ASGI), on both databases."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from loket.clock import FrozenClock
from loket.settings import Settings
from loket.store.database import Database
from loket.web.app import create_app
from loket.web.csrf import COOKIE as CSRF_COOKIE
from loket.web.csrf import HEADER as CSRF_HEADER

E2E_CSRF = "e2e-csrf-token-0123456789abcdef0123456789"


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url)


@pytest.fixture
async def client(
    demo: Database, settings: Settings, clock: FrozenClock
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the app, on the database with the demo loaded (`db` is that database)."""
    app = create_app(settings, db=demo, clock=clock)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://loket.test") as http:
        # Like a browser that has loaded a page: the double-submit CSRF cookie, echoed by htmx's
        # header (web/csrf.py). Staff routes still need the session's own token.
        http.cookies.set(CSRF_COOKIE, E2E_CSRF, domain="loket.test")
        http.headers[CSRF_HEADER] = E2E_CSRF
        yield http
