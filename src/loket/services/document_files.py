"""What an uploaded file is, judged by its content (never its name or the browser's content type),
and the copy Loket keeps of it: images decoded and re-encoded by Pillow (which drops EXIF, GPS
position included, and anything appended to the image), downscaled; PDFs opened by pypdf and
refused when encrypted or malformed. Also the files on disk, named by their SHA-256, per office.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import re
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import filetype
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from loket.domain.documents import MediaKind
from loket.domain.errors import invalid
from loket.domain.msgid import N_

MAX_SIDE = 2000  # pixels: a KTP or a page of a family card stays readable, a photo shrinks to ~0.5 MB
MAX_PIXELS = 40_000_000  # decompression bombs are refused before they are decoded
THUMB_SIDE = 240
JPEG_QUALITY = 85
MAX_PDF_PAGES = 20

NOT_ALLOWED = N_("%(item)s: the file is not a JPEG, PNG or PDF")
BROKEN_IMAGE = N_("%(item)s: the image cannot be read")
TOO_MANY_PIXELS = N_("%(item)s: the image is too large (at most %(n)s million pixels)")
ENCRYPTED_PDF = N_("%(item)s: the PDF is protected by a password; upload it without protection")
BROKEN_PDF = N_("%(item)s: the PDF cannot be read")
LONG_PDF = N_("%(item)s: the PDF has more than %(n)s pages")
EMPTY = N_("%(item)s: choose a file")


@dataclass(frozen=True)
class Normalised:
    """The copy Loket keeps: its bytes, our content type, and what is known of it."""

    data: bytes
    kind: MediaKind
    width: int | None = None
    height: int | None = None
    pages: int | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def normalise(data: bytes, item_label: str) -> Normalised:
    """The file to keep, or InvalidInput (field `file`) naming the item (`item_label`, already in
    the reader's language) and what is wrong."""
    if not data:
        raise invalid("file", "document_empty", EMPTY, item=item_label)
    sniffed = filetype.guess_mime(data)
    if sniffed in (MediaKind.JPEG.value, MediaKind.PNG.value):
        return _image(data, MediaKind(sniffed), item_label)
    if sniffed == MediaKind.PDF.value:
        return _pdf(data, item_label)
    raise invalid("file", "document_type", NOT_ALLOWED, item=item_label)


def _image(data: bytes, kind: MediaKind, item: str) -> Normalised:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as opened:
                if opened.format not in ("JPEG", "PNG"):
                    raise invalid("file", "document_type", NOT_ALLOWED, item=item)
                if opened.width * opened.height > MAX_PIXELS:
                    raise invalid(
                        "file", "document_pixels", TOO_MANY_PIXELS, item=item, n=MAX_PIXELS // 1_000_000
                    )
                opened.load()
                # Turned as the camera held it, then re-drawn: no EXIF, no GPS, no trailing bytes.
                image = ImageOps.exif_transpose(opened)
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        SyntaxError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise invalid("file", "document_broken", BROKEN_IMAGE, item=item) from exc
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    if kind is MediaKind.JPEG:
        image.convert("RGB").save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        keep = image if image.mode in ("1", "L", "LA", "P", "RGB", "RGBA") else image.convert("RGBA")
        keep.save(out, "PNG", optimize=True)
    return Normalised(out.getvalue(), kind, image.width, image.height)


def _pdf(data: bytes, item: str) -> Normalised:
    # pypdf logs a warning per repaired object; a malformed upload is the applicant's, not ours.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=True)
        if reader.is_encrypted:
            raise invalid("file", "document_encrypted", ENCRYPTED_PDF, item=item)
        pages = len(reader.pages)
        for page in reader.pages:
            page.mediabox  # noqa: B018 - each page must parse
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        raise invalid("file", "document_broken", BROKEN_PDF, item=item) from exc
    if pages < 1:
        raise invalid("file", "document_broken", BROKEN_PDF, item=item)
    if pages > MAX_PDF_PAGES:
        raise invalid("file", "document_pages", LONG_PDF, item=item, n=MAX_PDF_PAGES)
    return Normalised(data, MediaKind.PDF, pages=pages)


def thumbnail(data: bytes) -> bytes:
    """A small JPEG of a stored image, for the intake counter's list."""
    with Image.open(io.BytesIO(data)) as opened:
        image = opened.convert("RGB")
    image.thumbnail((THUMB_SIDE, THUMB_SIDE))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=75)
    return out.getvalue()


# --- The files on disk -------------------------------------------------------------------------


BOOKING_CODE = re.compile(r"^[A-Z0-9]{1,8}-[A-Z0-9]{10}$")


def path_of(root: Path, office_code: str, booking_code: str, sha256: str) -> Path:
    """Where a file lies: ROOT/OFFICE/BOOKING/SHA256. Only our own names (the office, the
    booking code, the hash): nothing from the upload reaches the path. A booking's folder is
    only written while its booking row is locked (services/documents.py)."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a document hash")
    if not office_code.isalnum() or not BOOKING_CODE.match(booking_code):
        raise ValueError("not a booking")
    return root / office_code / booking_code / sha256


def store_file(root: Path, office_code: str, booking_code: str, kept: Normalised) -> Path:
    """Write the file (atomically; the same content is written once)."""
    target = path_of(root, office_code, booking_code, kept.sha256)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(kept.data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o600)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return target


def read_file(root: Path, office_code: str, booking_code: str, sha256: str) -> bytes:
    return path_of(root, office_code, booking_code, sha256).read_bytes()


def remove_files(root: Path, office_code: str, booking_code: str, hashes: set[str]) -> int:
    """Delete these files of a booking (and its folder once empty); how many were there."""
    removed = 0
    for sha in hashes:
        try:
            path_of(root, office_code, booking_code, sha).unlink()
            removed += 1
        except FileNotFoundError:
            continue
    with contextlib.suppress(OSError):  # not empty, or never made
        (root / office_code / booking_code).rmdir()
    return removed
