"""Bank statements as banks export them: SWIFT MT940, ISO 20022 camt.053 XML, and CSV with a
column mapping per bank. Pure: text in, entries out.

A PNBP entry is found by its references in the remittance information (MT940 `:86:`, camt
`RmtInf`, the CSV's description column): the NTPN and the billing code. Entries that carry
neither (bank fees, other transfers, interest) are counted as ignored, not errors. A credit is a
payment; a reversal of a credit (MT940 `RC`, camt `RvslInd` or a debit naming an NTPN) takes an
earlier payment back; a second credit of an NTPN already on the statement is a duplicate. An
entry that names one reference but not the other, or a fraction of a rupiah, is a bad line.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

import mt940
from defusedxml import ElementTree

from loket.domain.msgid import N_
from loket.domain.reconciliation import MAX_LINES, StatementLine, line_error, parse_statement

FORMATS = ("loket", "mt940", "camt053", "csv")
_NTPN = re.compile(r"NTPN\W{0,3}([A-Z0-9]{16})\b", re.IGNORECASE)
_BILLING = re.compile(r"(?:KODE\W?BILLING|KD\W?BILL|BILLING|ID\W?BILLING)\W{0,3}(\d{15})\b", re.IGNORECASE)
_FIFTEEN = re.compile(r"(?<!\d)(\d{15})(?!\d)")


@dataclass(frozen=True)
class BankException:
    """A statement entry that is not a plain payment: a duplicate credit or a reversal."""

    line: int
    kind: str  # duplicate, reversal
    ntpn: str
    billing_code: str
    amount: int
    paid_at: datetime
    bank: str


@dataclass
class ParsedStatement:
    lines: list[StatementLine] = field(default_factory=list)
    exceptions: list[BankException] = field(default_factory=list)
    ignored: int = 0  # fees, other transfers: entries without a PNBP reference
    accounts: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class CsvMapping:
    """Where a bank's CSV export keeps each field."""

    date: str
    amount: str
    description: str
    direction: str | None = None  # a column saying CR/DB (None: the amount's sign says it)
    time: str | None = None
    date_format: str = "%Y-%m-%d"
    delimiter: str = ","
    credit_marks: tuple[str, ...] = ("CR", "C", "K", "KREDIT", "CREDIT")
    reversal_marks: tuple[str, ...] = ("RC", "REV", "REVERSAL", "KOREKSI")
    decimal_comma: bool = False
    account: str | None = None


# The column mappings of the designated banks' CSV exports (internet banking, cash management).
CSV_MAPPINGS: dict[str, CsvMapping] = {
    "BNI": CsvMapping(
        date="Tanggal Transaksi",
        time="Jam",
        amount="Nominal",
        direction="D/K",
        description="Keterangan",
        date_format="%d/%m/%Y",
        account="No. Rekening",
        credit_marks=("K",),
        reversal_marks=("RK",),
    ),
    "BRI": CsvMapping(
        date="TGL_TRAN",
        time="JAM_TRAN",
        amount="MUTASI",
        direction="DK",
        description="DESK_TRAN",
        date_format="%Y-%m-%d",
        delimiter=";",
        credit_marks=("K",),
        reversal_marks=("R",),
        account="NOREK",
    ),
    "MANDIRI": CsvMapping(
        date="Posting Date",
        amount="Amount",
        description="Remarks",
        date_format="%d/%m/%Y",
        decimal_comma=False,
        account="Account No",
    ),
}


def references(text: str) -> tuple[str | None, str | None]:
    """The NTPN and the billing code named in remittance information (either may be missing)."""
    ntpn = _NTPN.search(text or "")
    billing = _BILLING.search(text or "")
    code = billing.group(1) if billing else None
    if code is None:
        rest = _NTPN.sub(" ", text or "")
        plain = _FIFTEEN.search(rest)
        code = plain.group(1) if plain else None
    return (ntpn.group(1).upper() if ntpn else None), code


def _rupiah(number: int, raw: Decimal) -> int:
    value = abs(raw)
    if value != value.to_integral_value() or value <= 0:
        raise line_error(
            number,
            "amount",
            N_("Line %(line)d, field %(column)s: the amount is a positive whole number of rupiah"),
        )
    return int(value)


class _Builder:
    """Entries in file order, sorted into payments, duplicates, reversals and ignored lines."""

    def __init__(self, bank: str) -> None:
        self.bank = bank
        self.out = ParsedStatement()
        self.credited: dict[str, int] = {}

    def add(
        self, number: int, *, credit: bool, reversal: bool, amount: int, moment: datetime, info: str
    ) -> None:
        ntpn, code = references(info)
        if ntpn is None and code is None:
            self.out.ignored += 1  # a fee, interest or a transfer that is not PNBP
            return
        if ntpn is None:
            raise line_error(
                number,
                "ntpn",
                N_("Line %(line)d, field %(column)s: the entry names a billing code but no NTPN"),
            )
        if code is None and not reversal and credit:
            raise line_error(
                number,
                "billing_code",
                N_("Line %(line)d, field %(column)s: the entry names an NTPN but no billing code"),
            )
        if len(self.out.lines) + len(self.out.exceptions) >= MAX_LINES:
            raise line_error(
                number, "row", N_("Line %(line)d: a statement has at most %(max)d lines"), max=MAX_LINES
            )
        if reversal or not credit:
            original = next((x for x in self.out.lines if x.ntpn == ntpn), None)
            billing = code or (original.billing_code if original else "")
            self.out.exceptions.append(
                BankException(number, "reversal", ntpn, billing, amount, moment, self.bank)
            )
            return
        assert code is not None
        if ntpn in self.credited:
            self.out.exceptions.append(
                BankException(number, "duplicate", ntpn, code, amount, moment, self.bank)
            )
            return
        self.credited[ntpn] = number
        self.out.lines.append(StatementLine(number, ntpn, code, amount, moment, self.bank))

    def done(self) -> ParsedStatement:
        if not self.out.lines and not self.out.exceptions:
            raise line_error(2, "row", N_("Line %(line)d: the statement has no payment lines"))
        return self.out


def _moment(day: date, at: time | None, zone: ZoneInfo) -> datetime:
    # Statements give the booking day (MT940, often camt) and sometimes the time: in the office's zone.
    return datetime.combine(day, at or time(0, 0), tzinfo=zone)


def parse_mt940(text: str, bank: str, zone: ZoneInfo) -> ParsedStatement:
    """A SWIFT MT940 file, one or several statements (accounts); entries numbered in file order."""
    build = _Builder(bank)
    blocks = [b for b in re.split(r"(?m)^(?=:20:)", text.lstrip("\ufeff")) if b.strip().startswith(":20:")]
    if not blocks:
        raise line_error(1, "header", N_("Line %(line)d: this is not an MT940 statement (no :20: field)"))
    number = 0
    for block in blocks:
        statement = mt940.models.Transactions()
        try:
            statement.parse(block)
        except Exception as exc:  # the library raises bare exceptions on malformed fields
            raise line_error(
                number + 1, "row", N_("Line %(line)d: the MT940 statement cannot be read")
            ) from exc
        account = str(statement.data.get("account_identification") or "")
        build.out.accounts.add(account)
        for entry in statement:
            number += 1
            data = entry.data
            status = str(data.get("status") or "")
            amount = _rupiah(number, Decimal(str(data["amount"].amount)))
            info = " ".join(
                str(data.get(k) or "") for k in ("transaction_details", "extra_details", "customer_reference")
            )
            moment = _moment(data["date"], None, zone)
            build.add(
                number,
                credit=status in ("C", "RD"),
                reversal=status == "RC",
                amount=amount,
                moment=moment,
                info=info,
            )
    return build.done()


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(node: object, *path: str) -> object | None:
    current = node
    for name in path:
        current = next((c for c in current if _local(c.tag) == name), None)  # type: ignore[attr-defined]
        if current is None:
            return None
    return current


def _text(node: object | None) -> str:
    return (getattr(node, "text", None) or "").strip()


def parse_camt053(raw: bytes, bank: str, zone: ZoneInfo) -> ParsedStatement:
    """An ISO 20022 camt.053 (BkToCstmrStmt) document; every `Stmt` (account) and `Ntry` in order."""
    try:
        root = ElementTree.fromstring(raw)
    except Exception as exc:  # defusedxml refuses entities and DTDs; ParseError on broken XML
        raise line_error(
            1, "header", N_("Line %(line)d: the camt.053 document is not well-formed XML")
        ) from exc
    statements = [n for n in root.iter() if _local(n.tag) == "Stmt"]
    if not statements:
        raise line_error(1, "header", N_("Line %(line)d: this is not a camt.053 statement (no Stmt)"))
    build = _Builder(bank)
    number = 0
    for stmt in statements:
        build.out.accounts.add(
            _text(_find(stmt, "Acct", "Id", "Othr", "Id")) or _text(_find(stmt, "Acct", "Id", "IBAN"))
        )
        for entry in (c for c in stmt if _local(c.tag) == "Ntry"):
            number += 1
            try:
                amount = _rupiah(number, Decimal(_text(_find(entry, "Amt"))))
            except InvalidOperation as exc:
                raise line_error(
                    number,
                    "amount",
                    N_("Line %(line)d, field %(column)s: the amount is a positive whole number of rupiah"),
                ) from exc
            booked = _text(_find(entry, "BookgDt", "DtTm")) or _text(_find(entry, "BookgDt", "Dt"))
            try:
                moment = datetime.fromisoformat(booked)
            except ValueError as exc:
                raise line_error(
                    number,
                    "paid_at",
                    N_("Line %(line)d, field %(column)s: give an ISO 8601 time with its zone"),
                ) from exc
            if moment.tzinfo is None:
                moment = _moment(moment.date(), moment.time() if "T" in booked else None, zone)
            infos = [
                _text(n)
                for n in entry.iter()
                if _local(n.tag) in ("Ustrd", "Ref", "AddtlNtryInf", "AddtlTxInf", "EndToEndId")
            ]
            direction = _text(_find(entry, "CdtDbtInd"))
            reversal = _text(_find(entry, "RvslInd")).lower() == "true"
            build.add(
                number,
                credit=direction == "CRDT" and not reversal,
                reversal=reversal or direction == "DBIT",
                amount=amount,
                moment=moment,
                info=" ".join(infos),
            )
    return build.done()


def _number(raw: str, decimal_comma: bool) -> Decimal:
    text = raw.strip().replace(" ", "")
    # 355.000,00 (Indonesian) or 355,000.00: the thousands separator goes, the decimal mark stays.
    text = text.replace(".", "").replace(",", ".") if decimal_comma else text.replace(",", "")
    return Decimal(text)


def parse_mapped_csv(
    text: str, bank: str, zone: ZoneInfo, mapping: CsvMapping | None = None
) -> ParsedStatement:
    """A bank's own CSV export, read through its column mapping (`CSV_MAPPINGS`)."""
    spec = mapping or CSV_MAPPINGS.get(bank)
    if spec is None:
        raise line_error(
            1, "bank", N_("Line %(line)d: no CSV column mapping is kept for bank %(bank)s"), bank=bank
        )
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=spec.delimiter)
    header = [(name or "").strip() for name in (reader.fieldnames or [])]
    needed = [c for c in (spec.date, spec.amount, spec.description, spec.direction, spec.time) if c]
    missing = [c for c in needed if c not in header]
    if missing:
        raise line_error(
            1,
            "header",
            N_("Line %(line)d: the header must name the columns %(columns)s"),
            columns=", ".join(missing),
        )
    reader.fieldnames = header
    build = _Builder(bank)
    for row in reader:
        number = reader.line_num
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        try:
            signed = _number(row.get(spec.amount) or "", spec.decimal_comma)
        except InvalidOperation as exc:
            raise line_error(
                number,
                spec.amount,
                N_("Line %(line)d, field %(column)s: the amount is a positive whole number of rupiah"),
            ) from exc
        amount = _rupiah(number, signed)
        try:
            day = datetime.strptime((row.get(spec.date) or "").strip(), spec.date_format).date()  # noqa: DTZ007 (a date)
            at = (
                time.fromisoformat((row.get(spec.time) or "").strip())
                if spec.time and row.get(spec.time)
                else None
            )
        except ValueError as exc:
            raise line_error(
                number, spec.date, N_("Line %(line)d, field %(column)s: the date cannot be read")
            ) from exc
        mark = (row.get(spec.direction) or "").strip().upper() if spec.direction else ""
        reversal = mark in spec.reversal_marks
        credit = (mark in spec.credit_marks) if spec.direction else signed > 0
        if spec.account:
            build.out.accounts.add((row.get(spec.account) or "").strip())
        build.add(
            number,
            credit=credit and not reversal,
            reversal=reversal,
            amount=amount,
            moment=_moment(day, at, zone),
            info=row.get(spec.description) or "",
        )
    return build.done()


def parse_bank_statement(raw: bytes, fmt: str, bank: str, zone: ZoneInfo) -> ParsedStatement:
    """A statement file in one of `FORMATS` from `bank` (upper-case code)."""
    if fmt == "camt053":
        return parse_camt053(raw, bank, zone)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise line_error(1, "file", N_("Line %(line)d: the file is not UTF-8 text")) from exc
    if fmt == "mt940":
        return parse_mt940(text, bank, zone)
    if fmt == "csv":
        return parse_mapped_csv(text, bank, zone)
    if fmt == "loket":
        return ParsedStatement(lines=parse_statement(text))
    raise line_error(
        1, "format", N_("Line %(line)d: the format is one of %(formats)s"), formats=", ".join(FORMATS)
    )


def exception_key(items: Iterable[BankException]) -> list[str]:
    """What a statement's exceptions add to its fingerprint."""
    return sorted(f"{x.kind}|{x.line}|{x.ntpn}|{x.amount}|{x.paid_at.isoformat()}|{x.bank}" for x in items)
