"""The mirror an office node keeps of the centre (issue 19): the rows the floor needs, read at the
centre as JSON-safe dicts and written at the node by their primary key. Never commits.

What is mirrored, in foreign-key order: the office and its configuration, its stations, quotas
and devices, the staff who work there (with their password hashes), the national holiday
overrides, and the bookings of the days asked for (today and the next service day), paid or not.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Date, Table, Time, select
from sqlalchemy.ext.asyncio import AsyncConnection

from loket.store import dialect
from loket.store.tables import (
    bookings,
    day_quotas,
    extra_service_days,
    holiday_overrides,
    kiosk_devices,
    office_closures,
    office_hours,
    office_sessions,
    offices,
    places,
    quota_templates,
    staff_accounts,
    staff_memberships,
    stage_targets,
    stations,
)
from loket.store.types import UTCDateTime

# Written in this order at the node (offices first: every other row points at it).
MIRRORED: tuple[Table, ...] = (
    offices,
    office_hours,
    office_sessions,
    stations,
    office_closures,
    extra_service_days,
    quota_templates,
    day_quotas,
    places,
    stage_targets,
    kiosk_devices,
    staff_accounts,
    staff_memberships,
    holiday_overrides,
    bookings,
)
BY_NAME = {table.name: table for table in MIRRORED}
# Booking statuses the office owns once it has acted: a pull never turns them back.
NODE_OWNED_STATUSES = ("checked_in",)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def _typed(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in row.items():
        if name not in table.c:
            continue  # a newer centre may send columns this node does not have yet
        kind = table.c[name].type
        if value is not None and isinstance(value, str):
            if isinstance(kind, UTCDateTime):
                value = datetime.fromisoformat(value)
            elif isinstance(kind, Date):
                value = date.fromisoformat(value)
            elif isinstance(kind, Time):
                value = time.fromisoformat(value)
        out[name] = value
    return out


async def dump(
    conn: AsyncConnection, office_code: str, days: Sequence[date]
) -> dict[str, list[dict[str, Any]]]:
    """The mirror of one office: table name -> rows, JSON-safe."""
    members = select(staff_memberships.c.username).where(staff_memberships.c.office_code == office_code)
    queries = {
        "offices": select(offices).where(offices.c.code == office_code),
        "staff_accounts": select(staff_accounts).where(staff_accounts.c.username.in_(members)),
        "holiday_overrides": select(holiday_overrides),
        "day_quotas": select(day_quotas).where(
            day_quotas.c.office_code == office_code, day_quotas.c.day.in_(list(days))
        ),
        "places": select(places).where(places.c.office_code == office_code, places.c.day.in_(list(days))),
        "bookings": select(bookings).where(
            bookings.c.office_code == office_code, bookings.c.day.in_(list(days))
        ),
    }
    out: dict[str, list[dict[str, Any]]] = {}
    for table in MIRRORED:
        query = (
            queries[table.name]
            if table.name in queries
            else select(table).where(table.c.office_code == office_code)
        )
        rows = (await conn.execute(query)).mappings().all()
        out[table.name] = [{k: _plain(v) for k, v in row.items()} for row in rows]
    return out


async def load(conn: AsyncConnection, mirror: dict[str, list[dict[str, Any]]]) -> int:
    """Write the mirror at the node, row by row by primary key; how many rows were written.

    A booking the node has checked in keeps its local status (the journal tells the centre)."""
    written = 0
    for table in MIRRORED:
        rows = [_typed(table, row) for row in mirror.get(table.name, [])]
        if not rows:
            continue
        keys = [col.name for col in table.primary_key.columns]
        for row in rows:
            changes = {k: v for k, v in row.items() if k not in keys}
            statement = dialect.insert(conn, table).values(**row)
            if not changes:
                statement = statement.on_conflict_do_nothing(index_elements=keys)
            else:
                if table is bookings:
                    changes.pop("status", None)
                    changes["status"] = _keep_owned(statement)
                statement = statement.on_conflict_do_update(index_elements=keys, set_=changes)
            await conn.execute(statement)
            written += 1
    return written


def _keep_owned(statement: Any) -> Any:
    from sqlalchemy import case

    return case(
        (bookings.c.status.in_(NODE_OWNED_STATUSES), bookings.c.status),
        else_=statement.excluded.status,
    )


async def booking_versions(
    conn: AsyncConnection, office_code: str, codes: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """The centre's version of some bookings (status, day, session, paid), for conflict cases."""
    if not codes:
        return {}
    query = select(
        bookings.c.booking_code, bookings.c.status, bookings.c.day, bookings.c.starts,
        bookings.c.paid_at, bookings.c.updated_at, bookings.c.full_name,
    ).where(bookings.c.office_code == office_code, bookings.c.booking_code.in_(list(codes)))  # fmt: skip
    return {
        row.booking_code: {k: _plain(v) for k, v in row._mapping.items()}
        for row in (await conn.execute(query))
    }


async def last_change(conn: AsyncConnection, office_code: str) -> str:
    """A mark that moves whenever a mirrored booking of the office changes (the node's push)."""
    from sqlalchemy import func

    query = select(func.max(bookings.c.updated_at), func.count()).where(bookings.c.office_code == office_code)
    latest, count = (await conn.execute(query)).one()
    return f"{_plain(latest) or ''}/{count}"
