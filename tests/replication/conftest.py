"""A replicated PostgreSQL of the test's own: a primary and a synchronous streaming standby made
with initdb and pg_basebackup from /usr/lib/postgresql/*/bin, run as the `postgres` user in
temporary directories on free loopback ports (never the shared server on 5432), stopped and
removed afterwards. `synchronous_standby_names` names the standby, so a commit returns only once
the standby has it."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest


def pg_bin() -> Path:
    if os.geteuid() != 0 and os.environ.get("CI") != "true":
        pytest.skip("the servers run as the postgres user: needs root (as the test machines are)")
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.skip("no PostgreSQL server binaries in /usr/lib/postgresql")
    return Path(found[-1]).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def as_postgres(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        ["runuser", "-u", "postgres", "--", *args], capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"{args[0]}: {done.stderr}"
    return done


@dataclass
class Cluster:
    """Two servers: `primary` and `standby` ports, their data directories, and how to act on them."""

    bin: Path
    root: Path
    primary: int
    standby: int

    def data(self, name: str) -> Path:
        return self.root / name

    def dsn(self, port: int, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{port}/{dbname}"

    def url(self, dbname: str) -> str:
        """The multi-host URL Loket is given: either server, whichever accepts writes."""
        return (
            f"postgresql+psycopg://postgres@/{dbname}?host=127.0.0.1:{self.primary}"
            f"&host=127.0.0.1:{self.standby}&target_session_attrs=read-write"
        )

    def replica_url(self, dbname: str) -> str:
        """The standby alone, as LOKET_DATABASE_REPLICA_URL names it."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.standby}/{dbname}"

    def migrated(self, dbname: str = "loket") -> str:
        """A new database on the primary, migrated by `loket db upgrade` over the multi-host URL
        (Alembic takes it too); returns that URL."""
        with psycopg.connect(self.dsn(self.primary), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{dbname}"')
        url = self.url(dbname)
        done = subprocess.run(
            [sys.executable, "-m", "loket", "db", "upgrade"],
            env={"LOKET_DATABASE_URL": url, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        return url

    def sql(self, port: int, statement: str, dbname: str = "postgres") -> object:
        """One statement on one server (autocommit); its first value, if any."""
        with psycopg.connect(self.dsn(port, dbname), autocommit=True) as conn:
            cursor = conn.execute(statement)
            row = cursor.fetchone() if cursor.description else None
            return row[0] if row else None

    def ctl(self, name: str, *args: str) -> None:
        as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data(name)), *args)

    def kill_primary(self) -> None:
        self.ctl("primary", "stop", "-m", "immediate")

    def promote_standby(self) -> None:
        """Promote, then stop waiting for a synchronous standby (the old primary is gone): without
        this every commit on the new primary waits for ever (the runbook's step 3)."""
        self.ctl("standby", "promote", "-w")
        with psycopg.connect(self.dsn(self.standby), autocommit=True) as conn:
            conn.execute("ALTER SYSTEM SET synchronous_standby_names = ''")
            conn.execute("SELECT pg_reload_conf()")


def _configure(data: Path, port: int, extra: str) -> None:
    with open(data / "postgresql.conf", "a") as conf:
        conf.write(
            f"\nport = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{data}'\n"
            "wal_level = replica\nmax_wal_senders = 5\nmax_connections = 60\nshared_buffers = 16MB\n"
            f"{extra}"
        )


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    binaries = pg_bin()
    root = Path(tempfile.mkdtemp(prefix="loket-replication-"))
    shutil.chown(root, "postgres", "postgres")
    found = Cluster(binaries, root, free_port(), free_port())
    primary, standby = found.data("primary"), found.data("standby")
    started: list[str] = []
    try:
        as_postgres(
            str(binaries / "initdb"), "-D", str(primary), "-A", "trust", "-U", "postgres", "--no-sync"
        )
        _configure(primary, found.primary, "synchronous_standby_names = 'standby1'\n")
        found.ctl("primary", "-l", str(root / "primary.log"), "start", "-w")
        started.append("primary")
        as_postgres(
            str(binaries / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(found.primary), "-U", "postgres",
            "-D", str(standby), "-X", "stream", "-R", "--no-sync",
        )  # fmt: skip
        _configure(standby, found.standby, "")
        # After -R's line in postgresql.auto.conf (which wins over postgresql.conf): the standby's
        # name, which synchronous_standby_names waits for.
        with open(standby / "postgresql.auto.conf", "a") as auto:
            auto.write(
                f"primary_conninfo = 'host=127.0.0.1 port={found.primary} user=postgres "
                "application_name=standby1'\n"
            )
        found.ctl("standby", "-l", str(root / "standby.log"), "start", "-w")
        started.append("standby")
        deadline = time.monotonic() + 60
        with psycopg.connect(found.dsn(found.primary), autocommit=True) as conn:
            while conn.execute(
                "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'"
            ).fetchone() != (1,):
                assert time.monotonic() < deadline, "the standby did not become synchronous"
                time.sleep(0.2)
        yield found
    finally:
        for name in reversed(started):
            subprocess.run(
                ["runuser", "-u", "postgres", "--", str(binaries / "pg_ctl"), "-D", str(found.data(name)),
                 "stop", "-m", "immediate"],
                capture_output=True, timeout=60,
            )  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)
