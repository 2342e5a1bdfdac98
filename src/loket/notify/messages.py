"""Message templates: English msgids, translated by gettext into the person's language when sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from loket.domain.journey import status_token
from loket.domain.notification import Event
from loket.domain.office import Office
from loket.domain.waitlist import WaitlistPolicy, offer_deadline
from loket.formatting import local_datetime, long_date, opening_hours, rupiah
from loket.i18n import N_, translate

# (subject, text) per event. Short enough for one or two SMS; the e-mail carries the same text.
TEMPLATES: dict[Event, tuple[str, str]] = {
    Event.BOOKING_MADE: (
        N_("Passport booking %(code)s"),
        N_(
            "Loket: booking %(code)s at %(office)s, %(date)s, session %(session)s. "
            "Pay %(amount)s with billing code %(billing)s before %(deadline)s, or the place lapses."
        ),
    ),
    Event.PAYMENT_RECEIVED: (
        N_("Payment received for %(code)s"),
        N_(
            "Loket: payment received for booking %(code)s. Come on %(date)s, session %(session)s, "
            "with your documents and this code."
        ),
    ),
    Event.DEADLINE_NEAR: (
        N_("Booking %(code)s is not paid yet"),
        N_(
            "Loket: booking %(code)s is not paid yet. Pay %(amount)s with billing code %(billing)s "
            "before %(deadline)s."
        ),
    ),
    Event.REMINDER: (
        N_("Your appointment tomorrow"),
        N_(
            "Loket: tomorrow, %(date)s, session %(session)s at %(office)s. "
            "Bring your documents and booking code %(code)s."
        ),
    ),
    Event.NEXT_IN: (
        N_("You are next soon"),
        N_(
            "Loket: you are next in about %(minutes)s minutes (ticket %(ticket)s). "
            "Please come to the waiting room."
        ),
    ),
    Event.DOSSIER_INCOMPLETE: (
        N_("Your dossier is incomplete"),
        N_("Loket: the dossier of booking %(code)s is incomplete. Missing: %(missing)s."),
    ),
    Event.DOCUMENT_REJECTED: (
        N_("A document was not accepted"),
        N_(
            "Loket: the copy of %(item)s for booking %(code)s was not accepted: %(reason)s. "
            "Upload a new one from your status page, or bring the original."
        ),
    ),
    Event.PASSPORT_READY: (
        N_("Your passport is ready"),
        N_("Loket: passport %(code)s is ready at %(office)s. Collect it with your KTP, %(hours)s."),
    ),
    Event.HOLD_LAPSED: (
        N_("Booking %(code)s has lapsed"),
        N_("Loket: booking %(code)s was not paid by %(deadline)s and has lapsed; its place was released."),
    ),
    Event.WAITLIST_OFFER: (
        N_("A place is free for you"),
        N_(
            "Loket: a place is free for you on %(date)s, session %(session)s at %(office)s. "
            "Accept it before %(deadline)s: %(link)s"
        ),
    ),
    Event.SURVEY_INVITE: (
        N_("How was our service?"),
        N_(
            "Loket: thank you for collecting your passport at %(office)s. Please tell us how we served "
            "you (nine short questions): %(link)s"
        ),
    ),
    Event.BOOKING_CANCELLED: (
        N_("Booking %(code)s is cancelled"),
        N_("Loket: booking %(code)s for %(date)s is cancelled; its place went back to the pool."),
    ),
    Event.BOOKING_MOVED: (
        N_("Booking %(code)s is moved"),
        N_("Loket: booking %(code)s is moved to %(date)s, session %(session)s at %(office)s."),
    ),
    Event.SIGN_IN_FAILURES: (
        N_("Failed sign-ins to your Loket account"),
        N_(
            "Loket: %(failures)s failed sign-ins in a row to your account %(username)s from %(address)s. "
            "Further attempts from there are slowed down. If this was not you, tell your office's admin."
        ),
    ),
    # One SMS: no office name or link that would push it past 160 characters.
    Event.CONTACT_CODE: (
        N_("Your Loket code"),
        N_("Loket: your code is %(otp)s. It is valid for %(minutes)s minutes. Never give it to anyone."),
    ),
    Event.NIK_ATTEMPT: (
        N_("Someone tried to book with your NIK"),
        N_(
            "Loket: someone tried to book with your NIK. Your booking %(code)s stands. "
            "If it was not you, nothing more is needed."
        ),
    ),
    Event.NIK_RELEASED: (
        N_("Booking %(code)s is released"),
        N_(
            "Loket: booking %(code)s was released by the holder of its NIK, who proved it with the "
            "family card. Its place went back to the pool."
        ),
    ),
}
# The confirmations carry the live status page's signed address (no NIK), after their own text.
WITH_STATUS_LINK = (Event.BOOKING_MADE, Event.PAYMENT_RECEIVED)
STATUS_LINK = N_("Follow it live: %(status_link)s")
# A cancelled paid booking says what it is owed instead.
CANCELLED_REFUND = N_(
    "Loket: booking %(code)s for %(date)s is cancelled. A refund of %(refund)s is due to you."
)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str


def _fields(
    params: dict[str, Any], office: Office, locale: str, public_url: str, policy: WaitlistPolicy
) -> dict[str, Any]:
    shown: dict[str, Any] = {**params, "office": office.name}
    if "date" in params:
        shown["date"] = long_date(date.fromisoformat(params["date"]), locale)
    if "amount" in params:
        shown["amount"] = rupiah(int(params["amount"]))
    if "deadline" in params:
        shown["deadline"] = local_datetime(
            datetime.fromisoformat(params["deadline"]), office.timezone, locale
        )
    if "offered_at" in params:
        deadline = offer_deadline(datetime.fromisoformat(params["offered_at"]), policy)
        shown["deadline"] = local_datetime(deadline, office.timezone, locale)
        shown["link"] = f"{public_url.rstrip('/')}/waitlist/{params['code']}?lang={locale}"
    if "survey" in params:
        shown["link"] = f"{public_url.rstrip('/')}/survey/{params['survey']}?lang={locale}"
    if "item" in params:
        shown["item"] = translate(locale, params["item"])
    if "missing" in params:
        shown["missing"] = ", ".join(translate(locale, m) for m in params["missing"])
    if "refund" in params:
        shown["refund"] = rupiah(int(params["refund"]))
    shown["hours"] = opening_hours(office.hours, office.timezone, locale)
    shown.setdefault("ticket", "")
    shown.setdefault("minutes", "")
    return shown


def render(
    event: str,
    params: dict[str, Any],
    office: Office,
    locale: str,
    *,
    public_url: str,
    policy: WaitlistPolicy,
    secret: str = "",
) -> Rendered:
    """The message of one outbox row in `locale` (with `secret`, the confirmations link the live status)."""
    subject, text = TEMPLATES[Event(event)]
    if event == Event.BOOKING_CANCELLED and int(params.get("refund") or 0) > 0:
        text = CANCELLED_REFUND
    shown = _fields(params, office, locale, public_url, policy)
    body = translate(locale, text, **shown)
    if secret and Event(event) in WITH_STATUS_LINK and "code" in params:
        link = f"{public_url.rstrip('/')}/status/s/{status_token(secret, params['code'])}?lang={locale}"
        body = f"{body} {translate(locale, STATUS_LINK, status_link=link)}"
    return Rendered(translate(locale, subject, **shown), body)
