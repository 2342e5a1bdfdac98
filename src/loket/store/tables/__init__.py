"""The schema, one module per thing it holds; importing the package registers every table.

Import tables from here (`from loket.store.tables import bookings`); only `store/` does.
"""

from __future__ import annotations

from loket.store.tables.audit import audit_heads, audit_log
from loket.store.tables.base import metadata, office_fk
from loket.store.tables.billing import billing_requests, refunds
from loket.store.tables.bookings import bookings, contact_usage, nik_holds
from loket.store.tables.contact_codes import booking_verifications, contact_codes
from loket.store.tables.devices import kiosk_devices
from loket.store.tables.documents import booking_documents, office_document_items
from loket.store.tables.fees import fee_tariffs
from loket.store.tables.floor import (
    stage_targets,
    stage_transitions,
    stage_visits,
    station_states,
    ticket_counters,
    tickets,
)
from loket.store.tables.history import HISTORY_SOURCES, daily_applications
from loket.store.tables.national import holiday_overrides, national_admins
from loket.store.tables.node import (
    node_applied_events,
    node_conflicts,
    node_journal,
    node_links,
    office_nodes,
)
from loket.store.tables.offices import (
    extra_service_days,
    office_closures,
    office_hours,
    office_sessions,
    offices,
    stations,
)
from loket.store.tables.outbox import notify_outbox
from loket.store.tables.payment_claims import ntpn_claims, refused_payments
from loket.store.tables.payments import (
    bank_statement_exceptions,
    bank_statement_lines,
    bank_statements,
    banks,
    billings,
    payments,
)
from loket.store.tables.quotas import day_quotas, places, quota_templates
from loket.store.tables.releases import ballot_contacts, ballot_entries, day_releases
from loket.store.tables.staff import (
    login_guards,
    staff_accounts,
    staff_invitations,
    staff_memberships,
    staff_sessions,
)
from loket.store.tables.survey import survey_invitations, survey_responses
from loket.store.tables.waitlist import waitlist_entries

__all__ = [
    "HISTORY_SOURCES",
    "audit_heads",
    "audit_log",
    "ballot_contacts",
    "ballot_entries",
    "bank_statement_exceptions",
    "bank_statement_lines",
    "bank_statements",
    "banks",
    "billing_requests",
    "billings",
    "booking_documents",
    "booking_verifications",
    "bookings",
    "contact_codes",
    "contact_usage",
    "daily_applications",
    "day_quotas",
    "day_releases",
    "extra_service_days",
    "fee_tariffs",
    "holiday_overrides",
    "kiosk_devices",
    "login_guards",
    "metadata",
    "national_admins",
    "nik_holds",
    "node_applied_events",
    "node_conflicts",
    "node_journal",
    "node_links",
    "notify_outbox",
    "ntpn_claims",
    "office_closures",
    "office_document_items",
    "office_fk",
    "office_hours",
    "office_nodes",
    "office_sessions",
    "offices",
    "payments",
    "places",
    "quota_templates",
    "refunds",
    "refused_payments",
    "staff_accounts",
    "staff_invitations",
    "staff_memberships",
    "staff_sessions",
    "stage_targets",
    "stage_transitions",
    "stage_visits",
    "station_states",
    "stations",
    "survey_invitations",
    "survey_responses",
    "ticket_counters",
    "tickets",
    "waitlist_entries",
]
