"""The document checklist as data and the file checks (issue 20), without a database."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from loket.domain.documents import DocumentState, checklist_for, missing_after_review, reject_reason
from loket.domain.errors import InvalidInput
from loket.domain.workflow import MISSING_DOCUMENTS
from loket.services.document_files import normalise, path_of

from ..document_samples import CAMERA_MAKE, ELF, gps_jpeg, pdf, png


def codes(service: str, age: int | None = None, asks: tuple[str, ...] = ()) -> list[str]:
    return [i.code for i in checklist_for(service, age, asks)]


def test_checklist_per_service_age_and_office() -> None:
    assert codes("new", 30) == ["ktp", "kk", "civil_record"]
    assert codes("renewal", 30) == ["ktp", "old_passport"]
    assert codes("replacement_lost", 30) == ["ktp", "kk", "police_report", "civil_record"]
    assert codes("replacement_damaged", 30) == ["ktp", "kk", "damaged_passport"]
    assert codes("new", 16)[-2:] == ["parents_documents", "child_birth_certificate"]
    assert codes("new", 17) == ["ktp", "kk", "civil_record"]
    assert codes("renewal", 40, ("travel_agent_letter",))[-1] == "travel_agent_letter"
    assert "ktp" not in codes("new", 40, ("ktp",))[3:]  # an office adds only the items it may
    every = {
        i.missing_code
        for s in ("new", "renewal", "replacement_lost", "replacement_damaged")
        for i in checklist_for(s, 10, ("travel_agent_letter",))
    }
    assert every <= set(MISSING_DOCUMENTS)  # "incomplete" can name every item


def test_missing_after_review_prefills_what_is_not_verified() -> None:
    checklist = checklist_for("new", 10, ("travel_agent_letter",))
    states = {
        "ktp": DocumentState.VERIFIED,
        "kk": DocumentState.REJECTED,
        "civil_record": DocumentState.UPLOADED,
    }
    assert missing_after_review(checklist, states) == ["kk", "birth_certificate", "parents_documents"]


def test_reject_reason_is_required_and_short() -> None:
    assert reject_reason("  Foto   buram ") == "Foto buram"
    for bad in ("  ", "x" * 201):
        with pytest.raises(InvalidInput):
            reject_reason(bad)


def test_files_are_judged_by_content_and_re_encoded() -> None:
    photo = normalise(gps_jpeg(), "KTP")
    with Image.open(io.BytesIO(photo.data)) as kept:
        assert kept.format == "JPEG" and not kept.getexif() and max(kept.size) == 2000
    assert CAMERA_MAKE.encode() not in photo.data
    assert normalise(png(), "KK").kind.value == "image/png"
    assert normalise(pdf(), "Akta").pages == 1
    # An image with a program appended keeps the image only.
    assert b"\x7fELF" not in normalise(png() + ELF, "KK").data
    for data, code in (
        (ELF, "document_type"),
        (pdf("rahasia"), "document_encrypted"),
        (b"%PDF-1.7\n garbage", "document_broken"),
        (b"", "document_empty"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "document_broken"),
    ):
        with pytest.raises(InvalidInput) as refused:
            normalise(data, "KTP")
        assert refused.value.code == code and refused.value.params["item"] == "KTP"


def test_paths_are_the_hash_only() -> None:
    from pathlib import Path

    with pytest.raises(ValueError):
        path_of(Path("/d"), "PLG", "PLG-ABCDEFGHJK", "../../etc/passwd")
    with pytest.raises(ValueError):
        path_of(Path("/d"), "../x", "PLG-ABCDEFGHJK", "a" * 64)
    with pytest.raises(ValueError):
        path_of(Path("/d"), "PLG", "../../PLG", "a" * 64)
    assert path_of(Path("/d"), "PLG", "PLG-ABCDEFGHJK", "c" * 64) == Path("/d/PLG/PLG-ABCDEFGHJK/" + "c" * 64)
