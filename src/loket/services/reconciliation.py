"""Revenue reconciliation (PNBP): import a bank statement, then match it against the payments
Loket recorded from the bank's callbacks.

Importing is one transaction with one audit row: every line is checked first (a bad line names
its line number and field, and nothing is written); importing the same statement again finds its
fingerprint and changes nothing. Matching is computed on read, so a callback that arrives after
the statement moves its line from "missing callback" to "matched" by itself.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from loket.domain.msgid import N_
from loket.domain.reconciliation import (
    BankOddity,
    Reconciliation,
    RefundOf,
    StatementLine,
    line_error,
    local_day,
    parse_statement,
    reconcile,
    statement_id,
)
from loket.domain.statements import BankException, exception_key, parse_bank_statement
from loket.services.audit import record
from loket.store import offices_repo, refunds_repo, reports_repo, statements_repo
from loket.store.database import Database


@dataclass(frozen=True)
class Imported:
    """What an import did."""

    statement_id: str
    lines: int
    added: int
    already_imported: bool
    first: date
    last: date
    banks: tuple[str, ...]
    total: int


def _same(stored: object, line: StatementLine) -> bool:
    return (
        getattr(stored, "billing_code", None) == line.billing_code
        and int(getattr(stored, "amount", -1)) == line.amount
        and getattr(stored, "paid_at", None) == line.paid_at
        and getattr(stored, "bank", None) == line.bank
    )


async def import_statement(
    db: Database, office_code: str, text: str, *, filename: str, actor: str, now: datetime
) -> Imported:
    """Store a bank statement's lines for the office (idempotent); raises on the first bad line."""
    return await _store(db, office_code, parse_statement(text), [], filename=filename, actor=actor, now=now)


async def import_bank_statement(
    db: Database,
    office_code: str,
    raw: bytes,
    *,
    fmt: str,
    bank: str,
    filename: str,
    actor: str,
    now: datetime,
) -> Imported:
    """Store a statement as the bank exported it (MT940, camt.053, mapped CSV): idempotent."""
    async with db.read() as conn:
        office = await offices_repo.load_office(conn, office_code)
    parsed = parse_bank_statement(raw, fmt, bank.strip().upper(), office.zone)
    return await _store(
        db, office_code, parsed.lines, parsed.exceptions, filename=filename, actor=actor, now=now
    )


async def _store(
    db: Database,
    office_code: str,
    lines: list[StatementLine],
    exceptions: list[BankException],
    *,
    filename: str,
    actor: str,
    now: datetime,
) -> Imported:
    fingerprint = statement_id(lines)
    if exceptions:  # duplicates and reversals are part of what makes the statement the same one
        fingerprint = hashlib.sha256(
            "\n".join([fingerprint, *exception_key(exceptions)]).encode()
        ).hexdigest()
    total = sum(x.amount for x in lines)
    entries: list[StatementLine | BankException] = [*lines, *exceptions]
    async with db.write() as conn:
        office = await offices_repo.load_office(conn, office_code)
        days = sorted(local_day(x.paid_at, office.zone) for x in entries)
        found_banks = tuple(sorted({x.bank for x in entries}))
        result = Imported(fingerprint, len(entries), 0, True, days[0], days[-1], found_banks, total)
        # The statement's row first: a second import of it (even a concurrent one, which waits on
        # this row's key) inserts nothing and stops here, having changed nothing.
        claimed = await reports_repo.claim_statement(
            conn,
            {
                "office_code": office_code,
                "statement_id": fingerprint,
                "filename": filename[:200],
                "lines": len(lines) + len(exceptions),
                "total": total,
                "first_day": days[0],
                "last_day": days[-1],
                "imported_at": now,
                "imported_by": actor,
            },
        )
        if not claimed:
            return result
        known_banks = await reports_repo.bank_codes(conn)
        owners = await reports_repo.billing_offices(conn, {x.billing_code for x in lines})
        stored = await reports_repo.stored_lines(conn, office_code, {x.ntpn for x in lines})
        fresh: list[StatementLine] = []
        for x in entries:
            if x.bank not in known_banks:
                raise line_error(
                    x.line, "bank", N_("Line %(line)d, field %(column)s: unknown bank %(bank)s"), bank=x.bank
                )
            owner = owners.get(x.billing_code)
            if owner is not None and owner[0] != office_code:
                raise line_error(
                    x.line,
                    "billing_code",
                    N_("Line %(line)d, field %(column)s: the billing code belongs to office %(office)s"),
                    office=owner[0],
                )
            if isinstance(x, BankException):
                continue
            before = stored.get(x.ntpn)
            if before is not None and not _same(before, x):
                raise line_error(
                    x.line,
                    "ntpn",
                    N_("Line %(line)d, field %(column)s: NTPN %(ntpn)s was imported with other values"),
                    ntpn=x.ntpn,
                )
            if before is None:
                fresh.append(x)
        await reports_repo.insert_lines(
            conn,
            [
                {
                    "office_code": office_code,
                    "ntpn": x.ntpn,
                    "billing_code": x.billing_code,
                    "amount": x.amount,
                    "paid_at": x.paid_at,
                    "bank": x.bank,
                    "statement_id": fingerprint,
                    "line": x.line,
                }
                for x in fresh
            ],
        )
        await statements_repo.insert_exceptions(
            conn,
            [
                {
                    "office_code": office_code,
                    "statement_id": fingerprint,
                    "line": x.line,
                    "kind": x.kind,
                    "ntpn": x.ntpn,
                    "billing_code": x.billing_code or "0" * 15,
                    "amount": x.amount,
                    "paid_at": x.paid_at,
                    "bank": x.bank,
                }
                for x in exceptions
            ],
        )
        await record(
            conn,
            office_code=office_code,
            actor=actor,
            action="payments.statement_import",
            subject=fingerprint[:16],
            detail={
                "filename": filename[:200],
                "lines": len(lines),
                "added": len(fresh),
                "exceptions": len(exceptions),
                "total": total,
            },
            now=now,
        )
    return Imported(
        fingerprint,
        len(lines) + len(exceptions),
        len(fresh) + len(exceptions),
        False,
        days[0],
        days[-1],
        found_banks,
        total,
    )


async def reconciliation(
    db: Database, office_code: str, first: date, last: date, *, banks_only: tuple[str, ...] = ()
) -> Reconciliation:
    """Statement lines and recorded payments paid in [first, last] (office dates), matched by NTPN."""
    async with db.read() as conn:
        office = await offices_repo.load_office(conn, office_code)
        start = office.local_moment(first, time(0, 0))
        end = office.local_moment(last + timedelta(days=1), time(0, 0))
        lines = await reports_repo.lines_between(conn, office_code, start, end)
        paid = await reports_repo.payments_between(conn, office_code, start, end)
        if banks_only:
            lines = [x for x in lines if x.bank in banks_only]
            paid = [p for p in paid if p.bank in banks_only]
        odd = await statements_repo.exceptions_between(conn, office_code, start, end)
        if banks_only:
            odd = [x for x in odd if x.bank in banks_only]
        owners = await reports_repo.billing_offices(conn, {x.billing_code for x in lines})
        owed = await refunds_repo.refunds_of_payments(conn, office_code, [p.ntpn for p in paid])
    billed = {code: amount for code, (_office, amount) in owners.items()}
    refunds = {str(r.ntpn): RefundOf(r.status, int(r.amount), r.reason) for r in owed}
    exceptions = [BankOddity(x.kind, x.ntpn, x.billing_code, int(x.amount), x.paid_at, x.bank) for x in odd]
    return reconcile(lines, paid, billed, refunds, exceptions)


async def statements(db: Database, office_code: str) -> list[object]:
    """The office's latest imported statements, newest first."""
    async with db.read() as conn:
        await offices_repo.load_office(conn, office_code)
        return await reports_repo.statements(conn, office_code)
