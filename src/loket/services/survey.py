"""The satisfaction survey (IKM, PermenPAN-RB 14/2017): the invitation after collection, the
answer (single-use, one per application) and the index over a period.

The link carries a random token (256 bits) that names its office; only the token's SHA-256 is
stored. Answering locks the invitation, checks it is unanswered and recent, stores the response
and marks the invitation answered, in one transaction: a link works once.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from loket.domain.errors import Conflict, NotFound, invalid
from loket.domain.ikm import ELEMENT_KEYS, IkmReport, check_scores, ikm
from loket.services import notifications as events
from loket.services.audit import record
from loket.store import offices_repo, reports_repo, survey_repo
from loket.store.database import Connection, Database

MAX_COMMENT = 1000
DEFAULT_VALID_DAYS = 30


def new_token(office_code: str) -> str:
    """`PLG.` then 43 URL-safe characters (256 random bits): unguessable, and it names its office."""
    return f"{office_code}.{secrets.token_urlsafe(32)}"


def token_hash(token: str) -> str:
    """What is stored of a survey token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def _office_of(token: str) -> str:
    office, sep, rest = (token or "").partition(".")
    if not sep or not office.isalnum() or len(office) > 8 or len(rest) < 40:
        raise _not_found()
    return office


def _not_found() -> NotFound:
    # Unknown, malformed and expired links get the same answer: nothing to probe.
    return NotFound("survey_not_found", "This survey link is not valid", field="token")


async def invite_after_collection(
    conn: Connection, office_code: str, ticket: Any, now: datetime
) -> bool:
    """In the hand-over's transaction: one survey invitation per booked application, sent via the outbox."""
    if not ticket.booking_code:
        return False  # a walk-in left no phone or e-mail to send the link to
    token = new_token(office_code)
    stored = await survey_repo.insert_invitation(
        conn, office_code, ticket.booking_code, token_hash(token), ticket.day, ticket.ticket, now
    )
    if not stored:
        return False
    await events.notify_survey_invite(conn, office_code, ticket.booking_code, token, now)
    return True


@dataclass(frozen=True)
class SurveyInvite:
    office_code: str
    office_name: str
    day: date
    answered: bool


async def _invitation(
    conn: Connection, token: str, now: datetime, valid_days: int, *, lock: bool
) -> Any:
    row = await survey_repo.invitation(conn, _office_of(token), token_hash(token), lock=lock)
    if row is None or (row.answered_at is None and now > row.invited_at + timedelta(days=valid_days)):
        raise _not_found()
    return row


async def open_survey(
    db: Database, token: str, *, now: datetime, valid_days: int = DEFAULT_VALID_DAYS
) -> SurveyInvite:
    """The invitation a link names; NotFound when unknown or expired."""
    async with db.read() as conn:
        row = await _invitation(conn, token, now, valid_days, lock=False)
        office = await offices_repo.load_office(conn, row.office_code)
    return SurveyInvite(office.code, office.name, row.day, row.answered_at is not None)


async def submit_survey(
    db: Database,
    token: str,
    scores: list[int | str | None],
    comment: str,
    *,
    now: datetime,
    locale: str,
    valid_days: int = DEFAULT_VALID_DAYS,
) -> None:
    """Store the answer of one application; a second answer through the same link is refused."""
    checked = check_scores(scores)
    text = " ".join((comment or "").split())
    if len(text) > MAX_COMMENT:
        raise invalid("comment", "comment_too_long", "Write at most %(max)d characters", max=MAX_COMMENT)
    async with db.write() as conn:
        row = await _invitation(conn, token, now, valid_days, lock=True)
        if not await survey_repo.mark_answered(conn, row.office_code, row.booking_code, now):
            raise Conflict("survey_answered", "This survey has already been answered", field="token")
        await survey_repo.insert_response(
            conn,
            {
                "office_code": row.office_code,
                "booking_code": row.booking_code,
                "answered_at": now,
                "comment": text,
                "locale": locale,
                **dict(zip(ELEMENT_KEYS, checked, strict=True)),
            },
        )
        # The audit row says that an answer came, never what it said.
        await record(
            conn,
            office_code=row.office_code,
            actor="applicant",
            action="survey.answer",
            subject=row.booking_code,
            now=now,
        )


async def ikm_between(db: Database, office_code: str, first: date, last: date) -> IkmReport:
    """The IKM of the responses answered in [first, last] (office dates)."""
    async with db.read() as conn:
        office = await offices_repo.load_office(conn, office_code)
        start = office.local_moment(first, time(0, 0))
        end = office.local_moment(last + timedelta(days=1), time(0, 0))
        rows = await reports_repo.responses_between(conn, office_code, start, end)
        invited = await reports_repo.invitations_between(conn, office_code, start, end)
    scores = [tuple(int(getattr(r, key)) for key in ELEMENT_KEYS) for r in rows]
    by_month: dict[date, list[tuple[int, ...]]] = defaultdict(list)
    comments = []
    for r, s in zip(rows, scores, strict=True):
        day = r.answered_at.astimezone(office.zone).date()
        by_month[day.replace(day=1)].append(s)
        if r.comment:
            comments.append((day, str(r.comment)))
    months = [(m, found) for m, group in sorted(by_month.items()) if (found := ikm(group)) is not None]
    return IkmReport(first, last, invited, ikm(scores), months, comments)
