"""Broker patterns in bookings: the rules of the supervisors' fraud report. Pure: it is given the
bookings of a period and returns findings, each with its evidence and a suggested action.

The rules look for what a broker (calo) cannot avoid: many different NIKs behind one phone,
e-mail, device on one network, network address or payer; many bookings from one source in the
seconds after a release; NIKs that do not fit the person claimed or look generated; sources whose
places go unused. Thresholds sit above what a family (up to five people, one phone, one payer)
or a carrier's shared address does, so honest bookings raise nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from loket.domain.client import network_key
from loket.domain.errors import InvalidInput
from loket.domain.identity import check_nik_matches, mask_nik, parse_nik


def N_(message: str) -> str:
    """Mark a msgid for extraction (the report's reader translates it)."""
    return message


class Kind(StrEnum):
    SHARED_PHONE = "shared_phone"
    SHARED_EMAIL = "shared_email"
    SHARED_DEVICE = "shared_device"  # one browser fingerprint on one network
    SHARED_ADDRESS = "shared_address"
    SHARED_PAYER = "shared_payer"
    RELEASE_BURST = "release_burst"
    IDENTITY_MISMATCH = "identity_mismatch"
    SERIAL_NIKS = "serial_niks"
    NO_SHOWS = "no_shows"
    SQUATTED_NIK = "squatted_nik"  # booked with someone's NIK; released by its holder (issue 21)


ACTIONS = {
    Kind.SHARED_PHONE: N_(
        "Flag these bookings for in-person verification; ask each holder for their own phone"
    ),
    Kind.SHARED_EMAIL: N_(
        "Flag these bookings for in-person verification; ask each holder for their own e-mail"
    ),
    Kind.SHARED_DEVICE: N_("Flag these bookings: check every holder's KTP in person at check-in"),
    Kind.SHARED_ADDRESS: N_(
        "Check whether the address is an agent's office or an internet café; flag its bookings"
    ),
    Kind.SHARED_PAYER: N_("Flag these bookings; one payer for many people is a broker's sign: tell the bank"),
    Kind.RELEASE_BURST: N_("Flag these bookings; consider a ballot release for this office's busy days"),
    Kind.IDENTITY_MISMATCH: N_(
        "Verify the identity against the KTP and KK in person; refuse a NIK not the holder's"
    ),
    Kind.SERIAL_NIKS: N_("Check these NIKs with the civil registry (Dukcapil): they look generated"),
    Kind.NO_SHOWS: N_("Limit this source: its places go unused (not paid or not attended)"),
    Kind.SQUATTED_NIK: N_(
        "Booked with a NIK not its own (released by the NIK's holder with the family card): flag "
        "this source's other bookings and report it"
    ),
}
UNUSED_STATUSES = ("no_show", "expired")


@dataclass(frozen=True)
class FraudPolicy:
    """Thresholds: a finding needs more than these (a family is up to five people)."""

    max_niks_per_contact: int = 5
    max_niks_per_payer: int = 5
    max_niks_per_device: int = 5
    max_niks_per_address: int = 30  # mobile carriers put many subscribers behind one address
    burst_window_s: float = 10.0
    burst_min_niks: int = 6
    serial_min: int = 3
    unused_min: int = 4
    unused_ratio: float = 0.5


@dataclass(frozen=True)
class BookingFact:
    """What the report knows about one booking."""

    booking_code: str
    nik: str
    full_name: str
    birth_date: date
    sex: str
    phone: str
    email: str | None
    client_ip: str | None
    client_fp: str | None
    created_at: datetime
    day: date
    status: str
    payers: tuple[str, ...] = ()
    released_at: datetime | None = None  # when its day's places were released, if known
    squatted: bool = False  # released by the NIK's real holder (issue 21)


@dataclass(frozen=True)
class Finding:
    kind: Kind
    key: str  # the shared value, shown masked
    bookings: tuple[str, ...]
    niks: tuple[str, ...]  # masked
    evidence: dict[str, Any] = field(default_factory=dict)
    severity: str = "high"

    @property
    def action(self) -> str:
        """The suggested action (an English msgid)."""
        return ACTIONS[self.kind]


def _mask_contact(value: str) -> str:
    if "@" in value:
        local, _, domain = value.partition("@")
        return f"{local[:2]}***@{domain}"
    return value[:6] + "*" * max(0, len(value) - 9) + value[-3:] if len(value) > 9 else value


def _mask_payer(value: str) -> str:
    return "*" * max(0, len(value) - 4) + value[-4:]


def _finding(
    kind: Kind, key: str, facts: Sequence[BookingFact], severity: str = "high", **extra: Any
) -> Finding:
    niks = sorted({f.nik for f in facts})
    times = sorted(f.created_at for f in facts)
    evidence = {
        "niks": len(niks),
        "bookings": len(facts),
        "names": len({f.full_name.lower() for f in facts}),
        "first": times[0].isoformat(),
        "last": times[-1].isoformat(),
        **extra,
    }
    codes = tuple(sorted(f.booking_code for f in facts))
    return Finding(kind, key, codes, tuple(mask_nik(n) for n in niks), evidence, severity)


def _shared(
    facts: Iterable[BookingFact],
    kind: Kind,
    keys_of: Callable[[BookingFact], Iterable[str]],
    limit: int,
    show: Callable[[str], str],
) -> list[Finding]:
    groups: dict[str, list[BookingFact]] = defaultdict(list)
    for fact in facts:
        for key in keys_of(fact):
            groups[key].append(fact)
    found = []
    for key, group in groups.items():
        if len({f.nik for f in group}) > limit:
            found.append(_finding(kind, show(key), group))
    return found


def _device(fact: BookingFact) -> list[str]:
    if fact.client_fp and fact.client_ip:
        return [f"{fact.client_fp}@{network_key(fact.client_ip)}"]
    return []


def _sources(fact: BookingFact) -> list[tuple[str, str]]:
    """Every source a booking came from: (kind of source, value)."""
    found = [("phone", fact.phone)] + ([("email", fact.email)] if fact.email else [])
    if fact.client_ip:
        found.append(("address", network_key(fact.client_ip)))
    found += [("device", d) for d in _device(fact)] + [("payer", p) for p in fact.payers]
    return found


def _show_source(kind: str, value: str) -> str:
    if kind in ("phone", "email"):
        return f"{kind} {_mask_contact(value)}"
    if kind == "payer":
        return f"payer {_mask_payer(value)}"
    return f"{kind} {value}"


def _bursts(facts: Sequence[BookingFact], policy: FraudPolicy) -> list[Finding]:
    released: dict[date, datetime] = {}
    for fact in facts:
        start = fact.released_at or fact.created_at
        released[fact.day] = min(released.get(fact.day, start), start)
    groups: dict[tuple[date, str, str], list[BookingFact]] = defaultdict(list)
    for fact in facts:
        delay = (fact.created_at - released[fact.day]).total_seconds()
        if 0 <= delay <= policy.burst_window_s:
            for kind, value in _sources(fact):
                if kind in ("address", "device", "phone", "email"):
                    groups[(fact.day, kind, value)].append(fact)
    found = []
    for (day, kind, value), group in groups.items():
        if len({f.nik for f in group}) >= policy.burst_min_niks:
            found.append(
                _finding(
                    Kind.RELEASE_BURST,
                    _show_source(kind, value),
                    group,
                    day=day.isoformat(),
                    released_at=released[day].isoformat(),
                    window_s=policy.burst_window_s,
                )
            )
    return found


def _identity(facts: Sequence[BookingFact]) -> list[Finding]:
    found = []
    for fact in facts:
        try:
            info = parse_nik(fact.nik)
            check_nik_matches(info, fact.birth_date, fact.sex, fact.day)
        except InvalidInput as exc:
            found.append(_finding(Kind.IDENTITY_MISMATCH, mask_nik(fact.nik), [fact], reason=exc.code))
    return found


def _serial(facts: Sequence[BookingFact], policy: FraudPolicy) -> list[Finding]:
    # NIKs that share region and birth date but belong to different names: a counterfeit sequence.
    groups: dict[str, list[BookingFact]] = defaultdict(list)
    for fact in facts:
        groups[fact.nik[:12]].append(fact)
    found = []
    for prefix, group in groups.items():
        people = {(f.nik, f.full_name.lower()) for f in group}
        if (
            len({n for n, _ in people}) >= policy.serial_min
            and len({name for _, name in people}) >= policy.serial_min
        ):
            found.append(_finding(Kind.SERIAL_NIKS, prefix[:4] + "********", group, severity="medium"))
    return found


def _unused(facts: Sequence[BookingFact], policy: FraudPolicy) -> list[Finding]:
    groups: dict[tuple[str, str], list[BookingFact]] = defaultdict(list)
    for fact in facts:
        for source in _sources(fact):
            groups[source].append(fact)
    found = []
    for (kind, value), group in groups.items():
        unused = [f for f in group if f.status in UNUSED_STATUSES]
        niks = {f.nik for f in unused}
        if len(niks) >= policy.unused_min and len(unused) / len(group) >= policy.unused_ratio:
            found.append(
                _finding(
                    Kind.NO_SHOWS,
                    _show_source(kind, value),
                    unused,
                    severity="medium",
                    of_bookings=len(group),
                    no_show=sum(f.status == "no_show" for f in unused),
                    unpaid=sum(f.status == "expired" for f in unused),
                )
            )
    return found


def _squatted(facts: Sequence[BookingFact]) -> list[Finding]:
    """Every phone, e-mail and network address that made a booking its NIK's holder released."""
    groups: dict[tuple[str, str], list[BookingFact]] = defaultdict(list)
    for fact in facts:
        if fact.squatted:
            for source in _sources(fact):
                groups[source].append(fact)
    return [
        _finding(Kind.SQUATTED_NIK, _show_source(kind, value), group, source=kind)
        for (kind, value), group in groups.items()
    ]


def broker_findings(facts: Sequence[BookingFact], policy: FraudPolicy | None = None) -> list[Finding]:
    """Every finding in the bookings, the strongest first."""
    p = policy or FraudPolicy()
    found = (
        _shared(facts, Kind.SHARED_PHONE, lambda f: [f.phone], p.max_niks_per_contact, _mask_contact)
        + _shared(
            facts,
            Kind.SHARED_EMAIL,
            lambda f: [f.email] if f.email else [],
            p.max_niks_per_contact,
            _mask_contact,
        )
        + _shared(facts, Kind.SHARED_DEVICE, _device, p.max_niks_per_device, str)
        + _shared(
            facts,
            Kind.SHARED_ADDRESS,
            lambda f: [network_key(f.client_ip)] if f.client_ip else [],
            p.max_niks_per_address,
            str,
        )
        + _shared(facts, Kind.SHARED_PAYER, lambda f: list(f.payers), p.max_niks_per_payer, _mask_payer)
        + _bursts(facts, p)
        + _identity(facts)
        + _serial(facts, p)
        + _unused(facts, p)
        + _squatted(facts)
    )
    return sorted(found, key=lambda f: (f.severity != "high", -len(f.niks), f.kind.value, f.key))
