"""The schema can be distributed by office (Citus) as it stands, read from the migrated database.

Every office-owned table leads its primary key and each unique key with `office_code`; the tables
that are not office-owned (national rules keyed by the person or the code, reference data, staff
identity) are exactly the ones docs/operations.md lists with their distribution key. A new table
that breaks the rule, or a national one nobody documented, fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import create_engine, inspect

from loket.store.database import sync_url

OPERATIONS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def documented_national_tables() -> set[str]:
    """The tables of the Citus table in docs/operations.md whose key is not `office_code`."""
    text = OPERATIONS.read_text(encoding="utf-8")
    section = text.split("## Many offices: scale-out on Citus", 1)[1].split("\n## ", 1)[0]
    found: set[str] = set()
    for row in re.findall(r"^\|(.+)\|(.+)\|(.+)\|$", section, re.M):
        tables, _kind, key = (cell.strip() for cell in row)
        if key not in ("key", "---") and key != "`office_code`":
            found |= set(re.findall(r"`([a-z_]+)`", tables))
    return found


def keys_of(url: str) -> dict[str, list[list[str]]]:
    """Each table's primary key and unique keys (constraints and unique indexes), as column lists."""
    engine = create_engine(sync_url(url))
    try:
        schema = inspect(engine)
        keys: dict[str, list[list[str]]] = {}
        for table in schema.get_table_names():
            if table == "alembic_version":
                continue
            found = [schema.get_pk_constraint(table)["constrained_columns"]]
            found += [u["column_names"] for u in schema.get_unique_constraints(table)]
            found += [i["column_names"] for i in schema.get_indexes(table) if i["unique"]]
            keys[table] = found
        return keys
    finally:
        engine.dispose()


def test_office_owned_tables_lead_every_key_with_the_office(db_url: str) -> None:
    keys = keys_of(db_url)
    national = {table for table, found in keys.items() if "office_code" not in found[0]}
    assert national == documented_national_tables(), (
        "tables without office_code in their primary key must be listed, with their key, in the "
        "Citus table of docs/operations.md"
    )
    broken = {
        table: columns
        for table, found in keys.items()
        if table not in national
        for columns in found
        if not columns or columns[0] != "office_code"
    }
    assert broken == {}, f"office-owned tables with a key that does not lead with office_code: {broken}"


def test_the_documented_list_names_only_real_tables(db_url: str) -> None:
    assert documented_national_tables() <= set(keys_of(db_url))
