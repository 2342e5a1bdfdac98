"""Reports in a real browser: a supervisor signs in, opens the dashboard, follows today's bookings
to the service report, downloads the XLSX and the PDF, and both files carry the figure the page
showed (one paid booking for today, made through the real services by floor_setup.py)."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from pypdf import PdfReader

PASSWORD = "rahasia-kantor-1"


def test_dashboard_to_service_report_and_its_files(browser: Any, live_server: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    made = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("floor_setup.py"))],
        env=live_server.env,
        cwd=live_server.workdir,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout.strip().splitlines()[-1])["booking_code"].startswith("TST-")
    added = live_server.loket(
        "staff",
        "add",
        "--office",
        "TST",
        "--role",
        "supervisor",
        "--username",
        "sari",
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert added.returncode == 0, added.stderr

    context = browser.new_context(locale="id-ID", accept_downloads=True)
    page = context.new_page()
    page.goto(live_server.url + "/staff/login?next=/staff")
    page.fill("#username", "sari")
    page.fill("#password", PASSWORD)
    page.locator("form[action='/staff/login'] button[type=submit]").click()
    page.wait_for_url("**/staff")
    page.locator("[data-testid=dashboard-link]").click()
    page.wait_for_url("**/offices/TST/dashboard")
    bookings = page.locator("[data-testid=bookings-today] .value")
    expect(bookings).to_have_text("1")

    page.locator("[data-testid=bookings-today]").click()
    page.wait_for_url(re.compile(r".*/offices/TST/reports/service\?from=.*#applications"))
    expect(page.locator("h1")).to_contain_text("Laporan Layanan")
    figure = page.locator(".report-summary div", has_text="Permohonan").first.locator("dd")
    expect(figure).to_have_text("1")
    expect(page.locator("img.chart").first).to_be_visible()

    with page.expect_download() as xlsx_download:
        page.locator("[data-testid=download-xlsx]").click()
    xlsx = tmp_path / xlsx_download.value.suggested_filename
    xlsx_download.value.save_as(xlsx)
    assert xlsx.name.startswith("laporan-layanan-TST-") and xlsx.suffix == ".xlsx"
    summary = load_workbook(xlsx).worksheets[0]
    figures = {row[0]: row[1] for row in summary.iter_rows(min_row=5, values_only=True)}
    assert figures["Permohonan"] == 1

    with page.expect_download() as pdf_download:
        page.locator("[data-testid=download-pdf]").click()
    pdf = tmp_path / pdf_download.value.suggested_filename
    pdf_download.value.save_as(pdf)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.read_bytes())).pages)
    assert "Laporan Layanan: Kantor Imigrasi Uji" in text
    assert re.search(r"Permohonan\s+1\b", text), text[:800]
    context.close()
