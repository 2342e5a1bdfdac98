"""Kiosk devices in the database: registration, the token look-up, printer faults. Never commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from loket.store.tables import kiosk_devices


async def insert_kiosk(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(kiosk_devices.insert().values(**values))


async def kiosk_by_token(conn: AsyncConnection, office_code: str, token_hash: str) -> Row[Any] | None:
    """The office's kiosk holding this token, unless revoked."""
    query = select(kiosk_devices).where(
        kiosk_devices.c.office_code == office_code,
        kiosk_devices.c.token_hash == token_hash,
        kiosk_devices.c.revoked_at.is_(None),
    )
    return (await conn.execute(query)).first()


async def kiosk(conn: AsyncConnection, office_code: str, device_id: str) -> Row[Any] | None:
    query = select(kiosk_devices).where(
        kiosk_devices.c.office_code == office_code, kiosk_devices.c.device_id == device_id
    )
    return (await conn.execute(query)).first()


async def office_kiosks(conn: AsyncConnection, office_code: str) -> list[Row[Any]]:
    """The office's kiosks not revoked, by name."""
    query = (
        select(kiosk_devices)
        .where(kiosk_devices.c.office_code == office_code, kiosk_devices.c.revoked_at.is_(None))
        .order_by(kiosk_devices.c.name, kiosk_devices.c.device_id)
    )
    return list((await conn.execute(query)).all())


async def update_kiosk(conn: AsyncConnection, office_code: str, device_id: str, **values: Any) -> None:
    await conn.execute(
        update(kiosk_devices)
        .where(kiosk_devices.c.office_code == office_code, kiosk_devices.c.device_id == device_id)
        .values(**values)
    )


async def set_fault(
    conn: AsyncConnection, office_code: str, device_id: str, fault: str | None, now: datetime | None
) -> bool:
    """Set (or clear, with None) the kiosk's fault; True when it changed. The moment it started is
    kept while the same fault goes on.

    One conditional UPDATE: two failed prints at once both try it, the second waits on the row
    lock, then finds the fault already set and changes nothing (so one audit entry per change)."""
    done = await conn.execute(
        update(kiosk_devices)
        .where(
            kiosk_devices.c.office_code == office_code,
            kiosk_devices.c.device_id == device_id,
            kiosk_devices.c.fault.is_distinct_from(fault),
        )
        .values(fault=fault, fault_since=now if fault else None)
    )
    return bool(done.rowcount)
