"""Importing the offices of a whole directorate at once: a file of N offices (the DJJ example with
codes O001..ONNN) into a fresh database, then the same file again (nothing to change), then
exporting every office. Prints the seconds of each step; no threshold (figures, not a test).

    .venv/bin/python bench/office_import.py --db sqlite
    .venv/bin/python bench/office_import.py --db postgresql --offices 125
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from loket.services import office_files, offices
from loket.store.database import Database
from loket.store.migrate import upgrade

DJJ = (Path(__file__).resolve().parents[1] / "tests" / "e2e" / "data" / "djj.yaml").read_text()
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def the_file(count: int) -> str:
    item = "- " + DJJ.replace("\n", "\n  ").rstrip() + "\n"
    return "".join(item.replace("code: DJJ", f"code: O{i:03d}") for i in range(1, count + 1))


async def measure(url: str, count: int) -> None:
    text = the_file(count)
    now = datetime.now(UTC)
    db = Database(url, pool_size=2)
    try:
        started = time.perf_counter()
        first = await office_files.import_offices(db, text, actor="bench", now=now)
        created = time.perf_counter() - started
        started = time.perf_counter()
        again = await office_files.import_offices(db, text, actor="bench", now=now)
        unchanged = time.perf_counter() - started
        started = time.perf_counter()
        for office in await offices.list_offices(db):
            await office_files.export_office(db, office.code)
        exported = time.perf_counter() - started
    finally:
        await db.dispose()
    print(f"offices: {count} ({len(text) // 1024} KiB file)")
    print(f"import, creating:   {created:.2f} s ({len(first.created)} created)")
    print(f"import, unchanged:  {unchanged:.2f} s ({len(again.unchanged)} unchanged)")
    print(f"export every office: {exported:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--offices", type=int, default=125)
    args = parser.parse_args()
    if args.db == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{folder}/bench.db"
            upgrade(url)
            asyncio.run(measure(url, args.offices))
        return
    name = f"loket_bench_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        upgrade(url)
        asyncio.run(measure(url, args.offices))
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
