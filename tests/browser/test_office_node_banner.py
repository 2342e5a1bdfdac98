"""The link banner of an office node (issue 19) in a real browser: online while the link is
up, "offline since" (office time) with the events waiting once the proxy cuts it, and what the
officer may do. The screenshots of docs/office-node.md are taken here (LOKET_SCREENSHOTS=1)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..topology.office_node import OFFICE, Deployment, office_deployment, signed_in, until  # noqa: F401
from .applicant_helpers import shot
from .floor_screens import sign_in


def test_the_node_banner_says_offline_since_and_what_waits(
    deployment: Deployment, browser: Any, tmp_path: Path
) -> None:
    node = deployment.node
    signed_in(node, "budi")  # waits for the node's first pull (the staff come with it)
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="id-ID")
    console = f"/offices/{OFFICE}/floor/console"
    sign_in(page, node.url, "budi", console)
    banner = page.locator("#node-link")
    assert banner.get_attribute("data-online") == "true"
    assert "Terhubung ke server pusat" in banner.inner_text()

    deployment.proxy.cut()
    officer = signed_in(node, "budi")
    until(
        "the node sees the link down",
        lambda: officer.get(f"/api/v1/offices/{OFFICE}/node/link").json()["online"] is False,
    )
    booking = deployment.bookings[0]
    assert officer.post(f"/api/v1/offices/{OFFICE}/check-in", json=booking).status_code == 201
    page.goto(node.url + console)
    banner = page.locator("#node-link")
    assert banner.get_attribute("data-online") == "false"
    text = banner.inner_text()
    assert "Luring sejak" in text and "menunggu diunggah" in text and "bukti setor bank" in text
    assert "UTC" not in text
    shot(page, "office-node-offline", tmp_path)

    deployment.proxy.restore()
    until(
        "the node uploads",
        lambda: (
            (s := officer.get(f"/api/v1/offices/{OFFICE}/node/link").json())["online"] and s["waiting"] == 0
        ),
    )
    page.goto(node.url + console)
    assert page.locator("#node-link").get_attribute("data-online") == "true"
    page.close()
