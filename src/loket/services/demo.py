"""The demo: Palembang (WIB) from the story, and Denpasar (WITA) for a second time zone."""

from __future__ import annotations

from datetime import datetime, time

from loket.domain.fees import OFFICIAL_TARIFFS
from loket.domain.office import Session, Station
from loket.services.audit import NATIONAL, record
from loket.services.documents import ask_office_items
from loket.services.offices import OfficeSpec, create_office
from loket.services.payments import DEMO_BANKS, add_bank
from loket.services.quotas import set_template
from loket.store import offices_repo, reports_repo
from loket.store.database import Database

WEEKDAY_HOURS = {wd: (time(8, 0), time(16, 0)) for wd in range(1, 5)} | {5: (time(8, 0), time(16, 30))}
SESSIONS = [
    Session(time(8, 0), time(9, 0)),
    Session(time(9, 0), time(10, 0)),
    Session(time(10, 0), time(11, 0)),
    Session(time(11, 0), time(12, 0)),
    Session(time(13, 0), time(14, 0)),
    Session(time(14, 0), time(15, 0)),
]


def _stations(intake: int, biometrics: int) -> list[Station]:
    found: list[Station] = []
    number = 1
    for kind, count, label in (
        ("intake", intake, "Loket"),
        ("biometrics", biometrics, "Foto"),
        ("approval", 1, "Wawancara"),
        ("printing", 1, "Cetak"),
        ("collection", 1, "Pengambilan"),
    ):
        for i in range(1, count + 1):
            found.append(Station(f"{kind[:3].upper()}{i}", kind, f"{label} {i}", number))
            number += 1
    return found


DEMO_OFFICES = [
    OfficeSpec(
        code="PLG",
        name="Kantor Imigrasi Kelas I TPI Palembang",
        timezone="Asia/Jakarta",
        address="Jl. Parameswara No. 8, Bukit Lama, Ilir Barat I, Palembang, Sumatera Selatan",
        hours=WEEKDAY_HOURS,
        sessions=SESSIONS,
        stations=_stations(intake=4, biometrics=3),
    ),
    OfficeSpec(
        code="DPS",
        name="Kantor Imigrasi Kelas I TPI Denpasar",
        timezone="Asia/Makassar",
        address="Jl. D.I. Panjaitan No. 3, Renon, Denpasar, Bali",
        hours=WEEKDAY_HOURS,
        sessions=SESSIONS,
        stations=_stations(intake=3, biometrics=2),
    ),
]


async def load_fee_tariffs(db: Database, *, actor: str, now: datetime) -> int:
    """Insert the official tariffs that are missing; returns how many were added."""
    async with db.write() as conn:
        have = await offices_repo.tariff_keys(conn)
        missing = [t for t in OFFICIAL_TARIFFS if (t.product.value, t.effective_from) not in have]
        if missing:
            await offices_repo.insert_tariffs(conn, missing)
            await record(
                conn,
                office_code=NATIONAL,
                actor=actor,
                action="fees.load",
                detail={"added": len(missing)},
                now=now,
            )
        return len(missing)


# Daily quotas per category on weekdays. Palembang's usual 150 a day is the story's; Denpasar
# follows the split one office publishes (285 = 200 regular + 50 priority + 35 express).
DEMO_QUOTAS = {
    "PLG": {"regular": 150, "priority": 30, "express": 20},
    "DPS": {"regular": 200, "priority": 50, "express": 35},
}


async def load_banks(db: Database, *, actor: str, now: datetime) -> int:
    """Register the demo banks with fresh random callback secrets (read by `loket payments simulate`)."""
    async with db.read() as conn:
        have = await reports_repo.bank_codes(conn)
    added = 0
    for code, name in DEMO_BANKS:
        if code not in have:
            await add_bank(db, code, name, actor=actor, now=now)
            added += 1
    return added


# Palembang asks umrah applicants for their travel agent's letter (docs/applicant-guide.md).
DEMO_DOCUMENT_ITEMS = {"PLG": ("travel_agent_letter",)}


async def load_demo(db: Database, *, now: datetime, actor: str = "demo") -> list[str]:
    """Load the demo offices, quotas, banks and fee schedule; running it again adds only what is missing."""
    await load_fee_tariffs(db, actor=actor, now=now)
    await load_banks(db, actor=actor, now=now)
    async with db.read() as conn:
        have = set(await offices_repo.office_codes(conn))
    added = []
    for spec in DEMO_OFFICES:
        if spec.code not in have:
            await create_office(db, spec, actor=actor, now=now)
            for category, capacity in DEMO_QUOTAS[spec.code].items():
                for weekday in range(1, 6):
                    await set_template(db, spec.code, weekday, category, capacity, actor=actor, now=now)
            added.append(spec.code)
            if spec.code in DEMO_DOCUMENT_ITEMS:
                await ask_office_items(db, spec.code, DEMO_DOCUMENT_ITEMS[spec.code], actor=actor, now=now)
    # The demo office's multi-year history (synthetic, labelled so): only days it has none for.
    from loket.services.history import load_synthetic_history

    await load_synthetic_history(db, "PLG", actor=actor, now=now)
    return added


async def has_offices(db: Database) -> bool:
    """True when the database has at least one office (an empty one may get the demo)."""
    async with db.read() as conn:
        return await offices_repo.has_offices(conn)
