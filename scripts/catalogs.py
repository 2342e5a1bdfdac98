"""Loket's gettext catalogs (src/loket/locale): `update` them after changing messages, `check` them.

update (`make i18n`): run it after adding, changing or removing a translatable message in the
    code or a template (`_()`, `N_()`, `translate(locale, ...)`, an error's msgid, a page's
    `{{ _("...") }}`). It extracts every message into loket.pot and merges the template into each
    language's loket.po: a new message gets an empty msgstr, a removed one is dropped, no entry is
    guessed ("fuzzy"), and the header stays unfuzzy so that `pybabel compile` compiles the
    catalog. Then translate the new empty msgstr entries in id/LC_MESSAGES/loket.po (English needs
    none: the msgids are English) and commit loket.pot and both .po files; `make install`
    compiles them to .mo.

check (`make lint`, tests/unit/test_catalogs.py): fails, saying why, when a catalog is marked
    fuzzy (its header or an entry: `pybabel compile` skips a fuzzy catalog and the app would fall
    back to compiling the .po at run time), when loket.pot is not what extraction gives for the
    sources now, when a .po lacks a message of loket.pot or keeps one it no longer has, or when
    the Indonesian catalog leaves a message untranslated. Run `update` to mend all but the last.

Run: .venv/bin/python scripts/catalogs.py update|check [--locale-dir DIR]
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import tomllib
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALE_DIR = ROOT / "src" / "loket" / "locale"
DOMAIN = "loket"
LANGUAGES = ("id", "en")
TRANSLATED = ("id",)  # languages whose every msgstr must be filled in (English msgids are English)
# The functions whose string arguments are messages, beside gettext's own `_` (N: the argument).
KEYWORDS = (
    "_",
    "N_",
    "translate:2",
    "invalid:3",
    "NotFound:2",
    "Conflict:2",
    "InvalidInput:2",
    "DomainError:2",
    "Forbidden:2",
    "Unauthorized:2",
    "TooMany:2",
    "FileProblem:3",
)
LANGUAGE_NAMES = {"id": "Indonesian", "en": "English"}

Key = tuple[object, str | None]  # (msgid, or (singular, plural); msgctxt)


def extract(pot: Path) -> None:
    """Extract the messages of the sources and templates (babel.cfg) into `pot`, like `pybabel extract`."""
    argv = ["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg")]
    for keyword in KEYWORDS:
        argv += ["-k", keyword]
    argv += ["--no-location", "--sort-output", "--omit-header", "--project=loket", "-o", str(pot), str(ROOT)]
    CommandLineInterface().run(argv)


def read(path: Path, locale: str | None = None) -> Catalog:
    """A catalog as Babel reads it."""
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def keys(catalog: Catalog) -> set[Key]:
    """The messages of a catalog (the header left out)."""
    return {(m.id, m.context) for m in catalog if m.id}


def po_path(locale_dir: Path, language: str) -> Path:
    return locale_dir / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def update(locale_dir: Path) -> None:
    """Re-extract loket.pot and merge it into every language's .po (see the module docstring)."""
    pot = locale_dir / f"{DOMAIN}.pot"
    extract(pot)
    template = read(pot)
    for language in LANGUAGES:
        path = po_path(locale_dir, language)
        if path.exists():
            catalog = read(path, locale=language)
            created = catalog.creation_date
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=language)
            created = datetime.now(UTC)
        changed = keys(catalog) != keys(template)
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        _header(catalog, language)
        # Dates that move only when the messages do, so that a run with nothing new changes nothing.
        catalog.creation_date = datetime.now(UTC) if changed else created
        if not isinstance(catalog.revision_date, datetime):  # a new catalog's placeholder
            catalog.revision_date = catalog.creation_date
        buffer = io.BytesIO()  # written whole or not at all
        write_po(buffer, catalog, no_location=True, sort_output=True, ignore_obsolete=True)
        path.write_bytes(buffer.getvalue())
        print(f"{path}: {len(keys(catalog))} messages")


def _header(catalog: Catalog, language: str) -> None:
    catalog.fuzzy = False
    catalog.project = "loket"
    catalog.version = _project_version()
    catalog.msgid_bugs_address = ""
    catalog.last_translator = "Loket"
    catalog.language_team = LANGUAGE_NAMES.get(language, language)
    catalog.header_comment = (
        f"# {LANGUAGE_NAMES.get(language, language)} translations for Loket.\n"
        "# This file is distributed under the same license as Loket (MIT).\n"
        "# Updated by `make i18n` (scripts/catalogs.py); translate empty msgstr entries by hand."
    )


def _project_version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])


def extracted() -> set[Key]:
    """The messages the sources use now."""
    with tempfile.TemporaryDirectory() as scratch:
        fresh = Path(scratch) / "fresh.pot"
        extract(fresh)
        return keys(read(fresh))


def problems(locale_dir: Path, current: set[Key] | None = None) -> list[str]:
    """What `check` finds wrong with the catalogs under `locale_dir` (against `current`, the
    messages of the sources, extracted when not given); empty when all is well."""
    found: list[str] = []
    pot = locale_dir / f"{DOMAIN}.pot"
    if current is None:
        current = extracted()
    committed = keys(read(pot))
    for key in sorted(current - committed, key=repr):
        found.append(f"{pot.name}: lacks {key[0]!r}, which the sources now use: run `make i18n`")
    for key in sorted(committed - current, key=repr):
        found.append(f"{pot.name}: has {key[0]!r}, which the sources no longer use: run `make i18n`")
    for language in LANGUAGES:
        path = po_path(locale_dir, language)
        name = f"{language}/LC_MESSAGES/{path.name}"
        if not path.exists():
            found.append(f"{name}: missing: run `make i18n`")
            continue
        catalog = read(path, locale=language)
        if catalog.fuzzy:
            found.append(f"{name}: the header is marked fuzzy (pybabel compile would skip the catalog)")
        for message in catalog:
            if message.id and message.fuzzy:
                found.append(f"{name}: {message.id!r} is marked fuzzy: check the translation, drop the flag")
        have = keys(catalog)
        for key in sorted(committed - have, key=repr):
            found.append(f"{name}: lacks {key[0]!r} of {pot.name}: run `make i18n`")
        for key in sorted(have - committed, key=repr):
            found.append(f"{name}: keeps {key[0]!r}, which {pot.name} no longer has: run `make i18n`")
        if language in TRANSLATED:
            for message in catalog:
                if message.id and not (all(message.string) if message.pluralizable else message.string):
                    found.append(f"{name}: {message.id!r} is not translated")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("update", "check"))
    parser.add_argument(
        "--locale-dir", type=Path, default=LOCALE_DIR, help="the catalogs (default: the package's)"
    )
    args = parser.parse_args(argv)
    if args.command == "update":
        update(args.locale_dir)
        return 0
    found = problems(args.locale_dir)
    for problem in found:
        print(problem, file=sys.stderr)
    if found:
        print(f"{len(found)} catalog problem(s); see `scripts/catalogs.py --help`", file=sys.stderr)
        return 1
    print("catalogs: up to date, none fuzzy")
    return 0


if __name__ == "__main__":
    sys.exit(main())
