"""Staff invitations on both databases: single use, expiring, bulk from a CSV (all or nobody),
and two submissions of one link at once make exactly one account (the lock policy of
docs/locking.md: the conditional UPDATE that spends the invitation)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from loket.domain.errors import DomainError, NotFound
from loket.services import invitations, office_files, staff
from loket.store.database import Database

DJJ = (Path(__file__).parents[1] / "e2e" / "data" / "djj.yaml").read_text()
NOW = datetime(2026, 12, 21, 0, 0, tzinfo=UTC)
URL = "https://loket.example.id"
PASSWORD = "Jayapura-2026!"


async def _office(db: Database) -> None:
    await office_files.import_offices(db, DJJ, actor="t", now=NOW)


def _token(link: str) -> str:
    assert link.startswith(URL + invitations.INVITE_PATH)
    return link.rsplit("/", 1)[1]


async def test_an_invitation_is_used_once_and_grants_its_role(db: Database) -> None:
    await _office(db)
    made = await invitations.invite(
        db, office_code="DJJ", role="supervisor", email="Sari@Imigrasi.go.id", base_url=URL, now=NOW
    )
    token = _token(made.link)
    shown = await invitations.pending_invitation(db, token, now=NOW)
    assert (shown.office_code, shown.role, shown.email, shown.timezone) == (
        "DJJ", "supervisor", "sari@imigrasi.go.id", "Asia/Jayapura"
    )  # fmt: skip
    who = await invitations.accept_invitation(
        db, token, username="sari", full_name="Sari Wulandari", password=PASSWORD, now=NOW
    )
    assert who.roles == {"DJJ": "supervisor"}
    signed = await staff.login(db, "sari", PASSWORD, now=NOW, hours=8)
    assert signed.identity.roles["DJJ"] == "supervisor"
    with pytest.raises(NotFound):
        await invitations.accept_invitation(
            db, token, username="sari2", full_name="X", password=PASSWORD, now=NOW
        )


async def test_an_expired_or_unknown_link_says_the_same(db: Database) -> None:
    await _office(db)
    made = await invitations.invite(
        db, office_code="DJJ", role="officer", email="budi@imigrasi.go.id", base_url=URL, now=NOW, hours=1
    )
    later = NOW + timedelta(hours=1, seconds=1)
    with pytest.raises(NotFound) as expired:
        await invitations.pending_invitation(db, _token(made.link), now=later)
    with pytest.raises(NotFound) as unknown:
        await invitations.pending_invitation(db, "no-such-token", now=NOW)
    assert expired.value.code == unknown.value.code == "invitation_invalid"


async def test_a_bad_password_changes_nothing(db: Database) -> None:
    await _office(db)
    made = await invitations.invite(
        db, office_code="DJJ", role="officer", email="budi@imigrasi.go.id", base_url=URL, now=NOW
    )
    with pytest.raises(DomainError) as short:
        await invitations.accept_invitation(
            db, _token(made.link), username="budi", full_name="Budi", password="short", now=NOW
        )
    assert short.value.field == "password"
    await invitations.pending_invitation(db, _token(made.link), now=NOW)  # still usable


async def test_bulk_csv_invites_all_or_nobody(db: Database) -> None:
    await _office(db)
    good = "email,office,role\nsari@imigrasi.go.id,DJJ,supervisor\nbudi@imigrasi.go.id,djj,officer\n"
    with pytest.raises(DomainError) as bad:
        await invitations.invite_csv(db, good + "eko@imigrasi.go.id,XYZ,officer\n", base_url=URL, now=NOW)
    assert (bad.value.code, bad.value.extra["line"]) == ("office_not_found", 4)
    with pytest.raises(DomainError) as role:
        await invitations.invite_csv(db, good + "eko@imigrasi.go.id,DJJ,boss\n", base_url=URL, now=NOW)
    assert (role.value.field, role.value.extra["line"]) == ("role", 4)
    made = await invitations.invite_csv(db, good, base_url=URL, now=NOW)
    assert [(m.email, m.role) for m in made] == [
        ("sari@imigrasi.go.id", "supervisor"),
        ("budi@imigrasi.go.id", "officer"),
    ]
    assert len({m.link for m in made}) == 2


async def test_two_submissions_of_one_link_at_once_make_one_account(db: Database) -> None:
    await _office(db)
    made = await invitations.invite(
        db, office_code="DJJ", role="officer", email="budi@imigrasi.go.id", base_url=URL, now=NOW
    )
    token = _token(made.link)
    results = await asyncio.gather(
        *(
            invitations.accept_invitation(
                db, token, username=f"budi{i}", full_name="Budi", password=PASSWORD, now=NOW
            )
            for i in range(4)
        ),
        return_exceptions=True,
    )
    wins = [r for r in results if not isinstance(r, BaseException)]
    losses = [r for r in results if isinstance(r, BaseException)]
    assert len(wins) == 1
    assert all(isinstance(r, NotFound) and r.code == "invitation_invalid" for r in losses), losses
