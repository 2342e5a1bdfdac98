"""The office floor: station states, tickets, stage visits and transitions, stage targets."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Date, Index, Integer, String, Table, Text

from loket.store.tables.base import metadata, office_fk
from loket.store.types import UTCDateTime

# The live state of each station (the station itself is in `stations`).
station_states = Table(
    "station_states",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("station_code", String(16), primary_key=True),
    Column("state", String(8), nullable=False),
    Column("reason", String(200), nullable=False, server_default=""),
    Column("since", UTCDateTime, nullable=False),
    Column("officer", String(40), nullable=True),
    # The ticket the station has called and not finished (day + label), if any.
    Column("ticket_day", Date, nullable=True),
    Column("ticket", String(8), nullable=True),
    office_fk("station_states"),
)


# Ticket numbers: the last number issued per office, day and category.
ticket_counters = Table(
    "ticket_counters",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("category", String(16), primary_key=True),
    Column("last", Integer, nullable=False),
    office_fk("ticket_counters"),
)


# One row per application on the floor: issued at check-in, carried through every stage.
tickets = Table(
    "tickets",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("ticket", String(8), primary_key=True),
    Column("category", String(16), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("booking_code", String(24), nullable=True),
    Column("nik", String(16), nullable=False),
    Column("full_name", String(120), nullable=False),
    Column("product", String(32), nullable=False),
    Column("priority_reason", String(16), nullable=True),
    Column("appointment_at", UTCDateTime, nullable=True),
    Column("checked_in_at", UTCDateTime, nullable=False),
    Column("late", Boolean, nullable=False),
    # Policy order: appointment start, or check-in time for walk-ins (domain/calling.py).
    Column("class_rank", Integer, nullable=False),
    Column("order_at", UTCDateTime, nullable=False),
    Column("stage", String(16), nullable=False),
    Column("queue_state", String(8), nullable=False),
    Column("queued_at", UTCDateTime, nullable=True),
    Column("target_station", String(16), nullable=True),
    Column("station_code", String(16), nullable=True),
    Column("called_at", UTCDateTime, nullable=True),
    Column("called_by", String(40), nullable=True),
    Column("recalls", Integer, nullable=False, server_default="0"),
    Column("paid", Boolean, nullable=False),
    Column("dossier_complete_at", UTCDateTime, nullable=True),
    Column("biometrics_done_at", UTCDateTime, nullable=True),
    Column("due_date", Date, nullable=True),
    Column("missing_documents", JSON, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    office_fk("tickets"),
)


Index("ix_tickets_booking", tickets.c.office_code, tickets.c.booking_code)


Index(
    "ix_tickets_queue",
    tickets.c.office_code,
    tickets.c.day,
    tickets.c.stage,
    tickets.c.queue_state,
    tickets.c.class_rank,
    tickets.c.late,
    tickets.c.order_at,
    tickets.c.seq,
)


Index("ix_tickets_due", tickets.c.office_code, tickets.c.due_date)


# Raw ISO measurements: one row per ticket per visit to a stage (waiting, called, finished).
stage_visits = Table(
    "stage_visits",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("ticket", String(8), primary_key=True),
    Column("visit", Integer, primary_key=True),
    Column("stage", String(16), nullable=False),
    Column("queued_at", UTCDateTime, nullable=False),
    Column("called_at", UTCDateTime, nullable=True),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("station_code", String(16), nullable=True),
    Column("officer", String(40), nullable=True),
    Column("outcome", String(16), nullable=True),
    office_fk("stage_visits"),
)


Index("ix_stage_visits_called", stage_visits.c.office_code, stage_visits.c.called_at)


# Every stage transition: who, where, when.
stage_transitions = Table(
    "stage_transitions",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("id", String(32), primary_key=True),
    Column("day", Date, nullable=False),
    Column("ticket", String(8), nullable=False),
    Column("from_stage", String(16), nullable=True),
    Column("to_stage", String(16), nullable=False),
    Column("actor", String(40), nullable=False),
    Column("station_code", String(16), nullable=True),
    Column("at", UTCDateTime, nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
    office_fk("stage_transitions"),
)


Index(
    "ix_stage_transitions_ticket",
    stage_transitions.c.office_code,
    stage_transitions.c.day,
    stage_transitions.c.ticket,
)


# An office's own wait and service targets per stage (seconds; NULL: no target). Stages without a
# row use the defaults of domain/service_targets.py.
stage_targets = Table(
    "stage_targets",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("stage", String(16), primary_key=True),
    Column("wait_s", Integer, nullable=True),
    Column("service_s", Integer, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", String(100), nullable=False),
    office_fk("stage_targets"),
)
