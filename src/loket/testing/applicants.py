"""Synthetic applicants with valid, consistent identities: for the tests and the benchmarks.

NIKs use real region codes (Palembang 167101.., Denpasar 517101..) and encode the birth date and
sex the way the civil registry does; serial numbers make them distinct.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from loket.domain.identity import Sex, make_nik

REGIONS = ("167101", "167102", "167103", "517101", "317101", "327301")
GIVEN = (
    "Siti",
    "Ahmad",
    "Dewi",
    "Budi",
    "Nur'aini",
    "Rizky",
    "Putu",
    "Made",
    "Agus",
    "Sri",
    "Wayan",
    "Intan",
)
FAMILY = ("Lestari", "Saputra", "Wijaya", "Hidayat", "Pratama", "Kusuma", "Nugroho", "Siregar", "Harahap")


@dataclass(frozen=True)
class Applicant:
    nik: str
    full_name: str
    birth_date: date
    sex: str
    phone: str
    email: str | None

    def booking_body(
        self, day: date, session: str = "08:00", category: str = "regular", **extra: Any
    ) -> dict[str, Any]:
        """The JSON body of POST /api/v1/offices/{code}/bookings for this applicant."""
        body = asdict(self)
        body["birth_date"] = self.birth_date.isoformat()
        body.update(
            date=day.isoformat(), session=session, category=category, product="regular", service="new"
        )
        body.update(extra)
        return body


def applicant(index: int, *, seed: int = 0, born: date | None = None, sex: str | None = None) -> Applicant:
    """The `index`-th synthetic applicant: deterministic, with a distinct NIK and phone number."""
    rng = random.Random(seed * 1_000_003 + index)
    birth = born or date(1960, 1, 1) + timedelta(days=rng.randrange(0, 365 * 40))
    chosen_sex = sex or rng.choice((Sex.MALE.value, Sex.FEMALE.value))
    region = REGIONS[index % len(REGIONS)]
    nik = make_nik(region, birth, chosen_sex, 1 + (index // len(REGIONS)) % 9999)
    name = f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"
    # 0812 numbers are Telkomsel mobiles; eight digits after the prefix keep them distinct per index.
    phone = f"+62812{(seed * 7919 + index) % 100_000_000:08d}"
    return Applicant(nik, name, birth, chosen_sex, phone, f"pemohon{seed}.{index}@example.id")


def family(
    size: int, *, seed: int = 0, phone: str = "+6281299990000", email: str | None = None
) -> list[Applicant]:
    """`size` people sharing one phone (and e-mail): a family booking together."""
    members = []
    for i in range(size):
        person = applicant(10_000 + i, seed=seed)
        members.append(Applicant(person.nik, person.full_name, person.birth_date, person.sex, phone, email))
    return members
