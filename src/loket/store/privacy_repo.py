"""Personal data across the tables: one person's rows (for an export) and the retention purge's
masking and deletions. Never commits; the service writes the audit row."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import delete, func, select, true, update
from sqlalchemy.ext.asyncio import AsyncConnection

from loket.domain.booking import ACTIVE_STATUSES
from loket.domain.identity import mask_nik
from loket.store.tables import (
    ballot_contacts,
    ballot_entries,
    booking_documents,
    bookings,
    contact_codes,
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


def _in_office(table: Any, office_code: str | None) -> Any:
    return table.c.office_code == office_code if office_code else true()


# --- One person's data, as plain data (dates as ISO text) -------------------------------------------


async def bookings_of(conn: AsyncConnection, nik: str, office_code: str | None) -> list[dict[str, Any]]:
    """The bookings held by `nik` (in one office, or all)."""
    query = select(bookings).where(bookings.c.nik == nik, _in_office(bookings, office_code))
    return _rows(await conn.execute(query))


async def payments_of(conn: AsyncConnection, booking_codes: Sequence[str]) -> list[dict[str, Any]]:
    """The payments of these bookings."""
    if not booking_codes:
        return []
    query = select(payments).where(payments.c.booking_code.in_(list(booking_codes)))
    return _rows(await conn.execute(query))


async def waitlist_of(conn: AsyncConnection, nik: str, office_code: str | None) -> list[dict[str, Any]]:
    """The waiting-list entries of `nik` (in one office, or all)."""
    query = select(waitlist_entries).where(
        waitlist_entries.c.nik == nik, _in_office(waitlist_entries, office_code)
    )
    return _rows(await conn.execute(query))


async def ballot_entries_of(conn: AsyncConnection, nik: str, office_code: str | None) -> list[dict[str, Any]]:
    """The ballot entries of `nik` (in one office, or all)."""
    query = select(ballot_entries).where(ballot_entries.c.nik == nik, _in_office(ballot_entries, office_code))
    return _rows(await conn.execute(query))


async def tickets_of(conn: AsyncConnection, nik: str, office_code: str | None) -> list[dict[str, Any]]:
    """The floor tickets of `nik` (in one office, or all)."""
    query = select(tickets).where(tickets.c.nik == nik, _in_office(tickets, office_code))
    return _rows(await conn.execute(query))


async def transitions_of(conn: AsyncConnection, ticket: dict[str, Any]) -> list[dict[str, Any]]:
    """The stage moves of one ticket (as `tickets_of` returned it)."""
    query = select(stage_transitions).where(
        stage_transitions.c.office_code == ticket["office_code"],
        # The ticket comes as plain data (its day ISO text); PostgreSQL will not compare text to a date.
        stage_transitions.c.day == date.fromisoformat(str(ticket["day"])),
        stage_transitions.c.ticket == ticket["ticket"],
    )
    return _rows(await conn.execute(query))


async def messages_about(conn: AsyncConnection, subjects: Sequence[str]) -> list[dict[str, Any]]:
    """The outbox messages about these bookings and waiting-list entries (without their bodies)."""
    if not subjects:
        return []
    query = select(
        notify_outbox.c.office_code,
        notify_outbox.c.event,
        notify_outbox.c.subject,
        notify_outbox.c.channel,
        notify_outbox.c.recipient,
        notify_outbox.c.status,
        notify_outbox.c.created_at,
        notify_outbox.c.sent_at,
    ).where(notify_outbox.c.subject.in_(list(subjects)))
    return _rows(await conn.execute(query))


async def documents_of(conn: AsyncConnection, booked: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The documents uploaded for these bookings (what, when, its hash and state; the files are
    handed out by the office on request)."""
    found: list[dict[str, Any]] = []
    for b in booked:
        query = select(
            booking_documents.c.office_code,
            booking_documents.c.booking_code,
            booking_documents.c.item,
            booking_documents.c.media_type,
            booking_documents.c.size_bytes,
            booking_documents.c.sha256,
            booking_documents.c.state,
            booking_documents.c.reason,
            booking_documents.c.uploaded_at,
        ).where(
            booking_documents.c.office_code == b["office_code"],
            booking_documents.c.booking_code == b["booking_code"],
        )
        found += _rows(await conn.execute(query))
    return found


async def count_bookings_of(conn: AsyncConnection, nik: str) -> int:
    """How many bookings carry this NIK as stored (unmasked)."""
    found = await conn.execute(select(func.count()).select_from(bookings).where(bookings.c.nik == nik))
    return int(found.scalar_one())


# --- The retention purge ------------------------------------------------------------------------------


async def purge_bookings(conn: AsyncConnection, office_code: str, cutoff: date, now: datetime) -> list[str]:
    """Mask the personal data of finished bookings before `cutoff` (the age group stays); their codes."""
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
    return [r.booking_code for r in old]


async def purge_payers(conn: AsyncConnection, office_code: str, booking_codes: Sequence[str]) -> None:
    """Forget who paid for these bookings."""
    if booking_codes:
        await conn.execute(
            update(payments)
            .where(payments.c.office_code == office_code, payments.c.booking_code.in_(list(booking_codes)))
            .values(payer=None)
        )


async def purge_tickets(conn: AsyncConnection, office_code: str, cutoff: date) -> int:
    """Mask the NIK and drop the name of tickets issued before `cutoff`; how many."""
    visits = await conn.execute(
        select(tickets.c.day, tickets.c.ticket, tickets.c.nik).where(
            tickets.c.office_code == office_code, tickets.c.day < cutoff, tickets.c.full_name != ""
        )
    )
    purged = 0
    for t in visits.all():
        purged += 1
        await conn.execute(
            update(tickets)
            .where(tickets.c.office_code == office_code, tickets.c.day == t.day, tickets.c.ticket == t.ticket)
            .values(nik=mask_nik(t.nik), full_name="")
        )
    return purged


async def delete_waitlist_before(conn: AsyncConnection, office_code: str, cutoff: date) -> int:
    """Delete waiting-list entries for days before `cutoff`; how many."""
    result = await conn.execute(
        delete(waitlist_entries).where(
            waitlist_entries.c.office_code == office_code, waitlist_entries.c.day < cutoff
        )
    )
    return int(result.rowcount or 0)


async def delete_ballots_before(conn: AsyncConnection, office_code: str, cutoff: date) -> int:
    """Delete ballot entries (and their contact counts) for days before `cutoff`; how many entries."""
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
    return int(entries.rowcount or 0)


async def blank_recipients_before(conn: AsyncConnection, office_code: str, moment: datetime) -> None:
    """Blank the recipients of finished messages (sent, failed, skipped) created before `moment`."""
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


async def delete_codes_before(conn: AsyncConnection, office_code: str, moment: datetime) -> int:
    """Drop one-time code rows (phone, e-mail, client address) created before `moment` (issue 21):
    a code lives ten minutes; the bookings it confirmed keep only their verification row."""
    done = await conn.execute(
        delete(contact_codes).where(
            contact_codes.c.office_code == office_code, contact_codes.c.created_at < moment
        )
    )
    return int(done.rowcount or 0)


async def delete_idle_contact_counters(conn: AsyncConnection) -> None:
    """Drop contact counters at zero: they say nothing but the phone number or address they are keyed by."""
    await conn.execute(delete(contact_usage).where(contact_usage.c.active == 0))
