"""Documents before the visit (issue 20) in a real browser: on a 360x740 phone without JavaScript
the applicant uploads a photo with GPS EXIF, a PNG and a PDF from the status link; a renamed
executable and a PDF behind a password are refused with messages naming the item; the stored JPEG
has no EXIF. At intake an officer of the office sees them (thumbnails, full size) and verifies
them; an officer of another office gets 403 on the files."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from loket.domain.journey import status_token

from ..document_samples import CAMERA_MAKE, ELF, gps_jpeg, pdf, png
from .applicant_helpers import PHONE, shot
from .conftest import SECRET_KEY
from .floor_screens import PASSWORD, Restartable, add_staff, free_port, set_up_office, sign_in


@pytest.fixture
def server(tmp_path: Path, demo_file: Path) -> Iterator[Restartable]:
    shutil.copyfile(demo_file, tmp_path / "loket.db")
    env = {
        **os.environ,
        "LOKET_DATABASE_URL": f"sqlite:///{tmp_path / 'loket.db'}",
        "LOKET_DOCUMENTS_DIR": str(tmp_path / "documents"),
    }
    live = Restartable(free_port(), env, tmp_path)
    live.start()
    try:
        yield live
    finally:
        live.stop()


def test_upload_on_a_phone_and_verify_at_intake(server: Restartable, browser: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    booking = set_up_office(server)
    code = booking["booking_code"]
    samples = tmp_path / "samples"
    samples.mkdir()
    files = {
        "ktp": ("ktp.jpg", gps_jpeg()),
        "kk": ("kk.png", png()),
        "civil_record": ("akta.pdf", pdf()),
    }
    for name, data in [*files.values(), ("foto.jpg", ELF), ("terkunci.pdf", pdf("rahasia"))]:
        (samples / name).write_bytes(data)

    phone = browser.new_context(**PHONE, java_script_enabled=False)
    page = phone.new_page()
    page.goto(f"{server.url}/status/s/{status_token(SECRET_KEY, code)}")
    page.locator("[data-documents-link]").click()
    file_input = page.locator("#file-ktp")
    assert file_input.get_attribute("accept") and "image/" in (file_input.get_attribute("accept") or "")
    assert file_input.get_attribute("capture") is not None
    for item, (name, _data) in files.items():
        page.locator(f"#file-{item}").set_input_files(str(samples / name))
        page.locator(f"#doc-{item} button[type=submit]").click()
        expect(page.locator(f"[data-saved={item}]")).to_be_visible()
        expect(page.locator(f"#doc-{item}")).to_have_attribute("data-state", "uploaded")
    shot(page, "documents-360x740-uploaded", tmp_path)

    # A program renamed foto.jpg, and a PDF behind a password: refused, the item named.
    page.locator("#file-ktp").set_input_files(str(samples / "foto.jpg"))
    page.locator("#doc-ktp button[type=submit]").click()
    expect(page.locator("[data-error=ktp]")).to_have_text(
        "KTP elektronik (e-KTP): berkas bukan JPEG, PNG atau PDF"
    )
    page.locator("#file-civil_record").set_input_files(str(samples / "terkunci.pdf"))
    page.locator("#doc-civil_record button[type=submit]").click()
    expect(page.locator("[data-error=civil_record]")).to_contain_text("Akta kelahiran, ijazah")
    expect(page.locator("[data-error=civil_record]")).to_contain_text("dilindungi kata sandi")
    shot(page, "documents-360x740-refused", tmp_path)
    # Nothing wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    phone.close()

    # The stored photo is our re-encoding: no EXIF, no GPS, no camera.
    with sqlite3.connect(server.workdir / "loket.db") as conn:
        rows = dict(
            conn.execute("SELECT item, sha256 FROM booking_documents WHERE booking_code = ?", (code,))
        )
    conn.close()
    assert set(rows) == set(files)
    stored = server.workdir / "documents" / "TST" / code / rows["ktp"]
    with Image.open(stored) as image:
        assert image.format == "JPEG" and not image.getexif()
    assert CAMERA_MAKE.encode() not in stored.read_bytes()

    # An officer of another office: 403 on the files.
    added = server.loket(
        "staff",
        "add",
        "--office",
        "PLG",
        "--role",
        "officer",
        "--username",
        "wayan",
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert added.returncode == 0, added.stderr
    outsider = browser.new_context(viewport={"width": 1280, "height": 800}, locale="id-ID")
    other = outsider.new_page()
    sign_in(other, server.url, "wayan", "/offices/PLG/floor/console")
    for path in (f"/offices/TST/floor/documents/{code}", f"/offices/TST/floor/documents/{code}/ktp"):
        assert other.request.get(server.url + path).status == 403
    outsider.close()

    # The office's officer sees them beside the checklist and verifies each.
    add_staff(server, "budi", "officer")
    desk = browser.new_context(viewport={"width": 1280, "height": 800}, locale="id-ID")
    officer = desk.new_page()
    sign_in(officer, server.url, "budi", f"/offices/TST/floor/documents/{code}")
    for item in ("ktp", "kk"):
        thumb = officer.locator(f"#doc-{item} img")
        expect(thumb).to_be_visible()
        assert thumb.evaluate("img => img.naturalWidth") > 0
    full = officer.request.get(f"{server.url}/offices/TST/floor/documents/{code}/ktp")
    assert full.status == 200 and full.headers["content-type"] == "image/jpeg"
    assert full.headers["x-content-type-options"] == "nosniff"
    assert full.headers["content-disposition"] == f'inline; filename="{code}-ktp.jpg"'
    shot(officer, "documents-intake-1280x800", tmp_path)
    for item in files:
        officer.locator(f"[data-verify={item}]").click()
        expect(officer.locator(f"#doc-{item}")).to_have_attribute("data-state", "verified")
    desk.close()
