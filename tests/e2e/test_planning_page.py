"""The supervisor's planning page over HTTP, on both databases: who may see it, what it shows,
the what-if answer and the charts."""

from __future__ import annotations

import re

import httpx
import pytest

from loket.clock import FrozenClock
from loket.store.database import Database

from .floor_fixtures import make_staff, sign_in

pytestmark = pytest.mark.usefixtures("fast_hashing")

PAGE = "/offices/PLG/planning?from=2017-12-01&to=2017-12-29"
STORY = "&date=2017-12-28&arrivals=200&fault_stage=biometrics&fault_from=10:00&fault_to=13:00&replications=20"


async def test_who_may_see_the_planning_page(
    client: httpx.AsyncClient, db: Database, clock: FrozenClock
) -> None:
    anonymous = await client.get(PAGE)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/staff/login")
    chart = await client.get("/offices/PLG/planning/chart?kind=plan")
    assert chart.status_code == 303
    await make_staff(db, clock, "wayan", "budi")
    await sign_in(client, "wayan")  # admin of Denpasar, nobody in Palembang
    other = await client.get(PAGE)
    assert other.status_code == 403 and other.json()["error"] == "forbidden"
    await sign_in(client, "budi")  # an officer of Palembang: below supervisor
    assert (await client.get(PAGE)).status_code == 403


async def test_the_page_shows_forecast_plan_and_the_story(
    client: httpx.AsyncClient, db: Database, clock: FrozenClock
) -> None:
    await make_staff(db, clock, "sari")
    await sign_in(client, "sari")
    page = await client.get(PAGE + STORY + "&lang=en")
    assert page.status_code == 200, page.text
    html = page.text
    assert "synthetic" in html  # the demo history says what it is
    assert 'data-testid="service-times-source">defaults<' in html
    assert "Forecast and actual" in html and "Overtime plan" in html
    total = float(re.search(r'data-testid="overtime-total">([\d.]+)<', html).group(1))  # type: ignore[union-attr]
    assert 40 < total < 80  # the December plan (58 h in docs/planning.md)
    assert "2017-12-22, 2017-12-29" in html  # the two deadlines
    # The story: 200 booked, a photo station down 10:00-13:00, overtime into the night.
    hours = float(re.search(r'data-testid="sim-overtime">([\d.]+) h', html).group(1))  # type: ignore[union-attr]
    assert 3.0 < hours < 4.8
    # No inline script or event handler: the page works under a strict CSP.
    assert "<script>" not in html and not re.search(r"\son[a-z]+=", html)
    assert 'hx-get="/offices/PLG/planning/what-if"' in html


async def test_what_if_fragment_and_charts(
    client: httpx.AsyncClient, db: Database, clock: FrozenClock
) -> None:
    await make_staff(db, clock, "sari")
    await sign_in(client, "sari")
    fragment = await client.get("/offices/PLG/planning/what-if?from=2017-12-01&to=2017-12-29" + STORY)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert "biometrics:10:00-13:00" in fragment.text
    svg = await client.get("/offices/PLG/planning/chart?kind=forecast&fmt=svg&from=2017-12-01&to=2017-12-29")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in svg.content[:500]
    png = await client.get(
        "/offices/PLG/planning/chart?kind=queue&fmt=png&download=true&from=2017-12-01&to=2017-12-29" + STORY
    )
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert png.headers["content-disposition"] == 'attachment; filename="PLG-queue-2017-12-01.png"'
    bad = await client.get("/offices/PLG/planning/chart?kind=pie")
    assert bad.status_code == 422


async def test_the_what_if_form_takes_random_breakdowns(
    client: httpx.AsyncClient, db: Database, clock: FrozenClock
) -> None:
    await make_staff(db, clock, "sari")
    await sign_in(client, "sari")
    page = await client.get(PAGE + "&lang=en")
    assert 'name="breakdown_mtbf"' in page.text and 'name="breakdown_mttr"' in page.text
    base = "/offices/PLG/planning/what-if?from=2017-12-01&to=2017-12-29&date=2017-12-27&arrivals=150"
    base += "&replications=20&lang=en"
    calm = await client.get(base)
    broken = await client.get(base + "&breakdown_stage=biometrics&breakdown_mtbf=120&breakdown_mttr=30")
    assert broken.status_code == 200, broken.text
    assert "breakdowns photo and fingerprints (MTBF 120 min, MTTR 30 min)" in broken.text
    hours = {
        name: float(re.search(r'data-testid="sim-overtime">([\d.]+) h', r.text).group(1))  # type: ignore[union-attr]
        for name, r in (("calm", calm), ("broken", broken))
    }
    assert hours["broken"] > hours["calm"] + 1.0
    missing = await client.get(base + "&breakdown_stage=biometrics&breakdown_mtbf=120")
    assert "Give the stage, the mean time between failures and the mean time to repair" in missing.text
    bad = await client.get(base + "&breakdown_stage=biometrics&breakdown_mtbf=0&breakdown_mttr=30")
    assert bad.status_code == 422


async def test_the_page_in_indonesian_explains_its_sources_and_columns(
    client: httpx.AsyncClient, db: Database, clock: FrozenClock
) -> None:
    await make_staff(db, clock, "sari")
    await sign_in(client, "sari")
    html = (await client.get(PAGE + "&lang=id")).text
    assert "sintetis (pembangkit data berbenih, bukan data nyata)" in html
    assert "(seeded generator" not in html
    assert 'data-testid="forecast-model">kalender<' in html
    columns = html.split('data-testid="plan-columns"')[1].split("</dl>")[0]
    assert "Kuota" in columns and "lembur" in columns  # the quota includes overtime, said so
    svg = await client.get(
        "/offices/PLG/planning/chart?kind=forecast&fmt=svg&from=2017-12-01&to=2017-12-29&lang=id"
    )
    assert "riwayat" in svg.text and "prakiraan" in svg.text


async def test_bad_periods_are_explained_on_the_page(
    client: httpx.AsyncClient, db: Database, clock: FrozenClock
) -> None:
    await make_staff(db, clock, "sari")
    await sign_in(client, "sari")
    backwards = await client.get("/offices/PLG/planning?from=2017-12-29&to=2017-12-01&lang=en")
    assert backwards.status_code == 422 and "The end date lies before the start date" in backwards.text
    no_history = await client.get("/offices/PLG/planning?from=2012-02-01&to=2012-02-10&lang=en")
    assert no_history.status_code == 422 and "No plan for this period" in no_history.text
