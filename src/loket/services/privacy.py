"""Personal data (UU 27/2022): one person's data on request, and the retention purge that removes
the personal data of old applications while keeping their statistics.

The audit log holds no applicant's personal data (codes, not names or NIKs), so it is never
touched: it stays append-only and its chain intact.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, func, select, true, update
from sqlalchemy.ext.asyncio import AsyncConnection

from loket.domain.booking import ACTIVE_STATUSES
from loket.domain.identity import mask_nik, parse_nik
from loket.services.audit import NATIONAL, record
from loket.store import offices_repo
from loket.store.database import Database
from loket.store.tables import (
    ballot_contacts,
    ballot_entries,
    bookings,
    contact_usage,
    notify_outbox,
    payments,
    stage_transitions,
    tickets,
    waitlist_entries,
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def _rows(result: Any) -> list[dict[str, Any]]:
    return [{k: _plain(v) for k, v in row._mapping.items()} for row in result]


async def export_person(
    db: Database, nik: str, *, actor: str, now: datetime, office_code: str | None = None
) -> dict[str, Any]:
    """Everything kept about the holder of `nik` (in one office, or all), as plain data; audited."""
    number = parse_nik(nik).nik
    def scope_office(table: Any) -> Any:
        return table.c.office_code == office_code if office_code else true()

    async with db.write() as conn:
        if office_code:
            await offices_repo.load_office(conn, office_code)
        held = await conn.execute(select(bookings).where(bookings.c.nik == number, scope_office(bookings)))
        booked = _rows(held)
        codes = [b["booking_code"] for b in booked]
        paid = (
            _rows(await conn.execute(select(payments).where(payments.c.booking_code.in_(codes))))
            if codes
            else []
        )
        waits = _rows(
            await conn.execute(
                select(waitlist_entries).where(
                    waitlist_entries.c.nik == number, scope_office(waitlist_entries)
                )
            )
        )
        entries = _rows(
            await conn.execute(
                select(ballot_entries).where(ballot_entries.c.nik == number, scope_office(ballot_entries))
            )
        )
        visits = _rows(
            await conn.execute(select(tickets).where(tickets.c.nik == number, scope_office(tickets)))
        )
        steps = []
        for t in visits:
            steps += _rows(
                await conn.execute(
                    select(stage_transitions).where(
                        stage_transitions.c.office_code == t["office_code"],
                        stage_transitions.c.day == t["day"],
                        stage_transitions.c.ticket == t["ticket"],
                    )
                )
            )
        subjects = codes + [w["entry_code"] for w in waits]
        messages = (
            _rows(
                await conn.execute(
                    select(
                        notify_outbox.c.office_code,
                        notify_outbox.c.event,
                        notify_outbox.c.subject,
                        notify_outbox.c.channel,
                        notify_outbox.c.recipient,
                        notify_outbox.c.status,
                        notify_outbox.c.created_at,
                        notify_outbox.c.sent_at,
                    ).where(notify_outbox.c.subject.in_(subjects))
                )
            )
            if subjects
            else []
        )
        await record(
            conn,
            office_code=office_code or NATIONAL,
            actor=actor,
            action="privacy.export",
            subject=mask_nik(number),
            now=now,
        )
    return {
        "nik": number,
        "exported_at": now.isoformat(),
        "office": office_code,
        "bookings": booked,
        "payments": paid,
        "waiting_lists": waits,
        "ballot_entries": entries,
        "tickets": visits,
        "stages": steps,
        "messages": messages,
    }


async def _purge_office(
    conn: AsyncConnection, office_code: str, cutoff: date, now: datetime
) -> dict[str, int]:
    old = (
        await conn.execute(
            select(bookings.c.booking_code, bookings.c.nik, bookings.c.birth_date).where(
                bookings.c.office_code == office_code,
                bookings.c.day < cutoff,
                bookings.c.purged_at.is_(None),
                bookings.c.status.not_in(ACTIVE_STATUSES),
            )
        )
    ).all()
    for row in old:
        await conn.execute(
            update(bookings)
            .where(bookings.c.office_code == office_code, bookings.c.booking_code == row.booking_code)
            .values(
                nik=mask_nik(row.nik),
                full_name="",
                phone="",
                email=None,
                birth_date=date(row.birth_date.year, 1, 1),  # the age group stays for statistics
                client_ip=None,
                client_fp=None,
                flag_reason=None,
                purged_at=now,
            )
        )
    codes = [r.booking_code for r in old]
    if codes:
        await conn.execute(
            update(payments)
            .where(payments.c.office_code == office_code, payments.c.booking_code.in_(codes))
            .values(payer=None)
        )
    visits = await conn.execute(
        select(tickets.c.day, tickets.c.ticket, tickets.c.nik).where(
            tickets.c.office_code == office_code, tickets.c.day < cutoff, tickets.c.full_name != ""
        )
    )
    purged_tickets = 0
    for t in visits.all():
        purged_tickets += 1
        await conn.execute(
            update(tickets)
            .where(tickets.c.office_code == office_code, tickets.c.day == t.day, tickets.c.ticket == t.ticket)
            .values(nik=mask_nik(t.nik), full_name="")
        )
    waits = await conn.execute(
        delete(waitlist_entries).where(
            waitlist_entries.c.office_code == office_code, waitlist_entries.c.day < cutoff
        )
    )
    entries = await conn.execute(
        delete(ballot_entries).where(
            ballot_entries.c.office_code == office_code, ballot_entries.c.day < cutoff
        )
    )
    await conn.execute(
        delete(ballot_contacts).where(
            ballot_contacts.c.office_code == office_code, ballot_contacts.c.day < cutoff
        )
    )
    moment = datetime.combine(cutoff, time(0, 0), tzinfo=now.tzinfo)
    await conn.execute(
        update(notify_outbox)
        .where(
            notify_outbox.c.office_code == office_code,
            notify_outbox.c.created_at < moment,
            notify_outbox.c.status.in_(("sent", "failed", "skipped")),
            notify_outbox.c.recipient != "",
        )
        .values(recipient="")
    )
    return {
        "bookings": len(old),
        "tickets": purged_tickets,
        "waiting_lists": int(waits.rowcount or 0),
        "ballot_entries": int(entries.rowcount or 0),
    }


async def purge_personal_data(db: Database, now: datetime, retention_days: int) -> dict[str, int]:
    """Remove personal data of applications whose day is more than `retention_days` ago."""
    totals = {"bookings": 0, "tickets": 0, "waiting_lists": 0, "ballot_entries": 0}
    if retention_days <= 0:
        return totals
    async with db.read() as conn:
        codes = await offices_repo.office_codes(conn)
    for code in codes:
        async with db.write() as conn:
            office = await offices_repo.load_office(conn, code)
            cutoff = office.local_today(now) - timedelta(days=retention_days)
            done = await _purge_office(conn, code, cutoff, now)
            if any(done.values()):
                await record(
                    conn,
                    office_code=code,
                    actor="system",
                    action="privacy.purge",
                    subject=cutoff.isoformat(),
                    detail=done,
                    now=now,
                )
        for key, value in done.items():
            totals[key] += value
    async with db.write() as conn:
        # Counters at zero say nothing but the phone number or address they are keyed by.
        await conn.execute(delete(contact_usage).where(contact_usage.c.active == 0))
    return totals


async def personal_rows(db: Database, nik: str) -> int:
    """How many bookings still carry this NIK unmasked (tests, operators)."""
    async with db.read() as conn:
        found = await conn.execute(select(func.count()).select_from(bookings).where(bookings.c.nik == nik))
        return int(found.scalar_one())
