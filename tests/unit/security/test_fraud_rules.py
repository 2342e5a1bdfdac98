"""The broker-pattern rules on a generated data set: every planted cluster is found, with its own
bookings only, and a clean data set of honest households raises nothing."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from loket.domain.client import fingerprint
from loket.domain.fraud import BookingFact, Kind, broker_findings
from loket.domain.identity import make_nik
from loket.testing.applicants import applicant

RELEASE = datetime(2017, 12, 1, 1, 0, tzinfo=UTC)  # 08:00 WIB
DAYS = [date(2017, 12, 18) + timedelta(days=i) for i in range(5)]
UAS = [f"Mozilla/5.0 (Linux; Android {9 + i % 5}; model-{i}) Chrome/{100 + i}" for i in range(30)]


def _fact(person, code: str, **over) -> BookingFact:  # type: ignore[no-untyped-def]
    base = BookingFact(
        booking_code=code,
        nik=person.nik,
        full_name=person.full_name,
        birth_date=person.birth_date,
        sex=person.sex,
        phone=person.phone,
        email=person.email,
        client_ip=None,
        client_fp=None,
        created_at=RELEASE,
        day=DAYS[0],
        status="paid",
        payers=(),
        released_at=RELEASE,
    )
    return replace(base, **over)


def clean_bookings(seed: int = 1) -> list[BookingFact]:
    """Honest households of one to five people: one phone, address, device and payer each;
    some share a carrier's address (CGNAT); bookings spread over the days after the release."""
    rng = random.Random(seed)
    facts: list[BookingFact] = []
    index = 0
    for household in range(150):
        size = rng.choice((1, 1, 1, 2, 2, 3, 4, 5))
        cgnat = household % 10 == 0
        ip = (
            f"114.124.{household % 3}.1"
            if cgnat
            else f"36.{70 + household // 250}.{household % 250}.{rng.randrange(1, 250)}"
        )
        # Behind a carrier's address many people have a popular phone: fingerprints repeat there.
        fp = fingerprint(rng.choice(UAS), "id-ID") if cgnat else f"{rng.randrange(16**16):016x}"
        at = RELEASE + timedelta(seconds=rng.uniform(0, 3 * 24 * 3600))
        day = rng.choice(DAYS)
        first = applicant(index, seed=seed)
        for member in range(size):
            person = applicant(index, seed=seed)
            index += 1
            status = rng.choices(("paid", "checked_in", "expired", "no_show"), (60, 25, 10, 5))[0]
            facts.append(
                _fact(
                    person,
                    f"PLG-C{index:09d}",
                    phone=first.phone,
                    email=first.email,
                    client_ip=ip,
                    client_fp=fp,
                    created_at=at + timedelta(seconds=member),
                    day=day,
                    status=status,
                    payers=(f"ACC{household:08d}",) if status in ("paid", "checked_in", "no_show") else (),
                )
            )
    return facts


def planted() -> dict[Kind, list[BookingFact]]:
    """One cluster of each pattern, on NIKs no honest booking uses."""
    people = iter(applicant(50_000 + i, seed=9) for i in range(500))

    def batch(n: int, prefix: str, **over) -> list[BookingFact]:  # type: ignore[no-untyped-def]
        return [
            _fact(next(people), f"PLG-{prefix}{i:08d}", created_at=RELEASE + timedelta(hours=5 + i), **over)
            for i in range(n)
        ]

    found = {
        Kind.SHARED_PHONE: batch(9, "PH", phone="+6281299990001"),
        Kind.SHARED_DEVICE: batch(8, "DV", client_ip="182.1.2.3", client_fp="feedfacecafebeef"),
        Kind.SHARED_PAYER: batch(7, "PY", payers=("ACC-BROKER-77",)),
        Kind.NO_SHOWS: batch(5, "NS", email="titip@example.id", status="expired"),
        Kind.SHARED_ADDRESS: batch(35, "AD", client_ip="180.200.1.1"),
    }
    burst = batch(10, "BU", client_ip="103.20.30.40")
    found[Kind.RELEASE_BURST] = [
        replace(f, created_at=RELEASE + timedelta(seconds=0.3 * i)) for i, f in enumerate(burst)
    ]
    odd = next(people)
    found[Kind.IDENTITY_MISMATCH] = [
        _fact(odd, "PLG-ID00000001", birth_date=odd.birth_date + timedelta(days=3))
    ]
    found[Kind.SERIAL_NIKS] = [
        _fact(
            replace(
                next(people),
                nik=make_nik("167101", date(1990, 5, 5), "male", 10 + i),
                birth_date=date(1990, 5, 5),
                sex="male",
            ),
            f"PLG-SN{i:08d}",
        )
        for i in range(4)
    ]
    return found


def test_a_clean_data_set_raises_nothing() -> None:
    facts = clean_bookings()
    assert len(facts) > 300
    assert broker_findings(facts) == []


def test_every_planted_cluster_is_found_with_its_own_bookings_only() -> None:
    plants = planted()
    facts = clean_bookings() + [f for group in plants.values() for f in group]
    findings = broker_findings(facts)
    found_kinds = {f.kind for f in findings}
    assert set(plants) <= found_kinds
    planted_codes = {f.booking_code for group in plants.values() for f in group}
    for finding in findings:
        assert set(finding.bookings) <= planted_codes, finding  # no honest booking is accused
        assert finding.action and finding.evidence["niks"] >= 1
        assert all("*" in nik for nik in finding.niks)  # NIKs are masked in the report
    for kind, group in plants.items():
        codes = {f.booking_code for f in group}
        assert any(codes <= set(f.bookings) for f in findings if f.kind is kind), kind
