"""Every template works under the strict CSP (script-src 'self', style-src 'self'): no inline
script, style block, style attribute or event-handler attribute anywhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from loket.web.templating import STATIC_DIR, TEMPLATES_DIR

TEMPLATES = sorted(TEMPLATES_DIR.rglob("*.html"))
INLINE = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "style block": re.compile(r"<style\b", re.I),
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "event handler": re.compile(r"\son[a-z]+\s*=", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
    "htmx eval": re.compile(r"hx-on|js:", re.I),
}


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(TEMPLATES_DIR)))
def test_no_inline_code(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    found = [name for name, pattern in INLINE.items() if pattern.search(text)]
    assert not found, f"{template.name}: {found}"


def test_scripts_are_files_of_our_own() -> None:
    for template in TEMPLATES:
        for src in re.findall(r"<script[^>]*src=\"([^\"]+)\"", template.read_text(encoding="utf-8")):
            assert src.startswith("{{ url_for('static'"), (template.name, src)
    assert (STATIC_DIR / "applicant.js").exists()
