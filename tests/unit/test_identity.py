"""NIK, phone numbers and names as applicants write them."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loket.domain.errors import InvalidInput
from loket.domain.identity import (
    MAX_NAME_LENGTH,
    Sex,
    check_nik_matches,
    make_nik,
    mask_nik,
    normalize_name,
    normalize_phone,
    parse_nik,
)

TODAY = date(2025, 6, 2)
PALEMBANG = "167101"


def refused(call, *args, **kwargs) -> InvalidInput:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as caught:
        call(*args, **kwargs)
    return caught.value


# --- parsing a NIK -----------------------------------------------------------------------


def test_parse_a_man_born_in_1945_in_south_jakarta() -> None:
    info = parse_nik("3171011708450001")
    assert info.nik == "3171011708450001"
    assert (info.province_code, info.regency_code, info.district_code) == ("31", "3171", "317101")
    assert (info.day, info.month, info.year_2d) == (17, 8, 45)
    assert info.sex is Sex.MALE
    assert info.serial == "0001"
    assert info.province == "Daerah Khusus Ibukota Jakarta"
    assert info.regency == "JAKARTA SELATAN"
    assert info.possible_birth_dates() == [date(1945, 8, 17), date(2045, 8, 17)]
    assert info.likely_birth_date(TODAY) == date(1945, 8, 17)


def test_parse_a_woman_day_plus_40_in_palembang() -> None:
    info = parse_nik("1671015708850002")
    assert info.sex is Sex.FEMALE
    assert (info.day, info.month, info.year_2d) == (17, 8, 85)
    assert info.province == "Sumatera Selatan"
    assert info.regency == "PALEMBANG"


def test_separators_and_spaces_are_ignored() -> None:
    assert parse_nik(" 3171.0117.0845.0001 ").nik == "3171011708450001"
    assert parse_nik("3171-0117-0845-0001").nik == "3171011708450001"


def test_a_child_born_after_2000() -> None:
    info = parse_nik(make_nik(PALEMBANG, date(2012, 3, 4), Sex.MALE, 7))
    assert info.possible_birth_dates() == [date(1912, 3, 4), date(2012, 3, 4)]
    assert info.likely_birth_date(TODAY) == date(2012, 3, 4)
    check_nik_matches(info, date(2012, 3, 4), "male", TODAY)


def test_29_february_2000_fits_only_one_century() -> None:
    info = parse_nik(make_nik(PALEMBANG, date(2000, 2, 29), Sex.FEMALE, 1))
    assert info.possible_birth_dates() == [date(2000, 2, 29)]
    assert info.likely_birth_date(TODAY) == date(2000, 2, 29)


def test_a_birth_date_in_the_future_in_both_centuries_does_not_exist() -> None:
    # 29 Feb '00 read as 1900 is impossible; as 2000 it lies after a 1999 "today".
    info = parse_nik(make_nik(PALEMBANG, date(2000, 2, 29), Sex.MALE, 1))
    error = refused(info.likely_birth_date, date(1999, 12, 31))
    assert error.code == "nik_birth_date_future"
    assert error.field == "nik"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("31710117084500", "nik_length"),
        ("31710117084500011", "nik_length"),
        ("3171O11708450001", "nik_format"),  # a letter O
        ("317101170845000١", "nik_format"),  # an Arabic-Indic digit
        ("9971011708450001", "nik_region"),  # no province 99
        ("3171013002450001", "nik_birth_date"),  # 30 February
        ("3171011713450001", "nik_birth_date"),  # month 13
        ("3171010008450001", "nik_birth_date"),  # day 00
        ("3171013508450001", "nik_birth_date"),  # day 35: neither a man's nor a woman's day
        ("3171014008450001", "nik_birth_date"),  # day 40: a woman's day 0
        ("3171017208450001", "nik_birth_date"),  # day 72: a woman's day 32
        ("3171018108450001", "nik_birth_date"),  # day 81: stdnum reads it as the 1st (fixed)
        ("3171019908450001", "nik_birth_date"),  # day 99
    ],
)
def test_bad_niks_name_the_field_and_the_reason(raw: str, code: str) -> None:
    error = refused(parse_nik, raw, field="applicant_nik")
    assert error.code == code
    assert error.field == "applicant_nik"
    assert error.status == 422


def test_a_nik_must_be_a_string() -> None:
    assert refused(parse_nik, 3171011708450001).code == "nik_format"  # type: ignore[arg-type]


# --- the stated birth date and sex against the NIK ----------------------------------------


def test_matching_birth_date_and_sex_pass() -> None:
    info = parse_nik("1671015708850002")
    check_nik_matches(info, date(1985, 8, 17), Sex.FEMALE, TODAY)
    check_nik_matches(info, date(1985, 8, 17), "female", TODAY)


def test_the_century_comes_from_the_stated_date() -> None:
    # '20' may be 1920 or 2020: both statements agree with the NIK; a 5-year-old and a
    # 105-year-old are both real applicants.
    info = parse_nik(make_nik(PALEMBANG, date(2020, 1, 5), Sex.MALE, 3))
    check_nik_matches(info, date(2020, 1, 5), Sex.MALE, TODAY)
    check_nik_matches(info, date(1920, 1, 5), Sex.MALE, TODAY)


@pytest.mark.parametrize(
    ("birth_date", "sex", "field", "code"),
    [
        (date(1985, 8, 18), Sex.FEMALE, "birth_date", "nik_birth_date_mismatch"),
        (date(1985, 9, 17), Sex.FEMALE, "birth_date", "nik_birth_date_mismatch"),
        (date(1986, 8, 17), Sex.FEMALE, "birth_date", "nik_birth_date_mismatch"),
        (date(1985, 8, 17), Sex.MALE, "sex", "nik_sex_mismatch"),
        (date(2025, 6, 3), Sex.FEMALE, "birth_date", "birth_date_future"),
        (date(1885, 8, 17), Sex.FEMALE, "birth_date", "birth_date_too_old"),
    ],
)
def test_mismatches_are_refused(birth_date: date, sex: Sex, field: str, code: str) -> None:
    info = parse_nik("1671015708850002")
    error = refused(check_nik_matches, info, birth_date, sex, TODAY)
    assert (error.field, error.code) == (field, code)


def test_a_man_who_states_a_womans_day() -> None:
    # NIK says a man born on the 17th; he states the 17th but says he is a woman.
    info = parse_nik("3171011708450001")
    assert refused(check_nik_matches, info, date(1945, 8, 17), "female", TODAY).code == (
        "nik_sex_mismatch"
    )


# --- round trips -------------------------------------------------------------------------

regions = st.sampled_from(["167101", "317101", "517101", "737101", "947101", "110101"])
births = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
sexes = st.sampled_from(list(Sex))
serials = st.integers(min_value=1, max_value=9999)


@settings(max_examples=300, deadline=None)
@given(region=regions, birth=births, sex=sexes, serial=serials)
def test_nik_round_trip(region: str, birth: date, sex: Sex, serial: int) -> None:
    nik = make_nik(region, birth, sex, serial)
    assert len(nik) == 16 and nik.isdigit()
    info = parse_nik(nik)
    assert info.sex is sex
    assert info.district_code == region
    assert int(info.serial) == serial
    assert birth in info.possible_birth_dates()
    check_nik_matches(info, birth, sex, TODAY)
    if sex is Sex.FEMALE:
        assert int(nik[6:8]) == birth.day + 40


@settings(max_examples=200, deadline=None)
@given(
    birth=st.dates(min_value=date(2000, 1, 1), max_value=TODAY),
    sex=sexes,
    serial=serials,
)
def test_children_born_after_2000_are_read_in_this_century(
    birth: date, sex: Sex, serial: int
) -> None:
    info = parse_nik(make_nik(PALEMBANG, birth, sex, serial))
    assert info.likely_birth_date(TODAY) == birth


@settings(max_examples=200, deadline=None)
@given(
    birth=births,
    other=births,
    sex=sexes,
    serial=serials,
)
def test_a_different_birth_date_is_detected(
    birth: date, other: date, sex: Sex, serial: int
) -> None:
    info = parse_nik(make_nik(PALEMBANG, birth, sex, serial))
    same_reading = (other.day, other.month, other.year % 100) == (
        birth.day,
        birth.month,
        birth.year % 100,
    )
    if same_reading:
        check_nik_matches(info, other, sex, TODAY)
    else:
        error = refused(check_nik_matches, info, other, sex, TODAY)
        assert error.code == "nik_birth_date_mismatch"


@settings(max_examples=100, deadline=None)
@given(birth=births, sex=sexes, serial=serials)
def test_the_other_sex_is_detected(birth: date, sex: Sex, serial: int) -> None:
    info = parse_nik(make_nik(PALEMBANG, birth, sex, serial))
    other = Sex.MALE if sex is Sex.FEMALE else Sex.FEMALE
    assert refused(check_nik_matches, info, birth, other, TODAY).code == "nik_sex_mismatch"


def test_make_nik_refuses_a_bad_region() -> None:
    with pytest.raises(ValueError):
        make_nik("1671", date(1990, 1, 1), Sex.MALE, 1)
    with pytest.raises(ValueError):
        make_nik("16710A", date(1990, 1, 1), Sex.MALE, 1)


def test_mask_nik() -> None:
    assert mask_nik("3171011708450001") == "3171********0001"
    assert mask_nik("12345") == "*****"


# --- phone numbers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "0812-3456-7890",
        "081234567890",
        "0812 3456 7890",
        "+62 812-3456-7890",
        "+6281234567890",
        "6281234567890",
        "62 812 3456 7890",
        "(0812) 3456-7890",
    ],
)
def test_indonesian_mobile_numbers_become_e164(raw: str) -> None:
    assert normalize_phone(raw) == "+6281234567890"


def test_a_palembang_landline() -> None:
    assert normalize_phone("(0711) 352233") == "+62711352233"


def test_a_foreign_number_stays_foreign() -> None:
    assert normalize_phone("+1 650 253 0000") == "+16502530000"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "phone_missing"),
        ("   ", "phone_missing"),
        ("0812", "phone_invalid"),
        ("12345", "phone_invalid"),
        ("628123", "phone_invalid"),
        ("abc", "phone_invalid"),
        ("0812-3456-7890-1234-5678", "phone_invalid"),
        ("+62", "phone_invalid"),
    ],
)
def test_bad_phone_numbers(raw: str, code: str) -> None:
    error = refused(normalize_phone, raw, field="contact_phone")
    assert (error.field, error.code) == ("contact_phone", code)


def test_a_phone_number_must_be_a_string() -> None:
    assert refused(normalize_phone, None).code == "phone_missing"  # type: ignore[arg-type]


# --- names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Soekarno", "Soekarno"),  # one-word names are common
        ("Siti Nurhaliza", "Siti Nurhaliza"),
        ("Ma'ruf Amin", "Ma'ruf Amin"),
        ("Ma\u2019ruf Amin", "Ma'ruf Amin"),  # a typographic apostrophe becomes a plain one
        ("O'Neill", "O'Neill"),
        ("Abdul-Rahman", "Abdul-Rahman"),
        ("R.A. Kartini", "R.A. Kartini"),
        ("Dr. Ir. H. Joko Widodo, M.Sc.", "Dr. Ir. H. Joko Widodo, M.Sc."),
        ("  Budi   Santoso  ", "Budi Santoso"),
        ("Nguyễn Thị Minh Khai", "Nguyễn Thị Minh Khai"),
        ("De\u0301vi", "D\u00e9vi"),  # decomposed input is composed (NFC)
        ("Zoë Çelik", "Zoë Çelik"),
        ("محمد", "محمد"),
        ("مُحَمَّد", "مُحَمَّد"),  # Arabic with harakat (combining marks; fixed)
        ("सीता", "सीता"),  # Devanagari vowel signs are marks too (fixed)
        ("王小明", "王小明"),
        ("Hamengkubuwono X", "Hamengkubuwono X"),
    ],
)
def test_names_as_people_write_them(raw: str, expected: str) -> None:
    assert normalize_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "name_missing"),
        ("   ", "name_missing"),
        ("Budi2", "name_characters"),
        ("Budi 2", "name_characters"),
        ("Budi ٣", "name_characters"),  # a Unicode digit is a digit too
        ("Budi_Santoso", "name_characters"),
        ("Budi@Santoso", "name_characters"),
        ("-Budi", "name_characters"),
        ("'", "name_characters"),
        ("\u0301Budi", "name_characters"),  # a mark on nothing
        ("Budi <script>", "name_characters"),
        ("x" * (MAX_NAME_LENGTH + 1), "name_too_long"),
    ],
)
def test_bad_names(raw: str, code: str) -> None:
    error = refused(normalize_name, raw, field="name")
    assert (error.field, error.code) == ("name", code)


def test_the_longest_name_allowed() -> None:
    assert normalize_name("x" * MAX_NAME_LENGTH) == "x" * MAX_NAME_LENGTH


def test_a_name_must_be_a_string() -> None:
    assert refused(normalize_name, None).code == "name_missing"  # type: ignore[arg-type]


@given(st.text(alphabet=st.characters(categories=["Lu", "Ll", "Lo"]), min_size=1, max_size=40))
def test_any_run_of_letters_is_a_name(word: str) -> None:
    assert normalize_name(word) == unicodedata.normalize("NFC", word)


@given(
    st.text(alphabet=st.characters(categories=["Lu", "Ll"]), min_size=1, max_size=20),
    st.integers(min_value=0, max_value=9),
)
def test_a_digit_anywhere_is_refused(word: str, digit: int) -> None:
    with pytest.raises(InvalidInput):
        normalize_name(f"{word}{digit}")


def test_nik_matches_ignores_spaces_typed_and_refuses_any_other_nik() -> None:
    from loket.domain.identity import nik_matches

    assert nik_matches("1671011701008835", "1671 0117 0100 8835")
    assert not nik_matches("1671011701008835", "1671011701008836")
    assert not nik_matches("1671011701008835", "")
