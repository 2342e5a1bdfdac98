"""What a server loads once at start-up instead of in some person's first request.

Profiled on a fresh server (bench/pages.py --profile), the first planning page spent most of
its time importing the planning stack, the first dashboard loading Babel's locale data for
`long_date`, and every first page compiling its Jinja templates and building FastAPI's route
table for `url_for`. None of it depends on data: it is loaded before the server answers, in a
worker thread so that the event loop stays free (the lifespan awaits it).
"""

from __future__ import annotations

import gc
import importlib
import logging
from datetime import date
from typing import TYPE_CHECKING

from loket.domain.calendar import national_holidays
from loket.formatting import SUPPORTED_LOCALES, long_date, rupiah, short_date
from loket.i18n import translate

if TYPE_CHECKING:
    from fastapi import FastAPI
    from fastapi.templating import Jinja2Templates

log = logging.getLogger(__name__)

# The modules a page imports on its first use (kept out of create_app so that a CLI command
# that builds no app never loads them).
# (matplotlib, for the chart images, stays out: it would add half a second to every start.)
MODULES = ("loket.planning.overview",)


def warm_up(app: FastAPI) -> None:
    """Import the page stacks, load catalogs and locale data, compile the templates, build url_for."""
    for name in MODULES:
        importlib.import_module(name)
    for locale in SUPPORTED_LOCALES:
        translate(locale, "Planning")  # the catalog of the language, read once
        long_date(date(2017, 12, 28), locale)
        short_date(date(2017, 12, 28), locale)
    rupiah(355_000)
    # The holidays package imports its country modules on the first calendar it builds.
    national_holidays(2017, app.state.settings.holiday_country)
    templates: Jinja2Templates = app.state.templates
    for name in templates.env.list_templates(extensions=("html", "svg", "txt", "xml")):
        try:
            templates.env.get_template(name)
        except Exception:  # a broken template fails its page, as before, never the start-up
            log.exception("template %s does not compile", name)
    # FastAPI builds each included router's route contexts on the first url_path_for.
    app.url_path_for("static", path="loket.css")


def settle_heap() -> None:
    """Move what start-up loaded out of the collector's sight (`gc.freeze`).

    A warm server holds some 300,000 objects (modules, templates, locale data, the route table)
    that live as long as the process. Every full collection walked them all: under a booking rush
    that was a pause of 100-160 ms every second or so, the whole p99 of the sold-out answers
    (bench/hotpaths.py, docs/performance.md). Frozen, they are never walked again; what requests
    allocate is collected as before."""
    gc.collect()
    gc.freeze()
