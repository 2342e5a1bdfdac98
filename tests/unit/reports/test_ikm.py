"""The satisfaction index (IKM) of PermenPAN-RB 14/2017, checked against worked examples.

Source: Peraturan Menteri PANRB Nomor 14 Tahun 2017 tentang Pedoman Penyusunan Survei Kepuasan
Masyarakat Unit Penyelenggara Pelayanan Publik, Lampiran, Bab III "Pengolahan data":
nine elements scored 1-4; "bobot nilai rata-rata tertimbang = jumlah bobot / jumlah unsur =
1/9 = 0,11"; "SKM = total dari nilai persepsi per unsur / total unsur yang terisi x nilai
penimbang"; "SKM unit pelayanan x 25"; and the table "Nilai Persepsi, Interval IKM, Interval
Konversi IKM, Mutu Pelayanan dan Kinerja Unit Pelayanan": A (sangat baik) 88,31-100,00,
B (baik) 76,61-88,30, C (kurang baik) 65,00-76,60, D (tidak baik) 25,00-64,99.
"""

from __future__ import annotations

import pytest

from loket.domain.errors import InvalidInput
from loket.domain.ikm import ELEMENTS, check_scores, grade_of, ikm


def test_the_regulations_nine_elements() -> None:
    assert [e.key for e in ELEMENTS] == [f"u{i}" for i in range(1, 10)]
    assert ELEMENTS[0].name == "Requirements" and ELEMENTS[8].name == "Facilities and infrastructure"
    assert all(len(e.answers) == 4 for e in ELEMENTS)


def test_worked_example_all_very_good() -> None:
    """The published processing sheet of Dinas Kependudukan dan Pencatatan Sipil Tulang Bawang
    Barat, SKM 2023 semester 1 (e-smile.tubaba.go.id/main/skm/laporan/online), made under
    PermenPAN-RB 14/2017: one respondent scoring 4 on U1-U9; "NRR tertimbang / unsur" 0,44
    (4 x 0,111) each, their sum 4, "IKM unit pelayanan" 100 (Sangat Baik)."""
    result = ikm([(4,) * 9])
    assert result is not None
    assert [round(e.mean * 0.111, 2) for e in result.elements] == [0.44] * 9
    assert result.index == pytest.approx(4)
    assert result.converted == pytest.approx(100)
    assert (result.grade, result.performance) == ("A", "Very good")


def test_worked_example_three_respondents() -> None:
    """The regulation's steps by hand, for three questionnaires:

    U1..U9 totals 9, 9, 7, 11, 9, 9, 10, 7, 8 over 3 filled questionnaires give the NRR per
    element 3,00 3,00 2,33 3,67 3,00 3,00 3,33 2,33 2,67; weighted by 1/9 (the regulation's
    0,11) they sum to 26,33 / 9 = 2,926; x 25 = 73,15: mutu C, "kurang baik" (65,00-76,60).
    With the printed 0,111 the index would be 73,08: the same grade.
    """
    answers = [(4, 4, 3, 4, 4, 3, 4, 3, 3), (2, 2, 1, 3, 2, 3, 3, 2, 2), (3, 3, 3, 4, 3, 3, 3, 2, 3)]
    result = ikm(answers)
    assert result is not None and result.respondents == 3
    assert [round(e.mean, 2) for e in result.elements] == [3.0, 3.0, 2.33, 3.67, 3.0, 3.0, 3.33, 2.33, 2.67]
    assert round(result.index, 3) == 2.926
    assert round(result.converted, 2) == 73.15
    assert round(sum(e.mean for e in result.elements) * 0.111 * 25, 2) == 73.08
    assert result.grade == "C" and grade_of(73.08).letter == "C"
    # Per element: the same conversion (NRR x 25) and bands.
    assert [e.grade for e in result.elements] == ["C", "C", "D", "A", "C", "C", "B", "D", "C"]


@pytest.mark.parametrize(
    ("converted", "letter"),
    [
        (100, "A"),
        (88.31, "A"),
        (88.30, "B"),
        (76.61, "B"),
        (76.60, "C"),
        (65.00, "C"),
        (64.99, "D"),
        (25, "D"),
    ],
)
def test_grade_bands(converted: float, letter: str) -> None:
    assert grade_of(converted).letter == letter


def test_no_answers_no_index() -> None:
    assert ikm([]) is None


@pytest.mark.parametrize("scores", [[4] * 8, [4] * 8 + [5], [4] * 8 + [0], [4] * 8 + ["x"], [4] * 8 + [None]])
def test_every_question_answered_from_1_to_4(scores: list[object]) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_scores(scores)  # type: ignore[arg-type]
    assert caught.value.code == "survey_incomplete"
    assert check_scores(["1", 2, 3, 4, 4, 3, 2, 1, "4"]) == (1, 2, 3, 4, 4, 3, 2, 1, 4)
