"""Staff accounts (issue 21): passwords that are easy to guess are refused, and an office always
keeps an admin: its last admin can neither demote nor remove itself, and two admins demoting each
other at once leave one of them admin (the office row is the lock)."""

from __future__ import annotations

import asyncio

import pytest

from loket.clock import FrozenClock
from loket.domain.errors import Conflict, InvalidInput
from loket.domain.staff import StaffIdentity, check_password
from loket.services import staff as staff_service
from loket.store.database import Database

STRONG = "rahasia-kantor-1"


pytestmark = pytest.mark.usefixtures("fast_hashing")


@pytest.mark.parametrize("weak", ["aaaaaaaaaa", "1234567890", "password12", "qwertyuiop", "imigrasi2017"])
def test_passwords_easy_to_guess_are_refused(weak: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_password(weak, "budi")
    assert refused.value.code == "password_weak" and refused.value.field == "password"


def test_a_phrase_is_accepted() -> None:
    assert check_password("kopi tubruk di pagi hari", "budi")
    assert check_password(STRONG, "budi")


async def _admin(db: Database, clock: FrozenClock, name: str) -> StaffIdentity:
    return await staff_service.create_staff(
        db,
        office_code="PLG",
        username=name,
        full_name=name.title(),
        password=STRONG,
        role="admin",
        now=clock(),
    )


async def test_weak_passwords_are_refused_by_the_service(demo: Database, clock: FrozenClock) -> None:
    with pytest.raises(InvalidInput):
        await staff_service.create_staff(
            demo,
            office_code="PLG",
            username="rina",
            full_name="Rina",
            password="password12",
            role="officer",
            now=clock(),
        )
    await _admin(demo, clock, "adi")
    with pytest.raises(InvalidInput):
        await staff_service.set_password(demo, username="adi", password="1234567890", now=clock())


async def test_the_last_admin_cannot_demote_or_remove_itself(demo: Database, clock: FrozenClock) -> None:
    adi = await _admin(demo, clock, "adi")
    with pytest.raises(Conflict) as demoted:
        await staff_service.grant_role(
            demo, office_code="PLG", username="adi", role="supervisor", now=clock(), granter=adi
        )
    assert demoted.value.code == "last_admin"
    with pytest.raises(Conflict) as removed:
        await staff_service.revoke_role(demo, office_code="PLG", username="adi", now=clock())
    assert removed.value.code == "last_admin"
    assert (await staff_service.office_staff(demo, "PLG"))[0]["role"] == "admin"
    # With a second admin, the first may step down.
    await _admin(demo, clock, "wati")
    await staff_service.grant_role(
        demo, office_code="PLG", username="adi", role="supervisor", now=clock(), granter=adi
    )


async def test_two_admins_demoting_each_other_at_once_leave_one_admin(
    demo: Database, clock: FrozenClock
) -> None:
    survivor: str | None = None
    for n in range(5):
        adi = await _admin(demo, clock, f"adi{n}")
        wati = await _admin(demo, clock, f"wati{n}")
        if survivor:  # the last round's admin steps down: the two new ones race alone
            await staff_service.grant_role(
                demo, office_code="PLG", username=survivor, role="officer", now=clock()
            )
        results = await asyncio.gather(
            staff_service.grant_role(
                demo, office_code="PLG", username=wati.username, role="officer", now=clock(), granter=adi
            ),
            staff_service.grant_role(
                demo, office_code="PLG", username=adi.username, role="officer", now=clock(), granter=wati
            ),
            return_exceptions=True,
        )
        refused = [r for r in results if isinstance(r, BaseException)]
        assert len(refused) == 1 and isinstance(refused[0], Conflict), results
        admins = [
            s["username"] for s in await staff_service.office_staff(demo, "PLG") if s["role"] == "admin"
        ]
        assert len(admins) == 1
        survivor = str(admins[0])
