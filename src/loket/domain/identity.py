"""Who the applicant is: NIK (with its birth date and sex), phone number and name."""

from __future__ import annotations

import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import phonenumbers
from stdnum import numdb
from stdnum.exceptions import InvalidComponent, InvalidFormat, InvalidLength, ValidationError
from stdnum.id import nik as stdnum_nik

from loket.domain.errors import InvalidInput, invalid


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"


@dataclass(frozen=True)
class NikInfo:
    """What a NIK says about its holder."""

    nik: str
    province_code: str
    regency_code: str
    district_code: str
    day: int
    month: int
    year_2d: int
    sex: Sex
    serial: str
    province: str | None
    regency: str | None

    def birth_date_in_century(self, century: int) -> date:
        """The encoded birth date, taken in `century` (1900 or 2000)."""
        return date(century + self.year_2d, self.month, self.day)

    def possible_birth_dates(self) -> list[date]:
        """Both readings of the two-digit year that are real dates (a 29 Feb may fit only one)."""
        found = []
        for century in (1900, 2000):
            try:
                found.append(self.birth_date_in_century(century))
            except ValueError:
                continue
        return found

    def likely_birth_date(self, today: date) -> date:
        """The latest reading that is not in the future (used when no birth date is stated)."""
        candidates = [d for d in self.possible_birth_dates() if d <= today]
        if not candidates:
            raise invalid(
                "nik", "nik_birth_date_future", "The birth date in the NIK lies in the future"
            )
        return max(candidates)


def _place(number: str) -> tuple[str | None, str | None]:
    info = numdb.get("id/loc").info(number[:4])
    province = regency = None
    if len(info) > 0 and info[0][1]:
        province = info[0][1].get("name_id")
    if len(info) > 1 and info[1][1]:
        regency = info[1][1].get("name_id")
    return province, regency


def parse_nik(raw: str, field: str = "nik") -> NikInfo:
    """Validate a NIK and split it into its parts; raises InvalidInput naming `field`."""
    if not isinstance(raw, str):
        raise invalid(field, "nik_format", "The NIK must be a string of 16 digits")
    number = stdnum_nik.compact(raw)
    if not number:
        raise invalid(field, "nik_missing", "The NIK is required")
    try:
        stdnum_nik.validate(number)
    except InvalidLength as exc:
        raise invalid(field, "nik_length", "The NIK must have exactly 16 digits") from exc
    except InvalidFormat as exc:
        raise invalid(field, "nik_format", "The NIK may contain only digits") from exc
    except InvalidComponent as exc:
        raise _component_error(number, field) from exc
    except ValidationError as exc:
        raise invalid(field, "nik_invalid", "This is not a valid NIK") from exc
    day_code = int(number[6:8])
    if not (1 <= day_code <= 31 or 41 <= day_code <= 71):
        # stdnum takes the day modulo 40, so it lets 81-99 through as the 1st-19th.
        raise invalid(field, "nik_birth_date", "The birth date in the NIK is not a real date")
    province, regency = _place(number)
    return NikInfo(
        nik=number,
        province_code=number[0:2],
        regency_code=number[0:4],
        district_code=number[0:6],
        day=day_code % 40,
        month=int(number[8:10]),
        year_2d=int(number[10:12]),
        sex=Sex.FEMALE if day_code > 40 else Sex.MALE,
        serial=number[12:16],
        province=province,
        regency=regency,
    )


def _component_error(number: str, field: str) -> InvalidInput:
    day = int(number[6:8]) % 40
    month = int(number[8:10])
    dates_ok = False
    for century in (1900, 2000):
        try:
            date(century + int(number[10:12]), month, day)
            dates_ok = True
        except ValueError:
            continue
    if not dates_ok:
        return invalid(field, "nik_birth_date", "The birth date in the NIK is not a real date")
    return invalid(field, "nik_region", "The region code in the NIK does not exist")


def check_nik_matches(info: NikInfo, birth_date: date, sex: Sex | str, today: date) -> None:
    """The stated birth date and sex must agree with the NIK; a century apart is allowed."""
    if birth_date > today:
        raise invalid("birth_date", "birth_date_future", "The birth date lies in the future")
    if birth_date.year < today.year - 130:
        raise invalid("birth_date", "birth_date_too_old", "The birth date is too long ago")
    if (birth_date.day, birth_date.month, birth_date.year % 100) != (
        info.day,
        info.month,
        info.year_2d,
    ):
        raise invalid(
            "birth_date",
            "nik_birth_date_mismatch",
            "The birth date does not match the NIK",
        )
    try:
        stated = Sex(sex)
    except ValueError as exc:
        raise invalid("sex", "sex_invalid", "Choose one of: %(choices)s", choices="male, female") from exc
    if stated != info.sex:
        raise invalid("sex", "nik_sex_mismatch", "The sex does not match the NIK")


def make_nik(region: str, birth_date: date, sex: Sex | str, serial: int) -> str:
    """Compose a NIK (for tests and the demo): 6-digit region, birth date, sex, 4-digit serial."""
    if len(region) != 6 or not region.isdigit():
        raise ValueError("region must be 6 digits")
    day = birth_date.day + (40 if Sex(sex) == Sex.FEMALE else 0)
    return f"{region}{day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}{serial:04d}"


def nik_matches(stored: object, given: object) -> bool:
    """True when `given` (as typed, spaces allowed) is the stored NIK; constant time, so a
    look-up answers as fast for a near miss as for a far one."""
    return hmac.compare_digest(str(stored).encode(), "".join(str(given).split()).encode())


def mask_nik(nik: str) -> str:
    """Show only the region and serial: 3171********0001."""
    return nik[:4] + "*" * 8 + nik[-4:] if len(nik) == 16 else "*" * len(nik)


def normalize_phone(raw: str, field: str = "phone", region: str = "ID") -> str:
    """Parse an Indonesian (or international) phone number into E.164, e.g. +6281234567890."""
    if not isinstance(raw, str) or not raw.strip():
        raise invalid(field, "phone_missing", "A phone number is required")
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise invalid(field, "phone_invalid", "This is not a phone number") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise invalid(field, "phone_invalid", "This is not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


_NAME_ALLOWED = re.compile(r"^[^\W\d_]+(?:[ '\u2019.,\-][^\W\d_]*)*\.?$")
MAX_NAME_LENGTH = 120


def normalize_name(raw: str, field: str = "full_name") -> str:
    """A name as people write it: one word or many, apostrophes and hyphens, any script."""
    if not isinstance(raw, str):
        raise invalid(field, "name_missing", "A name is required")
    name = unicodedata.normalize("NFC", " ".join(raw.split()))
    name = name.replace("\u2019", "'")
    if not name:
        raise invalid(field, "name_missing", "A name is required")
    if len(name) > MAX_NAME_LENGTH:
        raise invalid(
            field,
            "name_too_long",
            "The name is longer than %(max)d characters",
            max=MAX_NAME_LENGTH,
        )
    skeleton = _without_marks(name)
    if skeleton is None or not _NAME_ALLOWED.match(skeleton):
        raise invalid(
            field,
            "name_characters",
            "The name may contain letters, spaces, apostrophes, dots and hyphens only",
        )
    return name


def _without_marks(name: str) -> str | None:
    """The name without the combining marks on its letters (Arabic harakat, Indic vowel signs).

    `re` has no class for marks, and NFC cannot fold them all into letters; a mark that
    follows no letter gives None.
    """
    kept: list[str] = []
    after_letter = False
    for char in name:
        if unicodedata.category(char).startswith("M"):
            if not after_letter:
                return None
            continue
        kept.append(char)
        after_letter = char.isalpha()
    return "".join(kept)
