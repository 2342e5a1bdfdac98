"""/docs in a real browser (issue 21): the vendored Swagger UI renders the API's operations under
Loket's CSP, and no other host is contacted."""

from __future__ import annotations

from typing import Any


def test_swagger_ui_renders_without_a_cdn_or_a_csp_violation(browser: Any, live_server: Any) -> None:
    context = browser.new_context()
    page = context.new_page()
    hosts: set[str] = set()
    refused: list[str] = []
    page.on("request", lambda request: hosts.add(request.url.split("/")[2]))
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(live_server.url + "/docs")
    page.wait_for_selector(".opblock", timeout=20_000)
    assert page.locator(".opblock").count() > 20
    assert "/api/v1/offices/{code}/availability" in page.content()
    assert hosts == {live_server.url.split("/")[2]}
    assert refused == []
    context.close()
