"""htmx (15 KB on the wire, most of a first visit on a slow link) loads only on pages that use it:
an applicant page, the home page, the calendar and the survey leave it out unless they set
`htmx = true`, and a page that leaves it out has no htmx attribute in it or its partials."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from loket.web.templating import TEMPLATES_DIR

TEMPLATES = sorted(TEMPLATES_DIR.rglob("*.html"))
USES_HTMX = re.compile(r"\bhx-(get|post|put|delete|trigger|boost|sse|ws)\b")
INCLUDE = re.compile(r"{%\s*include\s+\"([^\"]+)\"")
OFF = re.compile(r"{%\s*set htmx = (false|htmx\|default\(false\))\s*%}")
# On, or on while the page has something to fetch (a form that checks the NIK, a part that polls).
ON = re.compile(r"{%\s*set htmx = (?!false\b|htmx\|default\(false\))[^%]+%}")


def _text_with_partials(path: Path, seen: frozenset[Path] = frozenset()) -> str:
    text = path.read_text(encoding="utf-8")
    parts = [text]
    for name in INCLUDE.findall(text):
        partial = TEMPLATES_DIR / name
        if partial not in seen:
            parts.append(_text_with_partials(partial, seen | {path}))
    return "\n".join(parts)


def _loads_htmx(path: Path) -> bool:
    text = path.read_text(encoding="utf-8")
    if ON.search(text):
        return True
    if OFF.search(text):
        return False
    parent = re.search(r"{%\s*extends\s+\"([^\"]+)\"", text)
    return parent is None or _loads_htmx(TEMPLATES_DIR / parent.group(1))


PAGES = [p for p in TEMPLATES if "{% extends" in p.read_text(encoding="utf-8")]


@pytest.mark.parametrize("template", PAGES, ids=lambda p: str(p.relative_to(TEMPLATES_DIR)))
def test_a_page_that_uses_htmx_loads_it(template: Path) -> None:
    if USES_HTMX.search(_text_with_partials(template)):
        assert _loads_htmx(template), f"{template.name} uses htmx: set htmx = true"


def test_the_applicant_pages_without_htmx_attributes_leave_it_out() -> None:
    left_out = {p.relative_to(TEMPLATES_DIR).as_posix() for p in PAGES if not _loads_htmx(p)}
    for name in ("home.html", "applicant/offices.html", "applicant/month.html", "applicant/done.html"):
        assert name in left_out, name
