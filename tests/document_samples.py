"""Files an applicant might upload, made in the test (issue 20): a phone photo with GPS EXIF, a
PNG, a PDF (optionally behind a password) and an executable named like a photo."""

from __future__ import annotations

import io

from PIL import Image
from pypdf import PdfWriter

CAMERA_MAKE = "PhoneMaker"


def gps_jpeg() -> bytes:
    """A photo as a phone takes it: EXIF with the camera and the GPS position (Palembang)."""
    image = Image.new("RGB", (3000, 2000), (200, 180, 150))
    exif = Image.Exif()
    exif[0x010F] = CAMERA_MAKE  # Make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "S", (2.0, 59.0, 0.0), "E", (104.0, 45.0, 0.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    data = out.getvalue()
    with Image.open(io.BytesIO(data)) as check:  # the sample really carries its position
        assert check.getexif().get_ifd(0x8825)
    return data


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (800, 600), (10, 120, 200, 255)).save(out, "PNG")
    return out.getvalue()


def pdf(password: str | None = None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# The head of an x86-64 ELF executable: what a renamed program looks like to a content sniffer.
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200
