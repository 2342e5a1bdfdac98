"""State-revenue (PNBP) reconciliation: the bank's statement against the payments Loket recorded
from the bank's callbacks. Pure: parsing a statement and matching plain rows.

Every statement line and every recorded payment lands in exactly one kind, so the totals add up:

    statement total = matched + missing callback + mismatch (statement side) + refund due (statement side)
                      + duplicate - reversal
    Loket total     = matched + no statement line + mismatch (Loket side)     + refund due (Loket side)

A duplicate is a second credit of an NTPN on the bank's statements (the bank took the money
twice: Loket has one payment); a reversal is a credit the bank took back (its amount counts
negative on the statement side, and a matched payment it reverses is no longer revenue).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from loket.domain.errors import InvalidInput
from loket.domain.msgid import N_

COLUMNS = ("ntpn", "billing_code", "amount", "paid_at", "bank")
MAX_LINES = 100_000
# Callback outcomes where the money buys nothing and is owed back (see domain/payment.py).
REFUND_OUTCOMES = ("paid_after_expiry", "paid_after_cancellation", "duplicate_payment")


class Kind(StrEnum):
    MATCHED = "matched"
    MISSING_CALLBACK = "missing_callback"  # money at the bank, nothing in Loket
    NO_STATEMENT_LINE = "no_statement_line"  # a callback the bank's statement does not show
    AMOUNT_MISMATCH = "amount_mismatch"
    REFUND_DUE = "refund_due"  # paid after expiry (or cancellation, or twice): owed back
    DUPLICATE = "duplicate"  # the statement credits an NTPN a second time
    REVERSAL = "reversal"  # the bank took a credit back


@dataclass(frozen=True)
class StatementLine:
    """One line of a bank statement (line numbers count the header as line 1)."""

    line: int
    ntpn: str
    billing_code: str
    amount: int
    paid_at: datetime
    bank: str


def line_error(line: int, column: str, message: str, **params: object) -> InvalidInput:
    """A bad statement line: the error names the line (machine-readable too) and the field."""
    return InvalidInput(
        "statement_invalid", message, field=column, extra={"line": line}, line=line, column=column, **params
    )


def _cell(row: dict[str, str | None], column: str) -> str:
    return (row.get(column) or "").strip()


def _parse_row(number: int, row: dict[str, str | None]) -> StatementLine:
    ntpn = _cell(row, "ntpn").upper()
    if not 8 <= len(ntpn) <= 32 or not ntpn.isalnum():
        raise line_error(
            number, "ntpn", N_("Line %(line)d, field %(column)s: the NTPN is 8 to 32 letters or digits")
        )
    code = _cell(row, "billing_code")
    if len(code) != 15 or not code.isdigit():
        raise line_error(
            number, "billing_code", N_("Line %(line)d, field %(column)s: a billing code has 15 digits")
        )
    raw_amount = _cell(row, "amount")
    if not raw_amount.isdigit() or int(raw_amount) <= 0:
        raise line_error(
            number,
            "amount",
            N_("Line %(line)d, field %(column)s: the amount is a positive whole number of rupiah"),
        )
    try:
        paid_at = datetime.fromisoformat(_cell(row, "paid_at"))
    except ValueError:
        paid_at = None
    if paid_at is None or paid_at.tzinfo is None:
        raise line_error(
            number, "paid_at", N_("Line %(line)d, field %(column)s: give an ISO 8601 time with its zone")
        )
    bank = _cell(row, "bank").upper()
    if not bank or len(bank) > 16:
        raise line_error(
            number, "bank", N_("Line %(line)d, field %(column)s: name the bank (at most 16 characters)")
        )
    return StatementLine(number, ntpn, code, int(raw_amount), paid_at, bank)


def parse_statement(text: str) -> list[StatementLine]:
    """The lines of a statement CSV (`ntpn,billing_code,amount,paid_at,bank`); the first bad line raises."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    if sorted(header) != sorted(COLUMNS):
        raise line_error(
            1,
            "header",
            N_("Line %(line)d: the header must name the columns %(columns)s"),
            columns=", ".join(COLUMNS),
        )
    reader.fieldnames = header
    lines: list[StatementLine] = []
    first_seen: dict[str, int] = {}
    for row in reader:
        number = reader.line_num
        if None in row:
            raise line_error(number, "row", N_("Line %(line)d: the row has more fields than the header"))
        if not any((value or "").strip() for value in row.values()):
            continue  # a blank line, e.g. at the end of the file
        if len(lines) >= MAX_LINES:
            raise line_error(
                number, "row", N_("Line %(line)d: a statement has at most %(max)d lines"), max=MAX_LINES
            )
        parsed = _parse_row(number, row)
        if parsed.ntpn in first_seen:
            raise line_error(
                number,
                "ntpn",
                N_("Line %(line)d, field %(column)s: NTPN %(ntpn)s is already on line %(first)d"),
                ntpn=parsed.ntpn,
                first=first_seen[parsed.ntpn],
            )
        first_seen[parsed.ntpn] = number
        lines.append(parsed)
    if not lines:
        raise line_error(2, "row", N_("Line %(line)d: the statement has no payment lines"))
    return lines


def statement_id(lines: Iterable[StatementLine]) -> str:
    """A fingerprint of the statement's content: the same lines give the same id, however formatted."""
    canon = "\n".join(
        sorted(f"{x.ntpn}|{x.billing_code}|{x.amount}|{x.paid_at.isoformat()}|{x.bank}" for x in lines)
    )
    return hashlib.sha256(canon.encode()).hexdigest()


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    """The office's date of a moment."""
    return moment.astimezone(zone).date()


# --- Matching ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BankLine:
    """A stored statement line."""

    ntpn: str
    billing_code: str
    amount: int
    paid_at: datetime
    bank: str


@dataclass(frozen=True)
class RecordedPayment:
    """A payment Loket recorded from a callback, with what its billing code asked for."""

    ntpn: str
    billing_code: str
    booking_code: str
    bank: str
    amount: int
    billed: int
    paid_at: datetime
    outcome: str
    refund_due: int


@dataclass(frozen=True)
class Item:
    """One statement line and/or one recorded payment, and what they amount to together."""

    kind: Kind
    ntpn: str
    billing_code: str
    bank: str
    paid_at: datetime
    statement_amount: int | None
    loket_amount: int | None
    billed: int | None
    booking_code: str | None
    note: str  # why: e.g. paid_after_expiry, statement_vs_callback, unknown_billing_code
    refund: int = 0


@dataclass
class Totals:
    count: int = 0
    statement: int = 0
    loket: int = 0
    refund: int = 0


@dataclass
class Reconciliation:
    items: list[Item] = field(default_factory=list)

    def of(self, kind: Kind) -> list[Item]:
        """The items of one kind."""
        return [i for i in self.items if i.kind is kind]

    def totals(self) -> dict[Kind, Totals]:
        """Count and rupiah on each side, per kind."""
        found = {kind: Totals() for kind in Kind}
        for item in self.items:
            t = found[item.kind]
            t.count += 1
            t.statement += item.statement_amount or 0
            t.loket += item.loket_amount or 0
            t.refund += item.refund
        return found

    @property
    def statement_total(self) -> int:
        """Everything the bank's statement lines add up to."""
        return sum(i.statement_amount or 0 for i in self.items)

    @property
    def loket_total(self) -> int:
        """Everything the recorded callbacks add up to."""
        return sum(i.loket_amount or 0 for i in self.items)

    @property
    def revenue(self) -> int:
        """Money both sides agree buys a service: the matched lines, less those the bank reversed."""
        matched = self.of(Kind.MATCHED)
        taken_back = {i.ntpn for i in self.of(Kind.REVERSAL)}
        return sum(i.statement_amount or 0 for i in matched if i.ntpn not in taken_back)

    @property
    def refund_total(self) -> int:
        """Money owed back to applicants."""
        return sum(i.refund for i in self.items)

    def as_dict(self) -> dict[str, object]:
        """The reconciliation as JSON-ready data (rupiah as integers)."""
        totals = self.totals()
        return {
            "statement_total": self.statement_total,
            "loket_total": self.loket_total,
            "revenue": self.revenue,
            "refund_due": self.refund_total,
            "kinds": {
                k.value: {"count": t.count, "statement": t.statement, "loket": t.loket, "refund": t.refund}
                for k, t in totals.items()
            },
            "items": [
                {
                    "kind": i.kind.value,
                    "ntpn": i.ntpn,
                    "billing_code": i.billing_code,
                    "booking_code": i.booking_code,
                    "bank": i.bank,
                    "paid_at": i.paid_at.isoformat(),
                    "statement_amount": i.statement_amount,
                    "loket_amount": i.loket_amount,
                    "billed": i.billed,
                    "refund": i.refund,
                    "note": i.note,
                }
                for i in self.items
            ],
        }


@dataclass(frozen=True)
class BankOddity:
    """A stored duplicate or reversal entry of a statement."""

    kind: str  # duplicate, reversal
    ntpn: str
    billing_code: str
    amount: int
    paid_at: datetime
    bank: str


@dataclass(frozen=True)
class RefundOf:
    """The refund of a payment (services/refunds.py): its status, amount and reason."""

    status: str
    amount: int
    reason: str


def _owed(paid: RecordedPayment, refund: RefundOf | None) -> tuple[bool, int, str]:
    """Whether the payment is owed back, how much, and why (a refund's decision overrides the outcome)."""
    if refund is None:
        return paid.outcome in REFUND_OUTCOMES, paid.refund_due, paid.outcome
    if refund.status == "rejected":
        return False, 0, "refund_rejected"
    return True, refund.amount, refund.reason


def _with_payment(line: BankLine, paid: RecordedPayment, refund: RefundOf | None = None) -> Item:
    owed, amount, why = _owed(paid, refund)
    if line.amount != paid.amount:
        kind, note = Kind.AMOUNT_MISMATCH, "statement_vs_callback"
    elif paid.outcome == "amount_mismatch":
        kind, note = Kind.AMOUNT_MISMATCH, "paid_vs_billed"
    elif owed:
        kind, note = Kind.REFUND_DUE, why
    else:
        kind, note = Kind.MATCHED, paid.outcome if refund is None else why
    return Item(
        kind,
        line.ntpn,
        line.billing_code,
        line.bank,
        line.paid_at,
        line.amount,
        paid.amount,
        paid.billed,
        paid.booking_code,
        note,
        amount,
    )


def reconcile(
    lines: Sequence[BankLine],
    payments: Sequence[RecordedPayment],
    billed: dict[str, int],
    refunds: Mapping[str, RefundOf] | None = None,
    exceptions: Sequence[BankOddity] = (),
) -> Reconciliation:
    """Match statement lines to recorded payments by NTPN; `billed` maps known billing codes to amounts.

    `refunds` (by NTPN) makes a paid-then-cancelled booking's payment a refund due, and a
    rejected refund's payment revenue again."""
    refunds = refunds or {}
    by_ntpn = {p.ntpn: p for p in payments}
    seen: set[str] = set()
    result = Reconciliation()
    for line in sorted(lines, key=lambda x: (x.paid_at, x.ntpn)):
        paid = by_ntpn.get(line.ntpn)
        if paid is not None:
            seen.add(paid.ntpn)
            result.items.append(_with_payment(line, paid, refunds.get(paid.ntpn)))
            continue
        known = billed.get(line.billing_code)
        note = "no_callback" if known is not None else "unknown_billing_code"
        result.items.append(
            Item(
                Kind.MISSING_CALLBACK,
                line.ntpn,
                line.billing_code,
                line.bank,
                line.paid_at,
                line.amount,
                None,
                known,
                None,
                note,
            )
        )
    for paid in sorted(payments, key=lambda p: (p.paid_at, p.ntpn)):
        if paid.ntpn in seen:
            continue
        _owing, owed_amount, why = _owed(paid, refunds.get(paid.ntpn))
        result.items.append(
            Item(
                Kind.NO_STATEMENT_LINE,
                paid.ntpn,
                paid.billing_code,
                paid.bank,
                paid.paid_at,
                None,
                paid.amount,
                paid.billed,
                paid.booking_code,
                why,
                owed_amount,
            )
        )
    for odd in sorted(exceptions, key=lambda x: (x.paid_at, x.ntpn)):
        paid = by_ntpn.get(odd.ntpn)
        reversal = odd.kind == "reversal"
        result.items.append(
            Item(
                Kind.REVERSAL if reversal else Kind.DUPLICATE,
                odd.ntpn,
                odd.billing_code,
                odd.bank,
                odd.paid_at,
                -odd.amount if reversal else odd.amount,
                None,
                billed.get(odd.billing_code, paid.billed if paid else None),
                paid.booking_code if paid else None,
                ("reversed" if reversal else "credited_twice") + ("" if paid else "_no_callback"),
            )
        )
    return result
