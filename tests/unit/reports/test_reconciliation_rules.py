"""Statement parsing and matching, pure: every kind, and totals that add up on both sides."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from loket.domain.errors import InvalidInput
from loket.domain.reconciliation import (
    BankLine,
    Kind,
    RecordedPayment,
    parse_statement,
    reconcile,
    statement_id,
)

AT = datetime(2017, 12, 28, 2, 0, tzinfo=UTC)
CODE = "812345678901234"


def paid(ntpn: str, amount: int = 355_000, outcome: str = "accepted", refund: int = 0) -> RecordedPayment:
    return RecordedPayment(ntpn, CODE, "PLG-0000000000", "BNI", amount, 355_000, AT, outcome, refund)


def line(ntpn: str, amount: int = 355_000, code: str = CODE) -> BankLine:
    return BankLine(ntpn, code, amount, AT, "BNI")


def test_parse_a_statement_in_any_column_order_with_a_bom_and_blank_lines() -> None:
    text = (
        "\ufeffbank,amount,ntpn,paid_at,billing_code\r\n"
        "bni,355000,abc12345,2017-12-28T09:00:00+07:00,812345678901234\r\n\r\n"
    )
    [parsed] = parse_statement(text)
    assert (parsed.line, parsed.ntpn, parsed.bank, parsed.amount) == (2, "ABC12345", "BNI", 355_000)
    assert parsed.paid_at == AT
    assert statement_id([parsed]) == statement_id(parse_statement(text.replace("\r\n", "\n")))


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        ("", 1, "header"),
        ("ntpn,billing_code,amount\n", 1, "header"),
        ("ntpn,billing_code,amount,paid_at,bank\n", 2, "row"),
        (
            "ntpn,billing_code,amount,paid_at,bank\nABC12345,812345678901234,1e5,2017-12-28T09:00+07:00,BNI\n",
            2,
            "amount",
        ),
    ],
)
def test_bad_statements_name_line_and_field(text: str, line: int, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_statement(text)
    assert (caught.value.extra["line"], caught.value.field) == (line, field)


def test_each_kind() -> None:
    rec = reconcile(
        [
            line("OK000001"),
            line("NOCB0001"),
            line("NOBILL01", code="899999999999999"),
            line("DIFF0001", 350_000),
            line("UNDER001", 300_000),
            line("LATE0001"),
            line("TWICE001"),
        ],
        [
            paid("OK000001"),
            paid("NOLINE01"),
            paid("DIFF0001"),
            paid("UNDER001", 300_000, "amount_mismatch", 300_000),
            paid("LATE0001", outcome="paid_after_expiry", refund=355_000),
            paid("TWICE001", outcome="duplicate_payment", refund=355_000),
        ],
        {CODE: 355_000},
    )
    kinds = {i.ntpn: (i.kind, i.note) for i in rec.items}
    assert kinds == {
        "OK000001": (Kind.MATCHED, "accepted"),
        "NOCB0001": (Kind.MISSING_CALLBACK, "no_callback"),
        "NOBILL01": (Kind.MISSING_CALLBACK, "unknown_billing_code"),
        "DIFF0001": (Kind.AMOUNT_MISMATCH, "statement_vs_callback"),
        "UNDER001": (Kind.AMOUNT_MISMATCH, "paid_vs_billed"),
        "LATE0001": (Kind.REFUND_DUE, "paid_after_expiry"),
        "TWICE001": (Kind.REFUND_DUE, "duplicate_payment"),
        "NOLINE01": (Kind.NO_STATEMENT_LINE, "accepted"),
    }
    totals = rec.totals()
    assert sum(t.statement for t in totals.values()) == rec.statement_total == 355_000 * 5 + 350_000 + 300_000
    assert sum(t.loket for t in totals.values()) == rec.loket_total == 355_000 * 5 + 300_000
    assert rec.refund_total == 300_000 + 2 * 355_000
    assert rec.as_dict()["revenue"] == 355_000
