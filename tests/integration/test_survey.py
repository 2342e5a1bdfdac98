"""The satisfaction survey after collection: one invitation and one answer per application, a
link that works once even when answered twice at the same instant (PostgreSQL), and expires."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from loket.domain.errors import Conflict, NotFound
from loket.services import survey
from loket.store.database import Database
from loket.store.outbox_repo import messages_about
from loket.store.tables import survey_invitations, survey_responses

from .report_month import Month, wib

DAY = date(2017, 12, 4)
ANSWER = [4, 3, 4, 3, 4, 3, 4, 3, 4]


async def _collected(db: Database) -> tuple[Month, str]:
    from loket.services.demo import load_demo

    await load_demo(db, now=wib(DAY, 7))
    m = Month(db)
    p = await m.book("a", 1, DAY)
    await m.open_all(wib(DAY, 7, 30))
    await m.check_in(p, wib(DAY, 8))
    for station in ("INT1", "BIO1", "APP1", "PRI1", "PRI1"):
        await m.serve(station, wib(DAY, 9) + timedelta(minutes=10 * len(p.visits)), 5)
    from loket.services import stations

    await stations.hand_over(db, "PLG", "COL1", p.code, p.nik, officer="petugas", now=wib(DAY, 14))
    async with db.read() as conn:
        [token] = {
            m.params["survey"]
            for m in await messages_about(conn, "PLG", p.code)
            if m.event == "survey_invite"
        }
    return m, str(token)


async def _count(db: Database, table: object) -> int:
    async with db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())  # type: ignore[arg-type]


async def test_one_answer_per_application(db: Database) -> None:
    m, token = await _collected(db)
    person = m.ledger.people["a"]
    async with db.write() as conn:  # a second invitation for the same application is refused quietly
        ticket = type("T", (), {"booking_code": person.code, "day": DAY, "ticket": person.ticket})()
        assert await survey.invite_after_collection(conn, "PLG", ticket, wib(DAY, 15)) is False
    assert await _count(db, survey_invitations) == 1
    opened = await survey.open_survey(db, token, now=wib(DAY, 15))
    assert (opened.office_code, opened.day, opened.answered) == ("PLG", DAY, False)
    await survey.submit_survey(db, token, ANSWER, "  Bagus  sekali ", now=wib(DAY, 16), locale="id")
    with pytest.raises(Conflict) as caught:
        await survey.submit_survey(db, token, ANSWER, "", now=wib(DAY, 17), locale="id")
    assert caught.value.code == "survey_answered"
    assert (await survey.open_survey(db, token, now=wib(DAY, 17))).answered
    report = await survey.ikm_between(db, "PLG", DAY, DAY)
    assert report.comments == [(DAY, "Bagus sekali")] and report.result is not None
    assert report.result.converted == pytest.approx(sum(ANSWER) / 9 * 25)


async def test_a_link_expires_and_a_wrong_one_is_unknown(db: Database) -> None:
    _m, token = await _collected(db)
    with pytest.raises(NotFound):
        await survey.open_survey(db, token, now=wib(DAY, 14) + timedelta(days=31))
    with pytest.raises(NotFound):
        await survey.submit_survey(db, token, ANSWER, "", now=wib(DAY, 14) + timedelta(days=31), locale="id")
    for wrong in (token[:-2] + "xx", "DPS" + token[3:], "PLG", ""):
        with pytest.raises(NotFound):
            await survey.open_survey(db, wrong, now=wib(DAY, 15))
    assert await _count(db, survey_responses) == 0


@pytest.mark.postgres
async def test_answered_twice_at_once_keeps_one_answer(pg_only_url: str) -> None:
    db = Database(pg_only_url, pool_size=10)
    try:
        _m, token = await _collected(db)

        async def answer() -> str:
            try:
                await survey.submit_survey(db, token, ANSWER, "", now=wib(DAY, 16), locale="id")
            except Conflict:
                return "conflict"
            return "ok"

        outcomes = await asyncio.gather(*(answer() for _ in range(8)))
        assert sorted(outcomes) == ["conflict"] * 7 + ["ok"]
        assert await _count(db, survey_responses) == 1
    finally:
        await db.dispose()
