"""The staff-session memory of a process (services/staff_sessions.py): what it keeps and when it
lets go, with the clock of `time.monotonic` moved by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from loket.domain.staff import Role, StaffIdentity
from loket.services import staff_sessions
from loket.services.staff_sessions import StaffSessions

NOW = datetime(2017, 12, 28, 1, 30, tzinfo=UTC)
WULAN = StaffIdentity("wulan", "Wulan", {"PLG": Role.OFFICER})


@pytest.fixture
def monotonic(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    clock = [1000.0]
    monkeypatch.setattr(staff_sessions.time, "monotonic", lambda: clock[0])
    return clock


def _trusted(ttl: float = 60) -> StaffSessions:
    sessions = StaffSessions(ttl)
    sessions.trusted = True
    return sessions


def test_a_session_is_kept_for_the_ttl_and_never_past_its_expiry(monotonic: list[float]) -> None:
    sessions = _trusted()
    sessions.keep("h1", WULAN, "csrf", NOW + timedelta(hours=8), sessions.generation)
    assert sessions.get("h1", NOW) == (WULAN, "csrf")
    monotonic[0] += 59.9
    assert sessions.get("h1", NOW) == (WULAN, "csrf")
    monotonic[0] += 0.1
    assert sessions.get("h1", NOW) is None  # the TTL is up: looked up again

    sessions.keep("h2", WULAN, "csrf", NOW + timedelta(seconds=5), sessions.generation)
    assert sessions.get("h2", NOW + timedelta(seconds=4)) is not None
    assert sessions.get("h2", NOW + timedelta(seconds=5)) is None  # the session itself expired


def test_a_lookup_overtaken_by_a_revocation_is_not_kept(monotonic: list[float]) -> None:
    sessions = _trusted()
    generation = sessions.generation  # the lookup starts ...
    sessions.forget()  # ... a sign-out commits while it runs ...
    sessions.keep("h1", WULAN, "csrf", NOW + timedelta(hours=8), generation)  # ... it read the old row
    assert sessions.get("h1", NOW) is None


def test_nothing_is_kept_untrusted_or_with_no_ttl_and_trust_changes_forget(monotonic: list[float]) -> None:
    untrusted = StaffSessions(60)
    untrusted.keep("h1", WULAN, "csrf", NOW + timedelta(hours=8), untrusted.generation)
    assert untrusted.get("h1", NOW) is None
    off = _trusted(ttl=0)
    off.keep("h1", WULAN, "csrf", NOW + timedelta(hours=8), off.generation)
    assert off.get("h1", NOW) is None

    sessions = _trusted()
    sessions.keep("h1", WULAN, "csrf", NOW + timedelta(hours=8), sessions.generation)
    sessions.trusted = False  # the listener lost Redis
    sessions.trusted = True  # and found it again: what was missed meanwhile is unknown
    assert sessions.get("h1", NOW) is None


def test_a_flood_of_sessions_starts_the_memory_over(
    monotonic: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(staff_sessions, "MAX_KEPT", 3)
    sessions = _trusted()
    for n in range(4):
        sessions.keep(f"h{n}", WULAN, "csrf", NOW + timedelta(hours=8), sessions.generation)
    assert [sessions.get(f"h{n}", NOW) is not None for n in range(4)] == [False, False, False, True]
