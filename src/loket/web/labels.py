"""Words the templates translate from data (`_(station.state)`, `_(stage)`): enum values and
document keys. They are listed here as literals so that message extraction sees them;
tests/unit/test_catalogs.py checks this list covers every value of those enums."""

from __future__ import annotations

from loket.i18n import N_

STATION_STATES = (N_("open"), N_("paused"), N_("closed"), N_("down"))
ROLES = (N_("officer"), N_("supervisor"), N_("admin"))
STAGES = (
    N_("checked_in"),
    N_("intake"),
    N_("biometrics"),
    N_("approval"),
    N_("printing"),
    N_("quality_check"),
    N_("ready"),
    N_("collected"),
    N_("incomplete"),
    N_("rejected"),
)
OUTCOMES = (N_("done"), N_("incomplete"), N_("rejected"), N_("reprint"))
DOCUMENTS = (
    N_("ktp"),
    N_("kk"),
    N_("birth_certificate"),
    N_("diploma"),
    N_("marriage_book"),
    N_("old_passport"),
    N_("police_report"),
    N_("parents_documents"),
    N_("travel_agent_letter"),
)
STATION_KINDS = (N_("intake"), N_("biometrics"), N_("approval"), N_("printing"), N_("collection"))
CATEGORIES = (N_("regular"), N_("priority"), N_("express"))
BOOKING_STATUSES = (
    N_("awaiting_payment"),
    N_("paid"),
    N_("expired"),
    N_("cancelled"),
    N_("checked_in"),
    N_("no_show"),
)
# Security pages (issue 7): release modes, broker-pattern kinds and their severity.
RELEASE_MODES = (N_("fcfs"), N_("ballot"))
FRAUD_KINDS = (
    N_("shared_phone"),
    N_("shared_email"),
    N_("shared_device"),
    N_("shared_address"),
    N_("shared_payer"),
    N_("release_burst"),
    N_("identity_mismatch"),
    N_("serial_niks"),
    N_("no_shows"),
    N_("squatted_nik"),
)
SEVERITIES = (N_("high"), N_("medium"))

ALL = frozenset(
    STATION_STATES + ROLES + STAGES + OUTCOMES + DOCUMENTS + STATION_KINDS + CATEGORIES + BOOKING_STATUSES
) | frozenset(RELEASE_MODES + FRAUD_KINDS + SEVERITIES)
