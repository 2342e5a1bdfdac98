"""Every message the code can show has an Indonesian translation, and the template is current."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "src" / "loket" / "locale"


def _ids(path: Path) -> set[str]:
    with path.open("rb") as handle:
        return {m.id for m in read_po(handle) if m.id}


def test_indonesian_catalog_translates_everything() -> None:
    with (LOCALE / "id" / "LC_MESSAGES" / "loket.po").open("rb") as handle:
        catalog = read_po(handle)
    untranslated = [m.id for m in catalog if m.id and not m.string]
    assert untranslated == []


def test_template_matches_the_source(tmp_path: Path) -> None:
    """Run the extraction (scripts/i18n.sh's keywords) and compare with the committed .pot."""
    script = (ROOT / "scripts" / "i18n.sh").read_text(encoding="utf-8")
    pybabel = shutil.which("pybabel", path=str(Path(sys.executable).parent))
    assert pybabel
    flags: list[str] = []
    words = script.replace("\\\n", " ").split()
    for i, word in enumerate(words):
        if word == "-k":
            flags += ["-k", words[i + 1]]
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
