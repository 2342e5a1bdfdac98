"""The community satisfaction index (Indeks Kepuasan Masyarakat, IKM) of PermenPAN-RB 14/2017.

Pure. The regulation (Peraturan Menteri PANRB Nomor 14 Tahun 2017 tentang Pedoman Penyusunan
Survei Kepuasan Masyarakat Unit Penyelenggara Pelayanan Publik, Lampiran) sets:

* nine elements (unsur), each answered on a scale of 1 to 4;
* equal weights: bobot = jumlah bobot / jumlah unsur = 1/9 (printed as 0,11 and, in the
  published processing sheets, 0,111: both are 1/9 rounded, so the exact 1/9 is used here);
* index = sum over elements of (mean score of the element x 1/9), between 1 and 4; the
  converted index (the figure reported) = index x 25, between 25 and 100;
* the grade (mutu pelayanan) from the converted index: A "sangat baik" 88,31-100,00,
  B "baik" 76,61-88,30, C "kurang baik" 65,00-76,60, D "tidak baik" 25,00-64,99.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from loket.domain.errors import invalid
from loket.domain.msgid import N_

SCALE = (1, 2, 3, 4)


@dataclass(frozen=True)
class Element:
    """One element of the questionnaire: its key, name, question and the four answers (1 to 4)."""

    key: str
    name: str
    question: str
    answers: tuple[str, str, str, str]


# The nine elements in the regulation's order (a to i), with its sample questionnaire's answers.
ELEMENTS: tuple[Element, ...] = (
    Element(
        "u1",
        N_("Requirements"),
        N_("How well do the requirements match the service you applied for?"),
        (N_("Not appropriate"), N_("Less appropriate"), N_("Appropriate"), N_("Very appropriate")),
    ),
    Element(
        "u2",
        N_("Systems, mechanisms and procedures"),
        N_("How easy were the service procedures?"),
        (N_("Not easy"), N_("Less easy"), N_("Easy"), N_("Very easy")),
    ),
    Element(
        "u3",
        N_("Completion time"),
        N_("How fast was the service?"),
        (N_("Not fast"), N_("Less fast"), N_("Fast"), N_("Very fast")),
    ),
    Element(
        "u4",
        N_("Cost/tariff"),
        N_("How fair was the fee for the service?"),
        (N_("Very expensive"), N_("Rather expensive"), N_("Cheap"), N_("Free")),
    ),
    Element(
        "u5",
        N_("Service products"),
        N_("How well did what you received match the published service standard?"),
        (N_("Not appropriate"), N_("Less appropriate"), N_("Appropriate"), N_("Very appropriate")),
    ),
    Element(
        "u6",
        N_("Competence of the staff"),
        N_("How competent were the staff who served you?"),
        (N_("Not competent"), N_("Less competent"), N_("Competent"), N_("Very competent")),
    ),
    Element(
        "u7",
        N_("Conduct of the staff"),
        N_("How polite and friendly were the staff?"),
        (
            N_("Not polite or friendly"),
            N_("Less polite and friendly"),
            N_("Polite and friendly"),
            N_("Very polite and friendly"),
        ),
    ),
    Element(
        "u8",
        N_("Handling of complaints, suggestions and feedback"),
        N_("How are complaints handled at this office?"),
        (
            N_("There is no way to complain"),
            N_("There is one, but it does not work"),
            N_("It works, but not well"),
            N_("Complaints are handled well"),
        ),
    ),
    Element(
        "u9",
        N_("Facilities and infrastructure"),
        N_("How good were the facilities (waiting room, devices, counters)?"),
        (N_("Poor"), N_("Adequate"), N_("Good"), N_("Very good")),
    ),
)
ELEMENT_KEYS = tuple(e.key for e in ELEMENTS)
WEIGHT = Fraction(1, len(ELEMENTS))
CONVERSION = 25


@dataclass(frozen=True)
class Grade:
    """The quality grade (mutu pelayanan) and the unit's performance (kinerja unit pelayanan)."""

    letter: str
    performance: str
    lowest: float  # lowest converted index of the band


# PermenPAN-RB 14/2017, Lampiran: converted-index bands, highest first.
GRADES: tuple[Grade, ...] = (
    Grade("A", N_("Very good"), 88.31),
    Grade("B", N_("Good"), 76.61),
    Grade("C", N_("Not good enough"), 65.00),
    Grade("D", N_("Not good"), 25.00),
)


def grade_of(converted: float) -> Grade:
    """The band of a converted index (compared at two decimals, as the regulation prints them)."""
    value = round(converted, 2)
    for grade in GRADES:
        if value >= grade.lowest:
            return grade
    return GRADES[-1]


def check_scores(scores: Sequence[int | str | None]) -> tuple[int, ...]:
    """Nine answers, each a whole number from 1 to 4, in element order."""
    if len(scores) != len(ELEMENTS):
        raise invalid("scores", "survey_incomplete", "Answer all nine questions")
    checked = []
    for element, raw in zip(ELEMENTS, scores, strict=True):
        try:
            value = int(str(raw))
        except ValueError:
            value = 0
        if value not in SCALE:
            raise invalid(element.key, "survey_incomplete", "Answer all nine questions")
        checked.append(value)
    return tuple(checked)


@dataclass(frozen=True)
class ElementScore:
    key: str
    name: str
    mean: float  # nilai rata-rata (NRR) of the element, 1 to 4
    converted: float  # mean x 25
    grade: str


@dataclass(frozen=True)
class IkmResult:
    """The index of a set of responses: per element and for the unit as a whole."""

    respondents: int
    index: float  # sum of weighted means, 1 to 4 (nilai indeks)
    converted: float  # index x 25, 25 to 100 (the IKM reported)
    grade: str
    performance: str
    elements: tuple[ElementScore, ...]

    def as_dict(self) -> dict[str, object]:
        """The figures as JSON-ready data (rounded as reported)."""
        return {
            "respondents": self.respondents,
            "index": round(self.index, 4),
            "ikm": round(self.converted, 2),
            "grade": self.grade,
            "performance": self.performance,
            "elements": [
                {"element": e.key, "mean": round(e.mean, 4), "ikm": round(e.converted, 2), "grade": e.grade}
                for e in self.elements
            ],
        }


def ikm(responses: Sequence[Sequence[int]]) -> IkmResult | None:
    """The IKM of complete responses (nine scores each); None when there is none."""
    if not responses:
        return None
    count = len(responses)
    # Exact arithmetic until the end: the bands are two-decimal boundaries.
    means = [Fraction(sum(r[i] for r in responses), count) for i in range(len(ELEMENTS))]
    index = sum((m * WEIGHT for m in means), Fraction(0))
    converted = index * CONVERSION
    overall = grade_of(float(converted))
    elements = tuple(
        ElementScore(e.key, e.name, float(m), float(m * CONVERSION), grade_of(float(m * CONVERSION)).letter)
        for e, m in zip(ELEMENTS, means, strict=True)
    )
    return IkmResult(count, float(index), float(converted), overall.letter, overall.performance, elements)


@dataclass
class IkmReport:
    """The index of a period, per month, and the comments (anonymous: no booking code)."""

    first: date
    last: date
    invited: int
    result: IkmResult | None
    months: list[tuple[date, IkmResult]] = field(default_factory=list)
    comments: list[tuple[date, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """The period's index, per month and the comments, as JSON-ready data."""
        return {
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "invited": self.invited,
            "overall": self.result.as_dict() if self.result else None,
            "months": [{"month": m.strftime("%Y-%m"), **r.as_dict()} for m, r in self.months],
            "comments": [{"date": d.isoformat(), "comment": c} for d, c in self.comments],
        }
