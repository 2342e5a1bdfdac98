"""The documents an applicant brings, as data (issue 20): the checklist per service and age, the
extra items an office may ask for (the travel agent's letter of umrah applicants), and the rules
an uploaded copy follows (kinds, states, the reasons an officer rejects one). Pure."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from loket.domain.errors import invalid
from loket.domain.msgid import N_

ADULT_AGE = 17  # under 17 the parents' documents come too (UU 6/2011)


@dataclass(frozen=True)
class ChecklistItem:
    """One document of the checklist: its code, its label (a msgid), and the code the intake
    counter's "incomplete" outcome names it by (`domain.workflow.MISSING_DOCUMENTS`)."""

    code: str
    label: str
    missing_code: str
    optional: bool = False
    note: str = ""


ITEMS: dict[str, ChecklistItem] = {
    item.code: item
    for item in (
        ChecklistItem("ktp", N_("KTP (electronic identity card)"), "ktp"),
        ChecklistItem("kk", N_("KK (family card)"), "kk"),
        ChecklistItem(
            "civil_record",
            N_("Birth certificate, diploma, marriage book or baptism letter"),
            "birth_certificate",
        ),
        ChecklistItem("old_passport", N_("Your current passport"), "old_passport"),
        ChecklistItem("police_report", N_("Police report of the loss"), "police_report"),
        ChecklistItem("damaged_passport", N_("The damaged passport"), "old_passport"),
        ChecklistItem("parents_documents", N_("KTP and passport of both parents"), "parents_documents"),
        ChecklistItem("child_birth_certificate", N_("Birth certificate of the child"), "birth_certificate"),
        ChecklistItem(
            "travel_agent_letter",
            N_("Travel agent's letter (umrah applicants)"),
            "travel_agent_letter",
            optional=True,
            note=N_("Only if you travel for umrah"),
        ),
    )
}

# The checklist of each service (the order is the order shown).
SERVICE_ITEMS: dict[str, tuple[str, ...]] = {
    "new": ("ktp", "kk", "civil_record"),
    "renewal": ("ktp", "old_passport"),
    "replacement_lost": ("ktp", "kk", "police_report", "civil_record"),
    "replacement_damaged": ("ktp", "kk", "damaged_passport"),
}
CHILD_ITEMS = ("parents_documents", "child_birth_certificate")
# What an office may add to every checklist (office_document_items).
OFFICE_ITEMS = ("travel_agent_letter",)


def checklist_for(
    service: str, age: int | None = None, office_asks: tuple[str, ...] = ()
) -> list[ChecklistItem]:
    """What to bring (and may upload) for `service`: a minor adds the parents' documents, and the
    office adds what it asks for (an umrah applicant's travel agent's letter)."""
    codes = list(SERVICE_ITEMS.get(service, SERVICE_ITEMS["new"]))
    if age is not None and age < ADULT_AGE:
        codes += [c for c in CHILD_ITEMS if c not in codes]
    codes += [c for c in office_asks if c in OFFICE_ITEMS and c not in codes]
    return [ITEMS[c] for c in codes]


def item_of(checklist: list[ChecklistItem], code: str) -> ChecklistItem:
    """The checklist's item `code`; InvalidInput naming the field when it is not on it."""
    for item in checklist:
        if item.code == code:
            return item
    raise invalid("item", "document_item_unknown", "This document is not on the booking's checklist")


class DocumentState(StrEnum):
    UPLOADED = "uploaded"  # waiting for the intake counter
    VERIFIED = "verified"  # the officer saw the original and it matches
    REJECTED = "rejected"  # the officer refused the copy; the applicant uploads another


class MediaKind(StrEnum):
    """What an accepted file is stored as (its content type is ours, never the upload's)."""

    JPEG = "image/jpeg"
    PNG = "image/png"
    PDF = "application/pdf"


EXTENSION = {MediaKind.JPEG: "jpg", MediaKind.PNG: "png", MediaKind.PDF: "pdf"}
REJECT_REASON_MAX = 200


def reject_reason(text: str) -> str:
    """The officer's reason, cleaned; InvalidInput when empty or too long."""
    reason = " ".join(text.split())
    if not reason:
        raise invalid("reason", "reason_missing", "Say why the document is rejected")
    if len(reason) > REJECT_REASON_MAX:
        raise invalid("reason", "reason_too_long", "At most %(n)s characters", n=REJECT_REASON_MAX)
    return reason


def missing_after_review(checklist: list[ChecklistItem], states: dict[str, str]) -> list[str]:
    """The intake "incomplete" codes of the required items not verified (none uploaded, or
    rejected): what the officer's outcome form pre-fills."""
    found: list[str] = []
    for item in checklist:
        if item.optional or states.get(item.code) == DocumentState.VERIFIED:
            continue
        if item.missing_code not in found:
            found.append(item.missing_code)
    return found


def download_name(booking_code: str, item: str, kind: MediaKind) -> str:
    """The name a served file gets: made by us, never the uploaded one."""
    return f"{booking_code}-{item}.{EXTENSION[kind]}"
