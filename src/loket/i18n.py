"""Translations: gettext catalogs (Indonesian first, English second) and language negotiation."""

from __future__ import annotations

import gettext
import io
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.core import negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from loket.formatting import DEFAULT_LOCALE, SUPPORTED_LOCALES

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "loket"


@lru_cache(maxsize=8)
def translations(locale: str) -> gettext.NullTranslations:
    """The compiled catalog for `locale`; compiles the .po in memory when no .mo was built."""
    if locale not in SUPPORTED_LOCALES:
        locale = DEFAULT_LOCALE
    mo = LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"
    po = mo.with_suffix(".po")
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    if po.exists():
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        return gettext.GNUTranslations(buffer)
    return gettext.NullTranslations()


def N_(message: str) -> str:
    """Mark a msgid for extraction where it is translated later (tables of messages)."""
    return message


def translate(locale: str, message: str, **params: Any) -> str:
    """`message` (an English msgid) in `locale`, with %(name)s parameters filled in."""
    text = translations(locale).gettext(message)
    return text % params if params else text


def pick_locale(
    query: str | None, cookie: str | None, accept_language: str | None, default: str
) -> str:
    """The language to answer in: ?lang=, then the lang cookie, then Accept-Language, then default."""
    for explicit in (query, cookie):
        if explicit and explicit.lower()[:2] in SUPPORTED_LOCALES:
            return explicit.lower()[:2]
    if accept_language:
        preferred = []
        for part in accept_language.split(","):
            piece = part.split(";")[0].strip().replace("-", "_")
            if piece and piece != "*":
                preferred.append(piece)
        found = negotiate_locale(preferred, list(SUPPORTED_LOCALES), sep="_")
        if found is None:
            found = negotiate_locale([p.split("_")[0] for p in preferred], list(SUPPORTED_LOCALES))
        if found:
            return found
    return default
