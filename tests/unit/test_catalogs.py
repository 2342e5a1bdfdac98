"""Every message the code can show has an Indonesian translation, the template is current, and
scripts/catalogs.py (`make lint`) fails a fuzzy or stale catalog."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "src" / "loket" / "locale"


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("catalogs_script", ROOT / "scripts" / "catalogs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


catalogs = _load_script()


def _ids(path: Path) -> set[str]:
    with path.open("rb") as handle:
        return {m.id for m in read_po(handle) if m.id}


def test_indonesian_catalog_translates_everything() -> None:
    with (LOCALE / "id" / "LC_MESSAGES" / "loket.po").open("rb") as handle:
        catalog = read_po(handle)
    untranslated = [m.id for m in catalog if m.id and not m.string]
    assert untranslated == []


def test_template_matches_the_source(tmp_path: Path) -> None:
    """Run the extraction (scripts/catalogs.py's keywords) and compare with the committed .pot."""
    pybabel = shutil.which("pybabel", path=str(Path(sys.executable).parent))
    assert pybabel
    flags: list[str] = []
    for keyword in catalogs.KEYWORDS:
        flags += ["-k", keyword]
    out = tmp_path / "fresh.pot"
    subprocess.run(
        [pybabel, "extract", "-F", "babel.cfg", *flags, "--omit-header", "-o", str(out), "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    assert _ids(out) == _ids(LOCALE / "loket.pot"), "run `make i18n` and translate the new messages"
    assert _ids(LOCALE / "loket.pot") <= _ids(LOCALE / "id" / "LC_MESSAGES" / "loket.po")


def test_labels_cover_every_value_the_templates_translate() -> None:
    from loket.domain.ballot import Mode
    from loket.domain.booking import Category, Status
    from loket.domain.calling import StationState
    from loket.domain.fraud import Kind
    from loket.domain.office import STATION_KINDS
    from loket.domain.staff import Role
    from loket.domain.workflow import MISSING_DOCUMENTS, Outcome, Stage
    from loket.web.labels import ALL

    values = {m.value for e in (Category, Status, StationState, Role, Stage, Outcome, Mode, Kind) for m in e}
    assert values | set(MISSING_DOCUMENTS) | set(STATION_KINDS) <= ALL


@pytest.fixture(scope="module")
def extracted() -> set[object]:
    """The messages the sources use (extracting takes seconds: once for the checks below)."""
    return set(catalogs.extracted())


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the catalogs to spoil."""
    shutil.copytree(LOCALE, tmp_path / "locale", ignore=shutil.ignore_patterns("*.mo"))
    return tmp_path / "locale"


def _rewrite(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    with path.open("rb") as handle:
        catalog = read_po(handle)
    change(catalog)
    with path.open("wb") as handle:
        write_po(handle, catalog, no_location=True, sort_output=True)


def test_the_catalogs_pass_the_check_and_compile(tmp_path: Path, extracted: set[object]) -> None:
    assert catalogs.problems(LOCALE, extracted) == []
    pybabel = shutil.which("pybabel", path=str(Path(sys.executable).parent))
    assert pybabel
    for language in catalogs.LANGUAGES:
        mo = tmp_path / f"{language}.mo"
        po = LOCALE / language / "LC_MESSAGES" / "loket.po"
        done = subprocess.run(
            [pybabel, "compile", "-D", "loket", "-i", str(po), "-o", str(mo)], capture_output=True, text=True
        )
        # A fuzzy catalog is skipped with success and no file; a bad placeholder fails the run.
        assert done.returncode == 0 and mo.exists(), done.stderr


def test_a_fuzzy_header_fails_the_check(copy: Path, extracted: set[object]) -> None:
    def fuzzy(catalog) -> None:  # type: ignore[no-untyped-def]
        catalog.fuzzy = True

    _rewrite(copy / "en" / "LC_MESSAGES" / "loket.po", fuzzy)
    assert catalogs.problems(copy, extracted) == [
        "en/LC_MESSAGES/loket.po: the header is marked fuzzy (pybabel compile would skip the catalog)"
    ]


def test_a_fuzzy_entry_fails_the_check(copy: Path, extracted: set[object]) -> None:
    def fuzzy(catalog) -> None:  # type: ignore[no-untyped-def]
        catalog["Appointment"].flags.add("fuzzy")

    _rewrite(copy / "id" / "LC_MESSAGES" / "loket.po", fuzzy)
    assert catalogs.problems(copy, extracted) == [
        "id/LC_MESSAGES/loket.po: 'Appointment' is marked fuzzy: check the translation, drop the flag"
    ]


def test_a_stale_template_or_catalog_fails_the_check(copy: Path, extracted: set[object]) -> None:
    def forget(catalog) -> None:  # type: ignore[no-untyped-def]
        catalog.delete("Appointment")

    _rewrite(copy / "loket.pot", forget)
    found = catalogs.problems(copy, extracted)
    assert "loket.pot: lacks 'Appointment', which the sources now use: run `make i18n`" in found
    shutil.copy(LOCALE / "loket.pot", copy / "loket.pot")
    _rewrite(copy / "id" / "LC_MESSAGES" / "loket.po", forget)
    assert catalogs.problems(copy, extracted) == [
        "id/LC_MESSAGES/loket.po: lacks 'Appointment' of loket.pot: run `make i18n`"
    ]
    shutil.copy(LOCALE / "id" / "LC_MESSAGES" / "loket.po", copy / "id" / "LC_MESSAGES" / "loket.po")
    assert catalogs.problems(copy, extracted - {("Appointment", None)}) == [
        "loket.pot: has 'Appointment', which the sources no longer use: run `make i18n`"
    ]
    _rewrite(copy / "loket.pot", forget)
    assert catalogs.problems(copy, extracted - {("Appointment", None)}) == [
        f"{lang}/LC_MESSAGES/loket.po: keeps 'Appointment', which loket.pot no longer has: run `make i18n`"
        for lang in catalogs.LANGUAGES
    ]


def test_the_check_command_exits_non_zero_on_a_problem(copy: Path) -> None:
    (copy / "en" / "LC_MESSAGES" / "loket.po").unlink()
    script = ROOT / "scripts" / "catalogs.py"
    done = subprocess.run(
        [sys.executable, str(script), "check", "--locale-dir", str(copy)], capture_output=True, text=True
    )
    assert done.returncode == 1
    assert "en/LC_MESSAGES/loket.po: missing: run `make i18n`" in done.stderr
