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
