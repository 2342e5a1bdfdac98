"""Template databases, built once per test session and cloned for every test.

A test used to migrate or truncate its database and then reload the demo through the services
(0.6-1.1 s each). Now each kind of database has templates, built on first use: one migrated and
empty, and one per demo clock with `services.demo.load_demo` run once at that moment. A test gets
a clone: a copy of the file on SQLite, `CREATE DATABASE ... TEMPLATE` on PostgreSQL (about 0.1 s
with the drop, measured, against 0.4 s for truncating every table). A clone is a database of its
own, so the concurrency and crash tests that open many connections or processes run on it as on
any database (a transaction rolled back per test could not hold them).
"""

from __future__ import annotations

import asyncio
import itertools
import queue
import shutil
import sqlite3
import threading
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
    """Migrated SQLite files (empty, or with the demo loaded at a given moment), copied per test."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._files: dict[datetime | None, Path] = {}

    def template(self, demo_at: datetime | None) -> Path:
        """The template file: empty when `demo_at` is None, else with the demo loaded at `demo_at`."""
        found = self._files.get(demo_at)
        if found is not None:
            return found
        if demo_at is None:
            path = self.folder / "empty.db"
            upgrade(f"sqlite:///{path}")
        else:
            empty = self.template(None)
            path = self.folder / f"demo-{len(self._files)}.db"
            shutil.copyfile(empty, path)
            run_in_thread(lambda: _load_demo(f"sqlite:///{path}", demo_at))
            _checkpoint(path)
        self._files[demo_at] = path
        return path

    def clone(self, demo_at: datetime | None, folder: Path) -> str:
        """A fresh database file in `folder`, copied from the template."""
        path = folder / "loket.db"
        shutil.copyfile(self.template(demo_at), path)
        return f"sqlite:///{path}"


def _checkpoint(path: Path) -> None:
    # Everything into the main file, so that copying that one file copies the whole database.
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    wal = path.with_name(path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0, f"{wal} still holds pages"


class PostgresTemplates:
    """Template databases on one PostgreSQL server; each test gets `CREATE DATABASE ... TEMPLATE`."""

    def __init__(self, admin_url: str, url_of: Callable[[str], str]) -> None:
        """Templates on the server of `admin_url`; `url_of(name)` is the URL of database `name`."""
        self.admin_url = admin_url
        self.admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=5)
        self.url_of = url_of
        self.prefix = f"loket_test_{uuid.uuid4().hex[:8]}"
        self._names: dict[datetime | None, str] = {}
        self._numbers = itertools.count(1)
        self._clones: set[str] = set()
        self._doomed: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._dropper: threading.Thread | None = None

    def template(self, demo_at: datetime | None) -> str:
        """The template's name: empty when `demo_at` is None, else with the demo loaded at `demo_at`."""
        found = self._names.get(demo_at)
        if found is not None:
            return found
        if demo_at is None:
            name = f"{self.prefix}_empty"
            self._create(name)
            upgrade(self.url_of(name))
        else:
            empty = self.template(None)
            name = f"{self.prefix}_demo{len(self._names)}"
            self._create(name, template=empty)
            run_in_thread(lambda: _load_demo(self.url_of(name), demo_at))
        # Nobody may be connected to a template while it is cloned.
        self.admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        self._names[demo_at] = name
        return name

    def clone(self, demo_at: datetime | None) -> str:
        """A fresh database cloned from the template; dropped by `drop` (or at the end of the session)."""
        name = f"{self.prefix}_{next(self._numbers)}"
        self._create(name, template=self.template(demo_at))
        self._clones.add(name)
        return self.url_of(name)

    def drop(self, url: str) -> None:
        """Drop a clone made by `clone`, whoever is still connected to it."""
        name = url.rsplit("/", 1)[1]
        if self._dropper is None:
            self._dropper = threading.Thread(target=self._drop_in_turn, name="drop-clones", daemon=True)
            self._dropper.start()
        self._doomed.put(name)

    def drop_all(self) -> None:
        """Drop every database this session made (the clones still queued or left, then the
        templates) and close the admin connection."""
        if self._dropper is not None:
            self._doomed.put(None)
            self._dropper.join()
            self._dropper = None
        for name in [*sorted(self._clones), *self._names.values()]:
            _drop(self.admin, name)
        self._clones.clear()
        self._names.clear()
        self.admin.close()

    def _drop_in_turn(self) -> None:
        # DROP DATABASE waits for a checkpoint (0.05-4 s here, measured, as the server is busy):
        # a thread of its own does the waiting, with a connection of its own, while tests go on.
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            while (name := self._doomed.get()) is not None:
                try:
                    _drop(admin, name)
                except psycopg.Error:
                    continue  # left in _clones: drop_all tries again
                self._clones.discard(name)

    def _create(self, name: str, *, template: str | None = None) -> None:
        """CREATE DATABASE, empty or as a copy of `template`."""
        # The default strategy (WAL_LOG since PostgreSQL 15) copies a small database without the
        # checkpoint that FILE_COPY needs: 0.05 s against 0.15-0.6 s here, measured.
        clause = f' TEMPLATE "{template}"' if template else ""
        self.admin.execute(f'CREATE DATABASE "{name}"{clause}')


def _drop(admin: psycopg.Connection[tuple[object, ...]], name: str) -> None:
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
