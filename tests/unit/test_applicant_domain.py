"""Pure rules of the applicant's side: waiting-list offers, notification back-off, the pipeline."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from loket.domain.calendar import WorkingCalendar
from loket.domain.errors import Conflict
from loket.domain.journey import (
    FloorStatus,
    StageRow,
    StageState,
    booking_stages,
    documents_for,
    due_date,
    pipeline,
)
from loket.domain.notification import RetryPolicy, after_failure, backoff_s, channels_for, idempotency_key
from loket.domain.waitlist import (
    WaitlistPolicy,
    check_acceptable,
    check_may_join,
    hold_mark,
    is_hold_mark,
    new_entry_code,
    offer_open,
    office_of_entry_code,
)

NOW = datetime(2017, 12, 28, 1, 30, tzinfo=UTC)


def test_offers_are_open_for_the_window_only() -> None:
    policy = WaitlistPolicy(offer_minutes=30)
    assert offer_open("offered", NOW, NOW + timedelta(minutes=29), policy)
    assert not offer_open("offered", NOW, NOW + timedelta(minutes=30), policy)
    assert not offer_open("waiting", None, NOW, policy)
    with pytest.raises(Conflict) as late:
        check_acceptable("offered", NOW, NOW + timedelta(hours=1), policy)
    assert late.value.code == "offer_not_open"
    with pytest.raises(Conflict) as taken:
        check_acceptable("accepted", NOW, NOW, policy)
    assert taken.value.code == "offer_accepted"


def test_one_waits_only_for_a_full_session_once() -> None:
    check_may_join(0, False)
    for left, waiting, code in ((1, False, "places_available"), (0, True, "already_waiting")):
        with pytest.raises(Conflict) as refused:
            check_may_join(left, waiting)
        assert refused.value.code == code


def test_entry_codes_and_hold_marks_never_look_like_booking_codes() -> None:
    code = new_entry_code("PLG")
    assert office_of_entry_code(code) == "PLG" and office_of_entry_code("PLG-0123456789") is None
    assert is_hold_mark(hold_mark(code)) and not is_hold_mark("PLG-0123456789")
    assert len(hold_mark(code)) <= 24  # fits places.booking_code


def test_back_off_doubles_and_gives_up() -> None:
    policy = RetryPolicy(max_attempts=4, base_s=30, max_s=100)
    assert [backoff_s(n, policy) for n in (1, 2, 3, 4)] == [30, 60, 100, 100]
    assert after_failure(1, NOW, policy) == ("pending", NOW + timedelta(seconds=30))
    assert after_failure(4, NOW, policy)[0] == "failed"


def test_one_key_per_event_subject_channel() -> None:
    assert idempotency_key("reminder", "PLG-1", "phone", "2017-12-29") == "reminder:PLG-1:phone:2017-12-29"
    assert [c for c, _ in channels_for("+62812", None)] == ["phone"]
    assert [c for c, _ in channels_for("+62812", "a@b.id")] == ["phone", "email"]


def test_the_floor_extends_the_pipeline() -> None:
    base = booking_stages("paid", NOW, NOW)
    assert [(r.key, r.state) for r in base] == [
        ("booked", StageState.DONE),
        ("paid", StageState.DONE),
        ("checked_in", StageState.CURRENT),
    ]
    floor = FloorStatus(
        stages=(
            StageRow("checked_in", "Checked in", StageState.DONE, 30),
            StageRow("intake", "Document check", StageState.CURRENT, 40),
        )
    )
    assert [r.key for r in pipeline(base, floor)] == ["booked", "paid", "checked_in", "intake"]
    assert pipeline(base, floor)[2].state is StageState.DONE


def test_due_date_is_four_working_days_after_a_complete_dossier() -> None:
    calendar = WorkingCalendar(holidays={})
    assert due_date(calendar, date(2017, 12, 21), FloorStatus()) == date(2017, 12, 27)
    assert due_date(
        calendar, date(2017, 12, 21), FloorStatus(dossier_complete_on=date(2017, 12, 22))
    ) == date(2017, 12, 28)


def test_documents_depend_on_the_service_and_age() -> None:
    assert "Your current passport" in documents_for("renewal")
    assert "Birth certificate of the child" in documents_for("new", age=3)
