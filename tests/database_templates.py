"""Template databases, built once per test session, that every test starts from.

A test used to migrate or truncate its database and then reload the demo through the services
(0.6-1.1 s each). Now each kind of database has templates, built on first use from a recipe:
migrated and empty (None), the demo loaded by `services.demo.load_demo` at a moment (a
datetime), or what a function makes of a bare database (a callable taking its URL, such as the
`loket` commands a newcomer types). On SQLite a test gets a copy of the template's file. On
PostgreSQL the tests of a recipe share one database cloned from the template (`CREATE DATABASE
... TEMPLATE`), put back to the template's rows before each test (see `_WorkDatabase` for the
measurements that chose this over a database per test). Either way a test has a real database
to itself, so the concurrency and crash tests that open many connections or processes run on it
as on any other (a transaction rolled back per test could not hold them).
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import psycopg

from loket.store.database import Database
from loket.store.migrate import upgrade

T = TypeVar("T")
# How a template is made: None (migrated, empty), a datetime (the demo loaded at that moment),
# or a function that makes what it wants of the bare database at the URL it is given.
Recipe = datetime | Callable[[str], None] | None


def run_in_thread(work: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to the end on a loop of its own, in a thread of its own.

    A sync fixture may be set up while pytest-asyncio owns this thread's event loop; asyncio.run
    here would replace (and then unset) that loop.
    """

    async def main() -> T:
        return await work()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main()).result()


async def _load_demo(url: str, now: datetime) -> None:
    from loket.services.demo import load_demo

    db = Database(url)
    try:
        await load_demo(db, now=now)
    finally:
        await db.dispose()


class SqliteTemplates:
    """SQLite template files made from recipes, copied per test."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._files: dict[Recipe, Path] = {}

    def template(self, recipe: Recipe) -> Path:
        """The template file made from `recipe`, made on first use."""
        found = self._files.get(recipe)
        if found is not None:
            return found
        if recipe is None:
            path = self.folder / "empty.db"
            upgrade(f"sqlite:///{path}")
        elif isinstance(recipe, datetime):
            empty = self.template(None)
            path = self.folder / f"made-{len(self._files)}.db"
            shutil.copyfile(empty, path)
            run_in_thread(lambda: _load_demo(f"sqlite:///{path}", recipe))
        else:
            path = self.folder / f"made-{len(self._files)}.db"
            recipe(f"sqlite:///{path}")
        _checkpoint(path)
        self._files[recipe] = path
        return path

    def clone(self, recipe: Recipe, folder: Path) -> str:
        """A fresh database file in `folder`, copied from the template."""
        path = folder / "loket.db"
        shutil.copyfile(self.template(recipe), path)
        return f"sqlite:///{path}"


def _checkpoint(path: Path) -> None:
    # Everything into the main file, so that copying that one file copies the whole database.
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    wal = path.with_name(path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0, f"{wal} still holds pages"


class PostgresTemplates:
    """Template databases on one PostgreSQL server, and one database per recipe that the tests
    run on, put back to its template's rows before each test."""

    def __init__(self, admin_url: str, url_of: Callable[[str], str]) -> None:
        """Templates on the server of `admin_url`; `url_of(name)` is the URL of database `name`."""
        self.admin_url = admin_url
        self.admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=5)
        self.url_of = url_of
        self.prefix = f"loket_test_{uuid.uuid4().hex[:8]}"
        self._templates: dict[Recipe, str] = {}
        self._work: dict[Recipe, _WorkDatabase] = {}

    def template(self, recipe: Recipe) -> str:
        """The name of the template database made from `recipe`, made on first use."""
        found = self._templates.get(recipe)
        if found is not None:
            return found
        if recipe is None:
            name = f"{self.prefix}_empty"
            self._create(name)
            upgrade(self.url_of(name))
        elif isinstance(recipe, datetime):
            empty = self.template(None)
            name = f"{self.prefix}_made{len(self._templates)}"
            self._create(name, template=empty)
            run_in_thread(lambda: _load_demo(self.url_of(name), recipe))
        else:
            name = f"{self.prefix}_made{len(self._templates)}"
            self._create(name)
            recipe(self.url_of(name))
        # Nobody may be connected to a template while it is cloned.
        _terminate_others(self.admin, name)
        self._templates[recipe] = name
        return name

    def fresh(self, recipe: Recipe) -> str:
        """The URL of the recipe's database, holding exactly its template's rows again."""
        work = self._work.get(recipe)
        if work is None:
            template = self.template(recipe)
            name = f"{template}_work"
            self._create(name, template=template)
            work = _WorkDatabase(self._libpq(name))
            self._work[recipe] = work
        else:
            work.reset()
        return self.url_of(work.name)

    def drop_all(self) -> None:
        """Drop every database this session made and close the connections."""
        for work in self._work.values():
            work.close()
            _drop(self.admin, work.name)
        for name in self._templates.values():
            _drop(self.admin, name)
        self._work.clear()
        self._templates.clear()
        self.admin.close()

    def _libpq(self, name: str) -> str:
        return f"{self.admin_url.rsplit('/', 1)[0]}/{name}"

    def _create(self, name: str, *, template: str | None = None) -> None:
        """CREATE DATABASE, empty or as a copy of `template`."""
        clause = f' TEMPLATE "{template}"' if template else ""
        self.admin.execute(f'CREATE DATABASE "{name}"{clause}')


class _WorkDatabase:
    """A database the tests of one recipe share, put back to its first rows before each test.

    Cheaper than a database per test, measured here: deleting every row and copying the
    template's rows back (binary COPY) takes 0.02 s; CREATE DATABASE ... TEMPLATE takes
    0.05-0.15 s and its DROP DATABASE 0.05-4 s, for it waits for a checkpoint of the whole
    server; TRUNCATE of every table took 0.4 s. The rows are those of the template, so a test
    sees what a clone would show; sequences run on, as they did under TRUNCATE.
    """

    def __init__(self, conninfo: str) -> None:
        self.conn = psycopg.connect(conninfo, autocommit=True)
        self.name = conninfo.rsplit("/", 1)[1]
        found = self.conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
        )
        self.tables = sorted(str(row[0]) for row in found)
        self.rows: dict[str, bytes] = {}
        for table in self.tables:
            with self.conn.cursor().copy(f'COPY "{table}" TO STDOUT (FORMAT binary)') as copy:
                self.rows[table] = b"".join(bytes(chunk) for chunk in copy)
        self.filled = [t for t in self.tables if self._has_rows(t)]

    def reset(self) -> None:
        """Every row back to the template's, whoever is left connected (a killed server's
        children, a forgotten engine) disconnected first."""
        _terminate_others(self.conn, self.name)
        with self.conn.transaction():
            # Replica mode: no foreign-key checks and no triggers (audit_log refuses DELETE).
            self.conn.execute("SET LOCAL session_replication_role = replica")
            for table in self.tables:
                self.conn.execute(f'DELETE FROM "{table}"')
            for table in self.filled:
                with self.conn.cursor().copy(f'COPY "{table}" FROM STDIN (FORMAT binary)') as copy:
                    copy.write(self.rows[table])

    def close(self) -> None:
        self.conn.close()

    def _has_rows(self, table: str) -> bool:
        return bool(self.conn.execute(f'SELECT EXISTS (SELECT FROM "{table}")').fetchone()[0])  # type: ignore[index]


def _terminate_others(conn: psycopg.Connection[tuple[object, ...]], name: str) -> None:
    conn.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = %s AND pid <> pg_backend_pid()",
        (name,),
    )


def _drop(admin: psycopg.Connection[tuple[object, ...]], name: str) -> None:
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
