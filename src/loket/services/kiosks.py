"""Self-service kiosks: a supervisor registers one (a device token, not a staff login), the kiosk
checks applicants in and takes priority walk-ins, prints the ticket on its network printer, and
a printer that fails becomes the kiosk's fault on the supervisor's floor view.

The token is shown once, at registration; the database keeps only its SHA-256. A token opens
the kiosk screen of its office and nothing else, and a supervisor can revoke it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from loket.domain.calling import FloorPolicy
from loket.domain.errors import NotFound, Unauthorized, invalid
from loket.domain.identity import parse_nik
from loket.domain.msgid import N_
from loket.domain.workflow import Stage
from loket.formatting import local_datetime
from loket.i18n import translate
from loket.services import checkin
from loket.services.audit import record
from loket.services.checkin import TicketIssued
from loket.services.floor_bus import BoardBus
from loket.services.printing import PrintedTicket, PrinterFault, print_ticket
from loket.store import devices_repo, floor_repo, offices_repo
from loket.store.database import Database

_HOST = re.compile(r"^[A-Za-z0-9.-]{1,255}$")
# The kiosk's faults as the supervisor reads them (msgids; translated on the page).
FAULTS = {
    "unreachable": N_("Printer unreachable"),
    "not_answering": N_("Printer does not answer"),
    "no_paper": N_("Printer out of paper"),
}
CATEGORY_NAMES = {"regular": N_("Regular"), "priority": N_("Priority"), "express": N_("Express")}


@dataclass(frozen=True)
class Kiosk:
    office_code: str
    device_id: str
    name: str
    printer_host: str | None
    printer_port: int | None

    @property
    def actor(self) -> str:
        """Who the audit log names for what the kiosk does."""
        return f"kiosk:{self.device_id}"


@dataclass(frozen=True)
class KioskTicket:
    """A ticket issued at a kiosk: the ticket, how many wait before it, and whether it printed."""

    issued: TicketIssued
    ahead: int
    printed: bool
    fault: str | None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _kiosk(row: Any) -> Kiosk:
    return Kiosk(row.office_code, row.device_id, row.name, row.printer_host, row.printer_port)


def _printer(printer: str) -> tuple[str | None, int | None]:
    """`host` or `host:port` (9100, the raw printing port, by default); empty for no printer."""
    text = printer.strip()
    if not text:
        return None, None
    host, _, port = text.partition(":")
    if not _HOST.match(host) or (port and not (port.isdigit() and 0 < int(port) < 65536)):
        raise invalid("printer", "printer_invalid", "Give the printer as host or host:port")
    return host, int(port) if port else 9100


async def register_kiosk(
    db: Database, office_code: str, name: str, printer: str, *, actor: str, now: datetime
) -> tuple[Kiosk, str]:
    """Register a kiosk; returns it with its token (shown once: only its hash is kept)."""
    label = " ".join(name.split())
    if not 1 <= len(label) <= 80:
        raise invalid("name", "kiosk_name_invalid", "Give the kiosk a name of 1 to 80 characters")
    host, port = _printer(printer)
    token = secrets.token_urlsafe(32)
    device_id = secrets.token_hex(4)
    async with db.write() as conn:
        await offices_repo.load_office(conn, office_code)
        await devices_repo.insert_kiosk(
            conn,
            {
                "office_code": office_code,
                "device_id": device_id,
                "name": label,
                "token_hash": token_hash(token),
                "printer_host": host,
                "printer_port": port,
                "registered_at": now,
                "registered_by": actor,
            },
        )
        await record(
            conn,
            office_code=office_code,
            actor=actor,
            action="floor.kiosk_registered",
            subject=device_id,
            detail={"name": label, "printer": f"{host}:{port}" if host else ""},
            now=now,
        )
    return Kiosk(office_code, device_id, label, host, port), token


async def revoke_kiosk(db: Database, office_code: str, device_id: str, *, actor: str, now: datetime) -> None:
    async with db.write() as conn:
        row = await devices_repo.kiosk(conn, office_code, device_id)
        if row is None or row.revoked_at is not None:
            raise NotFound("kiosk_not_found", "Unknown kiosk", field="device_id")
        await devices_repo.update_kiosk(conn, office_code, device_id, revoked_at=now)
        await record(
            conn,
            office_code=office_code,
            actor=actor,
            action="floor.kiosk_revoked",
            subject=device_id,
            now=now,
        )


async def kiosk_of_token(db: Database, office_code: str, token: str) -> Kiosk:
    """The office's kiosk holding the token (Unauthorized for none, a wrong or a revoked one)."""
    if not token or len(token) > 100:
        raise Unauthorized("kiosk_unknown", "This screen is not a registered kiosk of the office")
    async with db.read() as conn:
        row = await devices_repo.kiosk_by_token(conn, office_code, token_hash(token))
    if row is None:
        raise Unauthorized("kiosk_unknown", "This screen is not a registered kiosk of the office")
    return _kiosk(row)


async def office_kiosks(db: Database, office_code: str) -> list[dict[str, Any]]:
    """The office's kiosks with their printer and fault, for the supervisor's floor view."""
    async with db.read() as conn:
        rows = await devices_repo.office_kiosks(conn, office_code)
    return [
        {
            "device_id": r.device_id,
            "name": r.name,
            "printer": f"{r.printer_host}:{r.printer_port}" if r.printer_host else "",
            "fault": r.fault,
            "fault_message": FAULTS.get(r.fault or "", r.fault or ""),
            "fault_since": r.fault_since,
        }
        for r in rows
    ]


async def _ahead(db: Database, office_code: str, day: date, ticket: str) -> int:
    """How many wait for intake before this ticket, in calling order."""
    async with db.read() as conn:
        rows = await floor_repo.waiting(conn, office_code, day, [Stage.CHECKED_IN.value])
    labels = [r.ticket for r in rows]
    return labels.index(ticket) if ticket in labels else 0


async def _set_fault(db: Database, kiosk: Kiosk, fault: str | None, now: datetime) -> None:
    async with db.write() as conn:
        if await devices_repo.set_fault(conn, kiosk.office_code, kiosk.device_id, fault, now):
            await record(
                conn,
                office_code=kiosk.office_code,
                actor=kiosk.actor,
                action="floor.kiosk_fault" if fault else "floor.kiosk_fault_cleared",
                subject=kiosk.device_id,
                detail={"fault": fault or ""},
                now=now,
            )


async def _print(
    db: Database,
    kiosk: Kiosk,
    issued: TicketIssued,
    ahead: int,
    *,
    locale: str,
    status_url: str,
    now: datetime,
) -> tuple[bool, str | None]:
    """Print the ticket when the kiosk has a printer; a failure becomes (or clears) its fault."""
    if not kiosk.printer_host or not kiosk.printer_port:
        return False, None
    async with db.read() as conn:
        office = await offices_repo.load_office(conn, kiosk.office_code)
    slip = PrintedTicket(
        office=office.name,
        ticket=issued.ticket,
        category=translate(locale, CATEGORY_NAMES.get(issued.category, issued.category)),
        issued_at=local_datetime(issued.checked_in_at, office.timezone, locale),
        ahead=translate(locale, "People before you: %(count)d", count=ahead),
        status_url=status_url,
        footer=translate(locale, "Please wait until your number appears on the screen."),
    )
    try:
        await print_ticket(kiosk.printer_host, kiosk.printer_port, slip)
    except PrinterFault as fault:
        await _set_fault(db, kiosk, fault.reason, now)
        return False, fault.reason
    await _set_fault(db, kiosk, None, now)
    return True, None


async def check_in_at_kiosk(
    db: Database,
    kiosk: Kiosk,
    booking_code: str,
    nik: str,
    *,
    policy: FloorPolicy,
    now: datetime,
    locale: str,
    status_url: str,
    bus: BoardBus | None = None,
) -> KioskTicket:
    """Check a paid booking in at the kiosk and print its ticket. A flagged booking is refused
    here (the KTP must be seen by an officer), as the service refuses it without that statement."""
    issued = await checkin.check_in(
        db, kiosk.office_code, booking_code, nik, policy=policy, actor=kiosk.actor, now=now, bus=bus
    )
    ahead = await _ahead(db, kiosk.office_code, issued.day, issued.ticket)
    printed, fault = await _print(db, kiosk, issued, ahead, locale=locale, status_url=status_url, now=now)
    return KioskTicket(issued, ahead, printed, fault)


async def walk_in_at_kiosk(
    db: Database,
    kiosk: Kiosk,
    nik: str,
    full_name: str,
    priority_reason: str,
    *,
    now: datetime,
    locale: str,
    status_url: str,
    country: str = "ID",
    bus: BoardBus | None = None,
) -> KioskTicket:
    """A priority walk-in at the kiosk: birth date and sex are read from the NIK, the reason
    stated by the applicant (the officer checks it at intake); then the ticket is printed."""
    info = parse_nik(nik)
    async with db.read() as conn:
        office = await offices_repo.load_office(conn, kiosk.office_code)
    born = info.likely_birth_date(office.local_today(now))
    issued = await checkin.walk_in(
        db,
        kiosk.office_code,
        nik=info.nik,
        full_name=full_name,
        birth_date=born,
        sex=info.sex.value,
        priority_reason=priority_reason,
        actor=kiosk.actor,
        now=now,
        country=country,
        bus=bus,
    )
    ahead = await _ahead(db, kiosk.office_code, issued.day, issued.ticket)
    printed, fault = await _print(db, kiosk, issued, ahead, locale=locale, status_url=status_url, now=now)
    return KioskTicket(issued, ahead, printed, fault)


__all__ = [
    "CATEGORY_NAMES",
    "FAULTS",
    "Kiosk",
    "KioskTicket",
    "check_in_at_kiosk",
    "kiosk_of_token",
    "office_kiosks",
    "register_kiosk",
    "revoke_kiosk",
    "walk_in_at_kiosk",
]
