"""Staff onboarding without a password on a terminal: an invitation is a single-use, expiring link
where the invited person chooses a username and sets their own password (argon2, as every account).

Only the SHA-256 of the link's token is stored; the link is shown once, to whoever invites. Using
it is one transaction: the invitation is spent by a conditional UPDATE (of two submissions racing,
exactly one spends it), the account and its office role are created, and the audit row written.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from loket.domain.errors import Conflict, DomainError, NotFound, invalid
from loket.domain.staff import (
    StaffIdentity,
    check_full_name,
    check_password,
    check_role,
    check_username,
    grantable,
)
from loket.services.audit import record
from loket.services.staff import hash_password, token_hash
from loket.store import invitation_repo, offices_repo, staff_repo
from loket.store.database import Connection, Database

INVITATION_HOURS = 72
# Visible ASCII but "@" (the same class as the API schema's pattern: web/api/admin_schemas.py).
_EMAIL = re.compile(r"^[!-?A-~]{1,64}@[!-?A-~]+\.[!-?A-~]{2,}$")
INVITE_PATH = "/staff/invite/"


@dataclass(frozen=True)
class Invitation:
    office_code: str
    timezone: str
    email: str
    role: str
    link: str
    expires_at: datetime


@dataclass(frozen=True)
class PendingInvitation:
    office_code: str
    office_name: str
    timezone: str
    email: str
    role: str
    expires_at: datetime


def check_email(raw: str) -> str:
    email = (raw or "").strip().lower()
    if len(email) > 200 or not _EMAIL.match(email):
        raise invalid("email", "email_invalid", "Give an e-mail address like nama@imigrasi.go.id")
    return email


async def invite(
    db: Database,
    *,
    office_code: str,
    role: str,
    email: str,
    base_url: str,
    now: datetime,
    hours: int = INVITATION_HOURS,
    granter: StaffIdentity | None = None,
) -> Invitation:
    """Invite a person to hold `role` in the office; returns the link (shown once)."""
    role_ = check_role(role)
    address = check_email(email)
    if granter is not None and not granter.national:
        grantable(granter, office_code, role_)
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(hours=hours)
    async with db.write() as conn:
        office = await offices_repo.load_office(conn, office_code)
        await invitation_repo.insert_invitation(
            conn,
            office_code=office_code,
            token_hash=token_hash(token),
            email=address,
            role=role_.value,
            invited_by=granter.username if granter else "cli",
            now=now,
            expires_at=expires,
        )
        await record(
            conn,
            office_code=office_code,
            actor=granter.username if granter else "cli",
            action="staff.invite",
            subject=address,
            detail={"role": role_.value, "expires_at": expires.isoformat()},
            now=now,
        )
    return Invitation(
        office_code,
        office.timezone,
        address,
        role_.value,
        f"{base_url.rstrip('/')}{INVITE_PATH}{token}",
        expires,
    )


async def invite_csv(
    db: Database, text: str, *, base_url: str, now: datetime, granter: StaffIdentity | None = None
) -> list[Invitation]:
    """Invite everyone of a CSV with the header `email,office,role`; every line is checked first,
    and a bad line (reported with its number) invites nobody."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if reader.fieldnames is None or {"email", "office", "role"} - {f.strip() for f in reader.fieldnames}:
        raise invalid("header", "csv_header", "The first line must be: email,office,role")
    wanted: list[tuple[str, str, str]] = []
    async with db.read() as conn:
        known = set(await offices_repo.office_codes(conn))
    for line, row in enumerate(reader, start=2):
        clean = {k.strip(): (v or "").strip() for k, v in row.items() if k}
        try:
            email = check_email(clean["email"])
            role = check_role(clean["role"]).value
            office = clean["office"].upper()
            if office not in known:
                raise NotFound("office_not_found", "Unknown office %(code)s", field="office", code=office)
        except DomainError as exc:
            exc.extra["line"] = line  # the CLI prints "(line N)"
            raise
        wanted.append((office, role, email))
    if not wanted:
        raise invalid("file", "csv_empty", "The file lists nobody to invite")
    return [
        await invite(db, office_code=o, role=r, email=e, base_url=base_url, now=now, granter=granter)
        for o, r, e in wanted
    ]


async def _live(conn: Connection, token: str, now: datetime) -> Any:
    found = await invitation_repo.invitation(conn, token_hash(token))
    if found is None or found.used_at is not None or found.expires_at <= now:
        # One answer for unknown, spent and expired: a link reveals nothing about other links.
        raise NotFound(
            "invitation_invalid",
            "This invitation link is not valid any more; ask for a new one",
            field="token",
        )
    return found


async def pending_invitation(db: Database, token: str, *, now: datetime) -> PendingInvitation:
    """What the link offers, for its page; NotFound when it is unknown, used or expired."""
    async with db.read() as conn:
        found = await _live(conn, token, now)
        office = await offices_repo.load_office(conn, found.office_code)
    return PendingInvitation(
        office.code, office.name, office.timezone, found.email, found.role, found.expires_at
    )


async def accept_invitation(
    db: Database, token: str, *, username: str, full_name: str, password: str, now: datetime
) -> StaffIdentity:
    """Create the invited person's account with the role the invitation grants, and spend it."""
    name = check_username(username)
    full = check_full_name(full_name)
    check_password(password, name)
    hashed = await hash_password(password)
    async with db.write() as conn:
        found = await _live(conn, token, now)
        office_code: str = found.office_code
        role = check_role(found.role)
        if await staff_repo.account(conn, name) is not None:
            raise Conflict(
                "staff_exists", "The username %(username)s is taken", field="username", username=name
            )
        if not await invitation_repo.mark_used(conn, office_code, token_hash(token), name, now):
            raise NotFound(
                "invitation_invalid",
                "This invitation link is not valid any more; ask for a new one",
                field="token",
            )
        await staff_repo.insert_account(conn, name, full, hashed, now)
        await staff_repo.grant(conn, office_code, name, role, now)
        await record(
            conn,
            office_code=office_code,
            actor=name,
            action="staff.invitation_accepted",
            subject=name,
            detail={"role": role.value, "email": found.email},
            now=now,
        )
    return StaffIdentity(name, full, {office_code: role})
