"""The home page in a real browser: Indonesian first, English on request, no other host contacted."""

from __future__ import annotations

from typing import Any


def test_home_in_both_languages(browser: Any, live_server: Any) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID")
    page = context.new_page()
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(request.url.split("/")[2]))
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text() == "Layanan paspor kantor imigrasi"
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Passport service of the immigration offices"
    page.get_by_role("link", name="Kantor Imigrasi Kelas I TPI Palembang").click()
    assert "Hari Raya Natal" in page.content() or page.locator("table").count() == 1
    assert hosts == {live_server.url.split("/")[2]}
    context.close()
