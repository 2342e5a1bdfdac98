"""Test fixtures shared by every tier: the two databases, the app, a frozen clock.

Integration and end-to-end tests run on SQLite and on PostgreSQL. PostgreSQL comes from
LOKET_TEST_PG_URL (default: the local server, user postgres). Each test starts from a template
built once per session (tests/database_templates.py): migrated and empty, or with the demo
loaded; a copied file on SQLite, on PostgreSQL a database put back to the template's rows.
Under CI=true an unreachable PostgreSQL fails.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from loket.clock import FrozenClock
from loket.services import staff as staff_service
from loket.services.audit import use_audit_key
from loket.settings import DEFAULT_SECRET_KEY
from loket.store.database import Database

from .database_templates import PostgresTemplates, Recipe, SqliteTemplates

# THE switch for contact verification in the tests (LOKET_VERIFY_CONTACT, docs/settings.md):
# the suite books and pays with it off, in this process and in every server or command it starts
# (they inherit the environment). The tests of verification itself turn it on explicitly
# (tests/integration/test_contact_verification.py, tests/browser/test_contact_code.py).
os.environ.setdefault("LOKET_VERIFY_CONTACT", "false")
PG_ADMIN_URL = os.environ.get("LOKET_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
DATABASES = ("sqlite", "postgresql")
STORY_NOW = datetime(2017, 12, 28, 1, 30, tzinfo=UTC)  # 08:30 WIB


def _pg_url(dbname: str) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base.replace('postgresql://', 'postgresql+psycopg://', 1)}/{dbname}"


@pytest.fixture(scope="session")
def postgresql_templates() -> Iterator[PostgresTemplates]:
    """PostgreSQL's template databases and the databases the tests run on (dropped at the end)."""
    try:
        templates = PostgresTemplates(PG_ADMIN_URL, _pg_url)
    except psycopg.OperationalError as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL unreachable at {PG_ADMIN_URL} under CI=true: {exc}")
        pytest.skip(f"PostgreSQL unreachable at {PG_ADMIN_URL}: {exc}")
    try:
        yield templates
    finally:
        templates.drop_all()


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplates:
    """SQLite's template files for this session."""
    return SqliteTemplates(tmp_path_factory.mktemp("sqlite-templates"))


def _clone(request: pytest.FixtureRequest, kind: str, recipe: Recipe, folder: Path) -> str:
    if kind == "sqlite":
        templates: SqliteTemplates = request.getfixturevalue("sqlite_templates")
        return templates.clone(recipe, folder)
    postgresql: PostgresTemplates = request.getfixturevalue("postgresql_templates")
    return postgresql.fresh(recipe)


@pytest.fixture(params=DATABASES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated database of each kind (the test runs once per database) of the test's own.

    Empty, unless the test asks for the demo (the `demo_url` fixture, or `demo` or `client`
    which use it): then the demo is in it already, loaded once per session at the time of the
    test's `clock`. A test that loads the demo itself gets the empty database it expects. A
    test marked `template(make)` gets a copy of what `make(url)` made of a bare database, once
    per session and kind.
    """
    marker = request.node.get_closest_marker("template")
    recipe: Recipe
    if marker is not None:
        recipe = marker.args[0]
    elif "demo_url" in request.fixturenames:
        recipe = request.getfixturevalue("clock")()
    else:
        recipe = None
    return _clone(request, request.param, recipe, tmp_path)


@pytest.fixture
def demo_url(db_url: str) -> str:
    """`db_url` with the demo loaded (`services.demo.load_demo` at the clock's time)."""
    return db_url


@pytest.fixture
def pg_only_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty PostgreSQL database (concurrency tests that must run on PostgreSQL)."""
    return _clone(request, "postgresql", None, tmp_path)


@pytest.fixture
def pg_demo_url(request: pytest.FixtureRequest, tmp_path: Path, clock: FrozenClock) -> str:
    """A PostgreSQL database with the demo loaded at the clock's time (races run on PostgreSQL)."""
    return _clone(request, "postgresql", clock(), tmp_path)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    """The database handle on `db_url`."""
    database = Database(db_url, pool_size=10)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
async def demo(db: Database, demo_url: str) -> Database:
    """The database with the demo offices, quotas, banks, fees and history (see `db_url`)."""
    return db


@pytest.fixture
def clock() -> FrozenClock:
    """Thursday 28 December 2017, 08:30 WIB: the day of the story."""
    return FrozenClock(STORY_NOW)


@pytest.fixture(autouse=True)
def _one_audit_key() -> Iterator[None]:
    """The key audit entries are MACed with is process-wide (services/audit.py): a test that builds
    an app or runs a command with its own secret changes it. Put the default back after each test,
    so that the session's demo templates, made during some test's set-up, and every later test's
    entries are made and checked with one key (else a later seal calls the demo's rows foreign)."""
    yield
    use_audit_key(DEFAULT_SECRET_KEY)


@pytest.fixture
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters: the tests sign in hundreds of times (production keeps the defaults).
    A module that signs staff in asks for it: `pytestmark = pytest.mark.usefixtures("fast_hashing")`."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(
        staff_service, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
