"""/docs (issue 21): Swagger UI is served from vendored files, started by a file of ours, so the
page loads under Loket's own CSP (no CDN, no inline script)."""

from __future__ import annotations

import re

import httpx


async def test_the_docs_page_loads_only_local_assets_under_the_csp(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/static/") for s in sources), sources
    assert not re.search(r"<script>(?!</script>)", page.text), "an inline script"
    for asset in sources:
        served = await client.get(asset)
        assert served.status_code == 200 and len(served.content) > 100, asset
    bundle = await client.get(next(s for s in sources if s.endswith("swagger-ui-bundle.js")))
    assert b"SwaggerUIBundle" in bundle.content
    assert (await client.get("/openapi.json")).json()["info"]["title"] == "Loket"
    assert (await client.get("/redoc")).status_code == 404  # it would load from a CDN


async def test_the_schema_declares_what_the_app_does(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    undeclared, no_limits, no_outage = [], [], []
    for path, item in schema["paths"].items():
        names = set(re.findall(r"\{([^}]+)\}", path))
        for method, operation in item.items():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            if names - declared:
                undeclared.append(f"{method.upper()} {path}")
            if "requestBody" in operation and not {"400", "413"} <= set(operation["responses"]):
                no_limits.append(f"{method.upper()} {path}")
            if "503" not in operation["responses"]:
                no_outage.append(f"{method.upper()} {path}")
    assert undeclared == [] and no_limits == [] and no_outage == []
    stream = schema["paths"]["/api/v1/offices/{code}/board/events"]["get"]["responses"]["200"]
    assert list(stream["content"]) == ["text/event-stream"]


async def test_a_405_names_every_method_of_the_path(client: httpx.AsyncClient) -> None:
    # The booking form's path has a GET route (the form) and a POST route (the booking).
    answer = await client.put("/booking/PLG/2017-12-29/08:00")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, POST"
