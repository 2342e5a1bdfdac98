"""Release modes and the ballot: who may book a day when, and how a ballot is drawn. Pure.

A ballot day takes entries (one per NIK) during a window. Before the window opens the office
publishes the SHA-256 commitment of a random seed; after it closes the seed is revealed and every
entry gets the draw key SHA-256(seed : entries digest : entry code), the digest fixing the entry
list. Sorting by key gives the draw order, so anyone with the published seed and entry codes can
re-run the draw (`loket ballot verify`). Places are allocated down that order; the rest go to the
waiting list in the same order.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from loket.domain.booking import CODE_ALPHABET
from loket.domain.errors import Conflict, invalid
from loket.domain.office import Office


class Mode(StrEnum):
    FCFS = "fcfs"  # first come, first served (a day without a release row works this way)
    BALLOT = "ballot"


class EntryStatus(StrEnum):
    ENTERED = "entered"
    WON = "won"  # a booking was made, awaiting payment as usual
    WAITLISTED = "waitlisted"  # on the session's waiting list, in draw order
    INELIGIBLE = "ineligible"  # could not be booked at the draw (e.g. the NIK holds another booking)
    # Entered with LOKET_VERIFY_CONTACT on, its code not yet entered: not drawn, and replaced by the
    # next entry for the same NIK and day (docs/security.md, "NIK squatting").
    UNVERIFIED = "unverified"


@dataclass(frozen=True)
class Release:
    """How one office day is released."""

    office_code: str
    day: date
    mode: Mode
    opens_at: datetime
    closes_at: datetime | None = None
    commitment: str | None = None
    seed: str | None = None
    entries_digest: str | None = None
    drawn_at: datetime | None = None

    @property
    def drawn(self) -> bool:
        return self.drawn_at is not None


@dataclass(frozen=True)
class Preference:
    """An entry as the draw sees it: its code, preferred session and whether another will do."""

    entry_code: str
    session: str
    category: str
    flexible: bool = True


def new_seed() -> str:
    """32 random bytes, hex: the ballot's secret until the draw."""
    return secrets.token_hex(32)


def commitment_of(seed: str) -> str:
    """SHA-256 (hex) of the seed: published before entries open, so the seed cannot be changed."""
    return hashlib.sha256(seed.encode()).hexdigest()


def new_entry_code(office_code: str) -> str:
    """`PLG-B` then 12 random characters: the entrant's receipt, published with the results."""
    return f"{office_code}-B" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))


def office_of_entry_code(code: str) -> str | None:
    office, sep, rest = code.partition("-")
    if not sep or not office.isalnum() or len(rest) != 13 or rest[0] != "B":
        return None
    return office if all(ch in CODE_ALPHABET for ch in rest[1:]) else None


def entries_digest(codes: Iterable[str]) -> str:
    """SHA-256 of the sorted entry codes, one per line: fixes the entry list at the draw."""
    return hashlib.sha256("\n".join(sorted(codes)).encode()).hexdigest()


def draw_key(seed: str, digest: str, entry_code: str) -> str:
    return hashlib.sha256(f"{seed}:{digest}:{entry_code}".encode()).hexdigest()


def draw_order(seed: str, codes: Iterable[str]) -> list[str]:
    """The entry codes in draw order: by draw key (then code, though keys never collide in practice)."""
    found = list(codes)
    digest = entries_digest(found)
    return sorted(found, key=lambda c: (draw_key(seed, digest, c), c))


def _nearest(sessions: Sequence[str], preferred: str) -> list[str]:
    """The other sessions, nearest to the preferred one first (earlier first on a tie)."""
    if preferred not in sessions:
        return list(sessions)
    at = sessions.index(preferred)
    return sorted((s for s in sessions if s != preferred), key=lambda s: (abs(sessions.index(s) - at), s))


def allocate(
    order: Sequence[Preference], capacity: Mapping[tuple[str, str], int], sessions: Sequence[str]
) -> dict[str, str | None]:
    """Each entry's session (None: waiting list) going down the draw order; `capacity` is per
    (session, category) and `sessions` is the day's sessions in time order."""
    left = dict(capacity)
    result: dict[str, str | None] = {}
    for entry in order:
        chosen = None
        candidates = [entry.session] + (_nearest(sessions, entry.session) if entry.flexible else [])
        for session in candidates:
            if left.get((session, entry.category), 0) > 0:
                left[(session, entry.category)] -= 1
                chosen = session
                break
        result[entry.entry_code] = chosen
    return result


def eve_of(office: Office, day: date) -> datetime:
    """Midnight at the start of the day before `day`, office time: a ballot must be drawn by then."""
    return datetime.combine(day - timedelta(days=1), time(0, 0), tzinfo=office.zone)


def check_schedule(
    office: Office, day: date, mode: Mode, opens_at: datetime, closes_at: datetime | None, now: datetime
) -> None:
    """A release is set before it opens; a ballot window ends by the eve of the day (time to pay)."""
    if opens_at <= now:
        raise invalid("opens_at", "release_in_past", "The release must open in the future")
    if mode is Mode.BALLOT:
        if closes_at is None or closes_at <= opens_at:
            raise invalid("closes_at", "ballot_window", "A ballot closes after it opens")
        if closes_at > eve_of(office, day):
            raise invalid(
                "closes_at", "ballot_too_late", "A ballot must close before the day before the appointment"
            )
    elif closes_at is not None:
        raise invalid("closes_at", "fcfs_no_close", "A first-come release has no closing time")


def _local(office: Office, moment: datetime) -> str:
    return f"{moment.astimezone(office.zone):%d-%m-%Y %H:%M} {office.zone_abbreviation}"


def check_bookable(release: Release | None, office: Office, now: datetime) -> None:
    """Direct booking of a day: refused before its release opens and on a ballot day until the draw."""
    if release is None:
        return
    if release.mode is Mode.BALLOT and not release.drawn:
        raise Conflict(
            "ballot_day",
            "Places on this day are given by ballot: enter it between %(opens)s and %(closes)s",
            field="date",
            opens=_local(office, release.opens_at),
            closes=_local(office, release.closes_at or release.opens_at),
        )
    if release.mode is Mode.FCFS and now < release.opens_at:
        raise Conflict(
            "release_not_open",
            "Places on this day are released at %(opens)s",
            field="date",
            opens=_local(office, release.opens_at),
        )


def check_entry_window(release: Release | None, office: Office, now: datetime) -> Release:
    """Entries are taken for ballot days only, while the window is open."""
    if release is None or release.mode is not Mode.BALLOT:
        raise Conflict("not_a_ballot_day", "This day is not released by ballot", field="date")
    assert release.closes_at is not None
    if release.drawn or now >= release.closes_at:
        raise Conflict("ballot_closed", "The ballot for this day has closed", field="date")
    if now < release.opens_at:
        raise Conflict(
            "ballot_not_open",
            "The ballot opens at %(opens)s",
            field="date",
            opens=_local(office, release.opens_at),
        )
    return release


def check_drawable(release: Release | None, now: datetime) -> Release:
    if release is None or release.mode is not Mode.BALLOT:
        raise Conflict("not_a_ballot_day", "This day is not released by ballot", field="date")
    if release.drawn:
        raise Conflict("ballot_drawn", "This ballot has already been drawn", field="date")
    if release.closes_at is None or now < release.closes_at:
        raise Conflict("ballot_still_open", "The ballot is still taking entries", field="date")
    return release


def seed_matches(seed: str, commitment: str) -> bool:
    """True when the revealed seed is the committed one (constant-time compare)."""
    return hmac.compare_digest(commitment_of(seed), commitment)
