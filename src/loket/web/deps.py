"""Request-scoped dependencies: the database, the office catalog, the settings, the clock and
the language, each as an `Annotated` type a route names in its signature (`db: DbDep`).

All are `async def`: FastAPI runs a plain `def` dependency in a thread pool, a thread hop per
request per dependency (measured: most of the CPU of a /healthz call)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from loket.i18n import pick_locale
from loket.services.billing.provider import BillingProvider
from loket.services.catalog import Catalog
from loket.settings import Settings
from loket.store.database import Database


def db_of(request: Request) -> Database:
    """The process's database handle; for the hot routes, which read the app's state directly
    (each dependency FastAPI resolves costs a few percent of a booking's CPU: docs/performance.md)."""
    db: Database = request.app.state.db
    return db


async def get_db(request: Request) -> Database:
    return db_of(request)


def catalog_of(request: Request) -> Catalog:
    """The process's office catalog (services/catalog.py), made by create_app; for code that runs
    outside a route's signature (form actions); routes take `CatalogDep`."""
    catalog: Catalog = request.app.state.catalog
    return catalog


async def get_catalog(request: Request) -> Catalog:
    return catalog_of(request)


def billing_of(request: Request) -> BillingProvider:
    """The process's billing provider (services/billing), made by create_app."""
    billing: BillingProvider = request.app.state.billing
    return billing


async def get_billing(request: Request) -> BillingProvider:
    return billing_of(request)


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_settings(request: Request) -> Settings:
    return settings_of(request)


def now_of(request: Request) -> datetime:
    now: datetime = request.app.state.clock()
    return now


async def get_now(request: Request) -> datetime:
    return now_of(request)


def request_locale(request: Request) -> str:
    """The language of this request (query, cookie, Accept-Language, default)."""
    cached = getattr(request.state, "locale", None)
    if cached:
        return str(cached)
    settings: Settings = request.app.state.settings
    locale = pick_locale(
        request.query_params.get("lang"),
        request.cookies.get("lang"),
        request.headers.get("accept-language"),
        settings.default_locale,
    )
    request.state.locale = locale
    return locale


async def current_locale(request: Request) -> str:
    """request_locale as a dependency (async: FastAPI runs sync dependencies in a thread pool)."""
    return request_locale(request)


DbDep = Annotated[Database, Depends(get_db)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]
NowDep = Annotated[datetime, Depends(get_now)]
LocaleDep = Annotated[str, Depends(current_locale)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
BillingDep = Annotated[BillingProvider, Depends(get_billing)]
