"""The words of the reports: English msgids, translated for the reader (Indonesian first)."""

from __future__ import annotations

from loket.i18n import N_, translate

SERVICES = {
    "new": N_("New passport"),
    "renewal": N_("Renewal"),
    "replacement_lost": N_("Replacement (lost)"),
    "replacement_damaged": N_("Replacement (damaged)"),
    "walk_in": N_("Priority walk-in"),
}
PRODUCTS = {
    "regular_5y": N_("Regular passport, 5 years"),
    "regular_10y": N_("Regular passport, 10 years"),
    "electronic_5y": N_("Electronic passport, 5 years"),
    "electronic_10y": N_("Electronic passport, 10 years"),
    "free": N_("Free of charge"),
}
CAUSES = {
    "incomplete_dossier": N_("Incomplete dossier"),
    "device_down": N_("Device down"),
    "holiday_backlog": N_("Holiday backlog"),
    "other": N_("No known cause"),
}
KINDS = {
    "matched": N_("Matched"),
    "missing_callback": N_("Missing callback (money at the bank, none in Loket)"),
    "no_statement_line": N_("Callback without a statement line"),
    "amount_mismatch": N_("Amount mismatch"),
    "refund_due": N_("Refund due (paid after expiry, twice, or then cancelled)"),
    "duplicate": N_("Duplicate on the statement (credited twice)"),
    "reversal": N_("Reversal (the bank took the credit back)"),
}
NOTES = {
    "accepted": N_("accepted"),
    "reinstated": N_("reinstated"),
    "no_callback": N_("no callback received"),
    "unknown_billing_code": N_("unknown billing code"),
    "statement_vs_callback": N_("the statement and the callback differ"),
    "paid_vs_billed": N_("paid amount differs from the bill"),
    "paid_after_expiry": N_("paid after expiry"),
    "paid_after_cancellation": N_("paid after cancellation"),
    "duplicate_payment": N_("paid twice"),
    "amount_mismatch": N_("paid amount differs from the bill"),
    "cancelled_after_payment": N_("paid, then cancelled"),
    "refund_rejected": N_("refund rejected: revenue"),
    "credited_twice": N_("the bank credited this NTPN twice"),
    "credited_twice_no_callback": N_("credited twice, and no callback"),
    "reversed": N_("the bank reversed this payment"),
    "reversed_no_callback": N_("reversed; Loket has no payment"),
}


def label(table: dict[str, str], value: str, locale: str) -> str:
    """The translated label of a value, or the value itself when it has none."""
    msgid = table.get(value)
    return translate(locale, msgid) if msgid else value


def t(locale: str, msgid: str, **params: object) -> str:
    """`msgid` in `locale`, with its parameters filled in."""
    return translate(locale, msgid, **params)
