"""The kiosk's thermal printer, on both databases: a fake ESC/POS printer (a TCP server in the
test) receives the ticket, and what the kiosk sent is decoded back: office, number in large type,
category, time in the office's zone, people before you, a QR of the live status. A printer that
does not answer, is unreachable or out of paper becomes the kiosk's fault (the ticket stands),
and the next good print clears it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from loket.domain.errors import InvalidInput, Unauthorized
from loket.services import kiosks
from loket.store.database import Database
from loket.store.tables import audit_log, tickets

from .fake_printer import PAPER_OUT, FakePrinter, decode
from .floor_helpers import POLICY, at, book_and_pay

STATUS = "https://loket.example/status?booking_code="


@pytest.fixture
def printer() -> Iterator[FakePrinter]:
    fake = FakePrinter()
    try:
        yield fake
    finally:
        fake.close()


async def _kiosk(db: Database, printer: str) -> kiosks.Kiosk:
    device, token = await kiosks.register_kiosk(
        db, "PLG", "Kios Lobi", printer, actor="supervisor", now=at(7)
    )
    assert await kiosks.kiosk_of_token(db, "PLG", token) == device
    return device


async def test_the_kiosk_prints_the_ticket(demo: Database, printer: FakePrinter) -> None:
    device = await _kiosk(demo, f"127.0.0.1:{printer.port}")
    first_code, first_nik = await book_and_pay(demo, 1)
    code, nik = await book_and_pay(demo, 2)
    await kiosks.check_in_at_kiosk(
        demo,
        device,
        first_code,
        first_nik,
        policy=POLICY,
        now=at(7, 30),
        locale="id",
        status_url=STATUS + first_code,
    )
    done = await kiosks.check_in_at_kiosk(
        demo, device, code, nik, policy=POLICY, now=at(7, 41), locale="id", status_url=STATUS + code
    )
    assert done.printed and done.fault is None
    assert (done.issued.ticket, done.ahead) == ("A-002", 1)
    jobs = printer.wait_for_jobs(2).split(b"\x10\x04\x04")[1:]
    assert printer.jobs == 2
    ticket = decode(jobs[1])
    assert ticket.lines[0] == "Kantor Imigrasi Kelas I TPI Palembang"
    assert ticket.large == ["A-002"]
    assert "Reguler" in ticket.lines
    # 00:41 UTC is 07.41 in Palembang (WIB): the office's time, never UTC.
    assert "Jumat, 29 Desember 2017 07.41 WIB" in ticket.lines
    assert "Orang sebelum Anda: 1" in ticket.lines
    assert ticket.qr == [STATUS + code]
    assert ticket.cut
    async with demo.read() as conn:
        actor = (
            await conn.execute(select(tickets.c.ticket).where(tickets.c.booking_code == code))
        ).scalar_one()
        assert actor == "A-002"
        actions = [r.action for r in await conn.execute(select(audit_log.c.action))]
    assert "floor.kiosk_registered" in actions and "floor.kiosk_fault" not in actions


async def test_printer_faults_become_the_kiosks_fault(demo: Database, printer: FakePrinter) -> None:
    silent = FakePrinter(answer=None)
    try:
        device = await _kiosk(demo, f"127.0.0.1:{silent.port}")
        code, nik = await book_and_pay(demo, 1)
        done = await kiosks.check_in_at_kiosk(
            demo, device, code, nik, policy=POLICY, now=at(7, 30), locale="id", status_url=STATUS + code
        )
    finally:
        silent.close()
    # The ticket is issued all the same (shown on screen, printable from the browser).
    assert done.issued.ticket == "A-001" and not done.printed and done.fault == "not_answering"
    [row] = await kiosks.office_kiosks(demo, "PLG")
    assert (row["fault"], row["fault_message"], row["fault_since"]) == (
        "not_answering",
        "Printer does not answer",
        at(7, 30),
    )

    out = FakePrinter(answer=PAPER_OUT)
    try:
        moved = kiosks.Kiosk("PLG", device.device_id, device.name, "127.0.0.1", out.port)
        code, nik = await book_and_pay(demo, 2)
        done = await kiosks.check_in_at_kiosk(
            demo, moved, code, nik, policy=POLICY, now=at(7, 35), locale="id", status_url=STATUS + code
        )
    finally:
        out.close()
    assert done.fault == "no_paper"
    assert b"A-002" not in bytes(out.received)  # nothing printed on a printer without paper

    # Nobody listens: unreachable.
    gone = kiosks.Kiosk("PLG", device.device_id, device.name, "127.0.0.1", silent.port)
    code, nik = await book_and_pay(demo, 3)
    done = await kiosks.check_in_at_kiosk(
        demo, gone, code, nik, policy=POLICY, now=at(7, 36), locale="id", status_url=STATUS + code
    )
    assert done.fault == "unreachable"

    # Back to a working printer: the fault clears.
    good = kiosks.Kiosk("PLG", device.device_id, device.name, "127.0.0.1", printer.port)
    code, nik = await book_and_pay(demo, 4)
    done = await kiosks.check_in_at_kiosk(
        demo, good, code, nik, policy=POLICY, now=at(7, 40), locale="id", status_url=STATUS + code
    )
    assert done.printed and done.fault is None
    [row] = await kiosks.office_kiosks(demo, "PLG")
    assert row["fault"] is None and row["fault_since"] is None
    async with demo.read() as conn:
        actions = [r.action for r in await conn.execute(select(audit_log.c.action))]
    assert actions.count("floor.kiosk_fault") == 3 and actions.count("floor.kiosk_fault_cleared") == 1


async def test_registration_and_the_token(demo: Database) -> None:
    with pytest.raises(InvalidInput) as bad:
        await kiosks.register_kiosk(demo, "PLG", "Kios", "printer host:99999", actor="s", now=at(7))
    assert bad.value.field == "printer"
    with pytest.raises(InvalidInput) as unnamed:
        await kiosks.register_kiosk(demo, "PLG", "  ", "", actor="s", now=at(7))
    assert unnamed.value.field == "name"
    device, token = await kiosks.register_kiosk(demo, "PLG", "Kios 2", "", actor="s", now=at(7))
    assert device.printer_host is None
    # A token opens its own office's kiosk only, and not once revoked.
    with pytest.raises(Unauthorized):
        await kiosks.kiosk_of_token(demo, "DPS", token)
    await kiosks.revoke_kiosk(demo, "PLG", device.device_id, actor="s", now=at(8))
    with pytest.raises(Unauthorized):
        await kiosks.kiosk_of_token(demo, "PLG", token)


async def test_a_priority_walk_in_at_the_kiosk_prints_its_ticket(
    demo: Database, printer: FakePrinter
) -> None:
    from datetime import date

    from loket.services import quotas as quota_service
    from loket.services.catalog import Catalog
    from loket.testing.applicants import applicant

    from .floor_helpers import DAY

    await quota_service.set_day_capacity(
        demo, Catalog(ttl=0), "PLG", DAY, "priority", 1, actor="t", now=at(7)
    )
    device = await _kiosk(demo, f"127.0.0.1:{printer.port}")
    elder = applicant(30, born=date(1950, 3, 4))
    # Birth date and sex come from the NIK: the kiosk asks only the NIK, the name and the reason.
    done = await kiosks.walk_in_at_kiosk(
        demo,
        device,
        elder.nik,
        elder.full_name,
        "elderly",
        now=at(9),
        locale="id",
        status_url="https://x/board",
    )
    assert (done.issued.ticket, done.issued.category, done.printed) == ("B-001", "priority", True)
    ticket = decode(printer.wait_for_jobs(1))
    assert ticket.large == ["B-001"] and "Prioritas" in ticket.lines and ticket.qr == ["https://x/board"]
    # The reason is checked against the NIK's age, and the quota is the day's.
    young = applicant(31, born=date(1990, 1, 1))
    with pytest.raises(InvalidInput) as not_elderly:
        await kiosks.walk_in_at_kiosk(
            demo, device, young.nik, young.full_name, "elderly", now=at(9), locale="id", status_url=""
        )
    assert not_elderly.value.field == "priority_reason"
