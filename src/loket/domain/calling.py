"""The calling policy, queue tickets, stations and the check-in window. Pure functions.

The written policy (docs/floor.md): a station calls, from the queues of the stages it serves,

1. priority tickets (elderly, disabled, pregnant, children under 5), then
2. express tickets, then
3. booked (regular) tickets;

within each class, applicants who arrived on time come before late arrivals, then by appointment
time (walk-ins by their check-in time), then by ticket number. A ticket sent to one station
(transfer) is called only there. A called applicant who does not come is recalled; after N
recalls (a setting) the officer may mark a no-show.

The policy is one sort key, `POLICY_KEY`. A ticket row stores each part of it in a column of the
same name (`key_columns`), and the SQL that orders the queue (store/floor_repo.py) is built from
`POLICY_KEY`: there is no second copy of the order to drift. tests/integration/test_floor_policy_sql.py
proves the database calls tickets in the order `queue_order` and `pick_next` give.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from loket.domain.booking import Category
from loket.domain.errors import Conflict

TICKET_LETTER = {Category.REGULAR: "A", Category.PRIORITY: "B", Category.EXPRESS: "C"}
CLASS_RANK = {Category.PRIORITY: 0, Category.EXPRESS: 1, Category.REGULAR: 2}

# The policy's sort key, most significant first: class, on time before late (False < True),
# appointment (walk-ins: check-in time), ticket number. Each name is a `QueueEntry` attribute and a
# column of the tickets table; every part is ascending and never NULL.
POLICY_KEY = ("class_rank", "late", "order_at", "seq")


class QueueState(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    AWAY = "away"  # not in a queue: back-office, gone home, done
    NO_SHOW = "no_show"


class StationState(StrEnum):
    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"
    DOWN = "down"


def ticket_label(category: Category | str, number: int) -> str:
    """`A-001` regular, `B-001` priority, `C-001` express (the way Indonesian offices show them)."""
    return f"{TICKET_LETTER[Category(category)]}-{number:03d}"


def spoken_label(label: str) -> str:
    """`A-001` as a caller says it: `A 0 0 1` (digits read one by one)."""
    letter, _, digits = label.partition("-")
    return " ".join([letter, *digits])


@dataclass(frozen=True)
class QueueEntry:
    """A waiting ticket as the policy sees it."""

    ticket: str
    category: Category
    seq: int
    order_at: datetime  # appointment start; check-in time for walk-ins
    late: bool
    target_station: str | None = None

    @property
    def class_rank(self) -> int:
        """0 priority, 1 express, 2 regular: the first part of the key."""
        return CLASS_RANK[Category(self.category)]

    @property
    def key(self) -> tuple[int, bool, datetime, int]:
        """The entry's policy key (the parts named by `POLICY_KEY`, in that order)."""
        return order_key(self.category, self.late, self.order_at, self.seq)


def order_key(
    category: Category | str, late: bool, order_at: datetime, seq: int
) -> tuple[int, bool, datetime, int]:
    """The sort key of the policy: class, on time before late, appointment, ticket number."""
    return (CLASS_RANK[Category(category)], late, order_at, seq)


def key_columns(category: Category | str, late: bool, order_at: datetime, seq: int) -> dict[str, object]:
    """The policy key as a ticket row stores it: {column name: value} for each name of `POLICY_KEY`."""
    return dict(zip(POLICY_KEY, order_key(category, late, order_at, seq), strict=True))


def callable_by(entry: QueueEntry, station: str) -> bool:
    """A ticket sent to a station (transfer) is called only there; others by any station of the stage."""
    return entry.target_station is None or entry.target_station == station


def pick_next(waiting: Iterable[QueueEntry], station: str) -> QueueEntry | None:
    """The ticket `station` calls next under the policy, or None when its queues are empty."""
    candidates = [e for e in waiting if callable_by(e, station)]
    return min(candidates, key=lambda e: e.key, default=None)


def queue_order(waiting: Iterable[QueueEntry]) -> list[QueueEntry]:
    """Waiting tickets in the order the policy calls them."""
    return sorted(waiting, key=lambda e: e.key)


def is_late(checked_in_at: datetime, appointment_at: datetime | None, grace_minutes: int) -> bool:
    """Late when arriving more than the grace after the session started (walk-ins never are)."""
    if appointment_at is None:
        return False
    return checked_in_at > appointment_at + timedelta(minutes=grace_minutes)


def check_in_window(
    now: datetime, session_start: datetime, session_end: datetime, early_minutes: int, late_minutes: int
) -> None:
    """Check-in opens `early_minutes` before the session and closes `late_minutes` after it ends."""
    opens = session_start - timedelta(minutes=early_minutes)
    closes = session_end + timedelta(minutes=late_minutes)
    if now < opens:
        raise Conflict(
            "check_in_too_early",
            "Check-in for this session opens at %(opens)s",
            field="booking_code",
            opens=opens.isoformat(timespec="minutes"),
        )
    if now > closes:
        raise Conflict("check_in_too_late", "Check-in for this session has closed", field="booking_code")


def check_recall(recalls: int, max_recalls: int) -> None:
    """Another recall only while fewer than `max_recalls` were made; then it is a no-show."""
    if recalls >= max_recalls:
        raise Conflict(
            "recall_limit",
            "Called %(n)d times already: mark a no-show",
            field="ticket",
            n=recalls + 1,
        )


def check_no_show(recalls: int, max_recalls: int) -> None:
    """A no-show only after the applicant was recalled `max_recalls` times."""
    if recalls < max_recalls:
        raise Conflict(
            "no_show_too_soon",
            "Recall the applicant %(n)d more time(s) before a no-show",
            field="ticket",
            n=max_recalls - recalls,
        )


# Station state changes an officer may make; `down` needs a reason.
STATION_MOVES: dict[StationState, frozenset[StationState]] = {
    StationState.CLOSED: frozenset({StationState.OPEN, StationState.DOWN}),
    StationState.OPEN: frozenset({StationState.PAUSED, StationState.CLOSED, StationState.DOWN}),
    StationState.PAUSED: frozenset({StationState.OPEN, StationState.CLOSED, StationState.DOWN}),
    StationState.DOWN: frozenset({StationState.OPEN, StationState.CLOSED}),
}


def check_station_move(current: StationState | str, target: StationState | str, reason: str) -> StationState:
    """The target state when the move is allowed; a `down` station needs a reason."""
    src, dst = StationState(current), StationState(target)
    if dst not in STATION_MOVES[src]:
        raise Conflict(
            "station_move",
            "A station cannot go from %(src)s to %(dst)s",
            field="state",
            src=src.value,
            dst=dst.value,
        )
    if dst is StationState.DOWN and not reason.strip():
        raise Conflict("reason_missing", "Say what is wrong with the device", field="reason")
    return dst


def estimate_wait_s(position: int, open_stations: int, mean_service_s: float | None) -> float | None:
    """Seconds until the `position`-th (0 = next) waiting ticket is called: queue ahead over servers."""
    if open_stations <= 0 or mean_service_s is None:
        return None
    # The stations now serving free up half a service from now on average; then one round each.
    return (position // open_stations) * mean_service_s + mean_service_s / 2


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100) by linear interpolation; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        return float(ordered[0])
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (rank - low))


def mean(values: Sequence[float]) -> float | None:
    """The arithmetic mean; None for no values."""
    return sum(values) / len(values) if values else None


@dataclass(frozen=True)
class FloorPolicy:
    """The settings that shape the floor (from LOKET_* settings)."""

    checkin_early_minutes: int = 60
    checkin_late_minutes: int = 60
    late_grace_minutes: int = 15
    no_show_after_recalls: int = 2
    sla_working_days: tuple[tuple[str, int], ...] = (("regular", 4), ("electronic", 4))
    notify_next_in_people: int = 3  # 'your turn is near' when this many people (or fewer) are before you

    def working_days_for(self, product: str) -> int:
        """The service-clock length of a product (`regular_5y` -> the `regular` setting)."""
        table = dict(self.sla_working_days)
        return table.get(product, table.get(product.split("_")[0], 4))
