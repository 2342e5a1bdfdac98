"""The application factory: `create_app(settings)` builds everything; nothing happens at import."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import FastAPI

from loket import __version__
from loket.clock import Clock, utcnow
from loket.logs import install_log_masking
from loket.services import floor_views, node_journal
from loket.services.audit import use_audit_key
from loket.services.billing.codes import provider_from
from loket.services.board_hub import BoardHub
from loket.services.catalog import Catalog
from loket.services.fanout import Fanout
from loket.services.floor_bus import BoardBus
from loket.services.node_sync import NodeLink
from loket.services.shared_limits import open_redis
from loket.settings import Settings, audit_secret
from loket.store.database import Database
from loket.web import assets
from loket.web.api import (
    admin,
    audit,
    ballots,
    bookings,
    docs,
    floor,
    fraud,
    health,
    offices,
    privacy,
    refunds,
    staff,
    verification,
)
from loket.web.api import node as node_api
from loket.web.api.openapi import complete_schema
from loket.web.body_limits import BodyLimitMiddleware
from loket.web.errors import install_error_handlers
from loket.web.hot_routes import HotRoutes
from loket.web.limits import make_limiter
from loket.web.middleware import SecurityMiddleware
from loket.web.pages import (
    applicant,
    ballot,
    floor_documents,
    home,
    invitation,
    national_admin,
    planning,
    reports,
    security,
)
from loket.web.pages import floor as floor_pages
from loket.web.pages import kiosk as kiosk_pages
from loket.web.pages import node as node_pages
from loket.web.pages import staff as staff_pages
from loket.web.templating import make_templates
from loket.web.warmup import settle_heap, warm_up


def start_node_link(app: FastAPI, settings: Settings, clock: Clock) -> asyncio.Task[None] | None:
    """On an office node: the link to the centre, run in the background (services/node_sync.py)."""
    if not settings.office_node:
        return None
    link = NodeLink(
        app.state.db,
        central_url=settings.node_central_url,
        office_code=settings.node_office,
        token=settings.node_token,
        interval_s=settings.node_sync_interval_s,
        clock=clock,
    )
    app.state.node_link = link
    app.state.templates.env.globals["node_link"] = lambda: link.state  # the banner of every staff page
    node_journal.set_waker(link.wake)

    async def both() -> None:
        await asyncio.gather(link.run(), link.listen())

    return asyncio.create_task(both())


def create_app(settings: Settings, *, db: Database | None = None, clock: Clock = utcnow) -> FastAPI:
    """Build the web app. Pass `db` to share a database handle (tests); otherwise one is opened."""
    owns_db = db is None
    install_log_masking()
    use_audit_key(audit_secret(settings))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if owns_db:
            app.state.db = Database(
                settings.database_url,
                pool_size=settings.database_pool_size,
                connect_timeout_s=settings.database_connect_timeout_s,
                statement_timeout_s=settings.database_statement_timeout_s,
                portable=settings.booking_path == "portable",
                replica_url=settings.database_replica_url,
                replica_max_lag_s=settings.replica_max_lag_s,
            )
        # Code, locale data and templates the first pages would otherwise load (web/warmup.py).
        await anyio.to_thread.run_sync(warm_up, app)
        settle_heap()
        fanout = app.state.fanout
        listening = asyncio.create_task(fanout.run()) if fanout is not None else None
        syncing = start_node_link(app, settings, clock)
        try:
            yield
        finally:
            if syncing is not None:
                syncing.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await syncing
                await app.state.node_link.close()
            await app.state.board_hub.close()
            await app.state.billing.close()
            if listening is not None:
                listening.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await listening
                await fanout.close()
            if owns_db:
                await app.state.db.dispose()

    app = FastAPI(
        title="Loket",
        version=__version__,
        description="Passport service of Indonesian immigration offices: booking, floor, planning.",
        lifespan=lifespan,
        # /docs is web/api/docs.py (vendored Swagger UI); ReDoc would load from a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.clock = clock
    app.state.templates = make_templates()
    app.state.templates.env.globals["node_link"] = lambda: None  # a central server has no link banner
    static = assets.loaded()
    app.state.templates.env.globals["url_for"] = assets.static_url_for(static)
    app.state.catalog = Catalog(
        ttl=settings.catalog_ttl_s,
        country=settings.holiday_country,
        session_ttl=settings.staff_session_cache_s,
    )
    app.state.limiter = make_limiter(settings)
    app.state.billing = provider_from(settings)  # who issues billing codes (services/billing)
    app.state.board_bus = BoardBus()
    # One snapshot per office and change for every board of this process (services/board_hub.py);
    # the builder is the one function that reads a snapshot, whichever database it reads.
    app.state.board_hub = BoardHub(
        app.state.board_bus,
        lambda office_code, now: floor_views.board(app.state.db, office_code, now),
        clock,
        settings.board_poll_s,
    )
    # Several processes: catalog and floor changes told to the others through Redis (services/fanout.py).
    app.state.fanout = (
        Fanout(
            open_redis(settings),
            open_redis(settings, listening=True),
            settings.redis_prefix,
            app.state.catalog,
            app.state.board_bus,
        )
        if settings.redis_url
        else None
    )
    if db is not None:
        app.state.db = db
    install_error_handlers(app)
    app.state.node_link = None
    node_journal.enable(settings.office_node)
    app.include_router(health.router)
    app.include_router(node_api.router)
    app.include_router(docs.router)
    app.include_router(offices.router)
    app.include_router(bookings.router)
    app.include_router(verification.router)
    app.include_router(staff.router)
    app.include_router(admin.router)
    app.include_router(floor.router)
    app.include_router(ballots.router)
    app.include_router(fraud.router)
    app.include_router(privacy.router)
    app.include_router(audit.router)
    app.include_router(refunds.router)
    app.include_router(home.router)
    app.include_router(applicant.router)
    app.include_router(ballot.router)
    app.include_router(staff_pages.router)
    app.include_router(invitation.router)
    app.include_router(national_admin.router)
    app.include_router(floor_pages.router)
    app.include_router(floor_documents.router)
    app.include_router(kiosk_pages.router)
    app.include_router(node_pages.router)
    app.include_router(planning.router)
    app.include_router(reports.router)
    app.include_router(security.router)
    app.include_router(assets.router(static))
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete_schema(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    # Innermost: the rush's two routes go straight to their endpoints (web/hot_routes.py), after
    # the security and body-limit middleware have done their part.
    app.add_middleware(HotRoutes)
    app.add_middleware(BodyLimitMiddleware, settings=settings)  # inside: rate limits come first
    app.add_middleware(SecurityMiddleware, settings=settings, limiter=app.state.limiter)
    return app
