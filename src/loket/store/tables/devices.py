"""The office's floor devices: self-service kiosks, each with its device token and its printer."""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table, UniqueConstraint

from loket.store.tables.base import metadata, office_fk
from loket.store.types import UTCDateTime

# A kiosk a supervisor registered. The kiosk's browser holds a random token in a cookie; only its
# SHA-256 is stored, so the table leaks no way in. A token opens the kiosk screen of its office
# and nothing else (it is not a staff login). A printer fault is the kiosk's fault until cleared.
kiosk_devices = Table(
    "kiosk_devices",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("device_id", String(16), primary_key=True),
    Column("name", String(80), nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("printer_host", String(255), nullable=True),
    Column("printer_port", Integer, nullable=True),
    Column("fault", String(200), nullable=True),
    Column("fault_since", UTCDateTime, nullable=True),
    Column("registered_at", UTCDateTime, nullable=False),
    Column("registered_by", String(40), nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
    UniqueConstraint("office_code", "token_hash", name="uq_kiosk_devices_token"),
    office_fk("kiosk_devices"),
)
