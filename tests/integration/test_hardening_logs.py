"""Nothing personal in logs (issue 21): a database error during a query that carries a NIK is
logged, traceback and all, without the statement's parameters and without the NIK. The failure
is real: the query runs against a database whose table is gone (a database of this test's own,
so that dropping a table touches no shared template)."""

from __future__ import annotations

import io
import logging
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from loket.logs import install_log_masking
from loket.services.privacy import export_person
from loket.store.database import Database
from loket.store.migrate import upgrade
from loket.testing.applicants import applicant

from ..conftest import IN_CI, PG_ADMIN_URL, _pg_url


@pytest.fixture(params=("sqlite", "postgresql"))
def own_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated database that only this test uses."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'own.db'}"
        upgrade(url)
        yield url
        return
    name = f"loket_i21_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL unreachable: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    try:
        url = _pg_url(name)
        upgrade(url)
        yield url
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_a_failed_nik_query_logs_neither_the_parameters_nor_the_nik(own_url: str) -> None:
    install_log_masking()
    nik = applicant(5).nik
    db = Database(own_url, pool_size=2)
    try:
        async with db.write() as conn:
            await conn.exec_driver_sql("DROP TABLE waitlist_entries")
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
        log = logging.getLogger("loket.test.i21")
        log.addHandler(handler)
        try:
            with pytest.raises(Exception) as failed:
                await export_person(db, nik, actor="t", now=datetime(2017, 12, 28, tzinfo=UTC))
            log.error("export failed for %s", nik, exc_info=failed.value)
        finally:
            log.removeHandler(handler)
    finally:
        await db.dispose()
    written = stream.getvalue()
    assert "waitlist_entries" in written  # the failure is there, with its traceback
    assert "Traceback" in written
    assert nik not in written
    assert "hidden due to hide_parameters" in written
