"""Documents before the visit (issue 20) on both databases, over HTTP where a person would use it:
uploads judged by their content (a renamed executable and an encrypted PDF refused, naming the
item), the JPEG kept without its EXIF, an officer of the office verifying and rejecting (the
rejection on the status page and in the outbox), an officer of another office refused (403), and
the retention purge taking the files from the database and from the disk."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from PIL import Image
from sqlalchemy import select

from loket.clock import FrozenClock
from loket.domain.journey import status_token
from loket.services import booking as booking_service
from loket.services import checkin
from loket.services import privacy as privacy_service
from loket.services import staff as staff_service
from loket.services.catalog import Catalog
from loket.settings import Settings
from loket.store.database import Database
from loket.store.tables import audit_log, booking_documents, notify_outbox
from loket.web.app import create_app
from loket.web.auth import COOKIE as STAFF_COOKIE
from loket.web.csrf import COOKIE as CSRF_COOKIE

from ..document_samples import CAMERA_MAKE, ELF, gps_jpeg, pdf, png
from .floor_helpers import PASSWORD, POLICY, at, book_and_pay, make_staff, open_station

SECRET = "documents-test-secret-0123456789abcdef"
CSRF = "documents-csrf-token-0123456789abcdef0123"


@pytest.fixture
async def app_client(
    demo: Database, db_url: str, tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, FrozenClock, Path]]:
    clock = FrozenClock(at(7, 50) - timedelta(days=1))
    folder = tmp_path / "documents"
    settings = Settings(database_url=db_url, secret_key=SECRET, documents_dir=str(folder))
    app = create_app(settings, db=demo, clock=clock)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://loket.test") as client:
        client.cookies.set(CSRF_COOKIE, CSRF, domain="loket.test")
        yield client, clock, folder


async def upload(client: httpx.AsyncClient, token: str, item: str, name: str, data: bytes) -> httpx.Response:
    return await client.post(
        f"/status/s/{token}/documents",
        data={"csrf_token": CSRF, "item": item},
        files={"file": (name, data, "image/jpeg")},
        headers={"Accept": "text/html"},
    )


async def signed_in(client: httpx.AsyncClient, demo: Database, username: str, office: str, now) -> str:  # type: ignore[no-untyped-def]
    await make_staff(demo, username, office=office, now=now)
    session = await staff_service.login(demo, username, PASSWORD, now=now, hours=12)
    client.cookies.set(STAFF_COOKIE, session.token, domain="loket.test")
    return session.csrf_token


async def test_upload_check_refuse_verify_and_purge(
    demo: Database, app_client: tuple[httpx.AsyncClient, FrozenClock, Path]
) -> None:
    client, clock, folder = app_client
    code, _nik = await book_and_pay(demo, 40)
    token = status_token(SECRET, code)

    page = await client.get(f"/status/s/{token}/documents")
    assert (
        page.status_code == 200
        and 'capture="environment"' in page.text
        and 'enctype="multipart/form-data"' in page.text
    )
    assert (await upload(client, token, "ktp", "ktp.jpg", gps_jpeg())).status_code == 303
    assert (await upload(client, token, "kk", "kk.png", png())).status_code == 303
    assert (await upload(client, token, "civil_record", "akta.pdf", pdf())).status_code == 303

    # Judged by content: an executable named like a photo, and a PDF behind a password.
    refused = await upload(client, token, "ktp", "foto.jpg", ELF)
    assert refused.status_code == 422
    assert "KTP elektronik (e-KTP): berkas bukan JPEG, PNG atau PDF" in refused.text
    locked = await upload(client, token, "civil_record", "akta.pdf", pdf("rahasia"))
    assert locked.status_code == 422 and "dilindungi kata sandi" in locked.text
    assert "Akta kelahiran" in re.sub(r"\s+", " ", locked.text)
    too_big = await client.post(
        f"/status/s/{token}/documents",
        data={"csrf_token": CSRF, "item": "kk"},
        files={"file": ("big.png", b"\x89PNG" + b"\x00" * (6 * 1024 * 1024), "image/png")},
        headers={"Accept": "text/html"},
    )
    assert too_big.status_code == 413

    async with demo.read() as conn:
        rows = {r.item: r for r in await conn.execute(select(booking_documents))}
    assert set(rows) == {"ktp", "kk", "civil_record"}
    assert [r.office_code for r in rows.values()] == ["PLG"] * 3
    kept = folder / "PLG" / code / rows["ktp"].sha256
    with Image.open(kept) as stored:
        assert stored.format == "JPEG" and max(stored.size) <= 2000
        assert not stored.getexif() and "exif" not in stored.info
    assert CAMERA_MAKE.encode() not in kept.read_bytes()

    # An officer of another office: 403 on the list and on the files.
    now = clock()
    await signed_in(client, demo, "wayan", "DPS", now)
    for path in (f"/offices/PLG/floor/documents/{code}", f"/offices/PLG/floor/documents/{code}/ktp"):
        assert (await client.get(path)).status_code == 403
    # The office's officer sees them, opens one (served as ours: type, name, nosniff) and decides.
    csrf = await signed_in(client, demo, "budi", "PLG", now)
    listing = await client.get(f"/offices/PLG/floor/documents/{code}")
    assert listing.status_code == 200 and "?thumb=1" in listing.text
    full = await client.get(f"/offices/PLG/floor/documents/{code}/ktp")
    assert full.status_code == 200 and full.headers["content-type"] == "image/jpeg"
    assert full.headers["x-content-type-options"] == "nosniff"
    assert full.headers["content-disposition"] == f'inline; filename="{code}-ktp.jpg"'
    thumb = await client.get(f"/offices/PLG/floor/documents/{code}/kk?thumb=1")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    pdf_served = await client.get(f"/offices/PLG/floor/documents/{code}/civil_record")
    assert pdf_served.headers["content-type"] == "application/pdf"
    decide = f"/offices/PLG/floor/documents/{code}"
    for item in ("ktp", "civil_record"):
        assert (await client.post(f"{decide}/{item}/verify", data={"csrf_token": csrf})).status_code == 303
    empty = await client.post(f"{decide}/kk/reject", data={"csrf_token": csrf, "reason": " "})
    assert empty.status_code == 422
    done = await client.post(f"{decide}/kk/reject", data={"csrf_token": csrf, "reason": "Foto buram"})
    assert done.status_code == 303

    # The applicant sees the rejected item on the status page; a message is queued.
    status = await client.get(f"/status/s/{token}")
    assert 'data-rejected-item="kk"' in status.text and "Foto buram" in status.text
    async with demo.read() as conn:
        states = {r.item: r.state for r in await conn.execute(select(booking_documents))}
        told = [
            r.event for r in await conn.execute(select(notify_outbox).where(notify_outbox.c.subject == code))
        ]
        audited = [r.action for r in await conn.execute(select(audit_log).where(audit_log.c.subject == code))]
    assert states == {"ktp": "verified", "kk": "rejected", "civil_record": "verified"}
    assert "document_rejected" in told
    assert audited.count("document.upload") == 3 and audited.count("document.view") == 2
    assert audited.count("document.verified") == 2 and audited.count("document.rejected") == 1

    # On the day, at the intake counter: the console shows the uploads, and "incomplete" comes
    # pre-filled with what is not verified (the rejected family card).
    clock.advance(days=1)
    session = await staff_service.login(demo, "budi", PASSWORD, now=clock(), hours=12)
    client.cookies.set(STAFF_COOKIE, session.token, domain="loket.test")
    csrf = session.csrf_token
    await checkin.check_in(demo, "PLG", code, _nik, policy=POLICY, actor="kiosk", now=clock())
    await open_station(demo, "INT1", "budi", clock())
    called = await client.post("/offices/PLG/floor/console/INT1/call", data={"csrf_token": csrf})
    assert called.status_code == 200 and 'id="console-documents"' in called.text
    boxes = dict(re.findall(r'name="missing" value="(\w+)"( checked)?', called.text))
    assert {k for k, v in boxes.items() if v} == {"kk"}
    now = clock()

    # The privacy export carries the files; the retention purge takes them from database and disk.
    exported = await privacy_service.export_person(
        demo, _nik, actor="sari", now=now, office_code="PLG", documents_dir=folder
    )
    assert {d["item"] for d in exported["documents"]} == {"ktp", "kk", "civil_record"}
    assert all(d["content_base64"] for d in exported["documents"])
    later = now + timedelta(days=800)
    await booking_service.release_stale_hold(demo, Catalog(ttl=0), _nik, later)
    purged = await privacy_service.purge_personal_data(demo, later, 365, documents_dir=folder)
    assert purged["documents"] == 3
    async with demo.read() as conn:
        assert (await conn.execute(select(booking_documents))).first() is None
    assert [p for p in folder.rglob("*") if p.is_file()] == []
