"""Staff use cases: accounts, roles per office, sign-in and sign-out.

Passwords are hashed with argon2id (argon2-cffi); the hashing runs in a worker thread so a
sign-in never stalls the event loop. A session is a random token in an HttpOnly cookie; the
database keeps only its SHA-256, so a leaked table signs nobody in.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from loket.domain.booking import normalize_email
from loket.domain.client import network_key
from loket.domain.errors import Conflict, NotFound, TooMany, Unauthorized, invalid
from loket.domain.notification import Event
from loket.domain.staff import (
    Role,
    StaffIdentity,
    check_full_name,
    check_password,
    check_role,
    check_username,
    grantable,
    sign_in_delay_s,
)
from loket.notify.outbox import outbox_rows
from loket.services.audit import NATIONAL, record
from loket.services.catalog import Catalog
from loket.store import guard_repo, offices_repo, outbox_repo, staff_repo
from loket.store.database import Connection, Database, on_commit

_hasher = PasswordHasher()
# Verified when the username is unknown, so that a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password-" + secrets.token_hex(8))


@dataclass(frozen=True)
class SignIn:
    """A new session: the cookie token (shown once) and the CSRF token forms must echo."""

    token: str
    csrf_token: str
    identity: StaffIdentity
    expires_at: datetime


def token_hash(token: str) -> str:
    """What is stored of a session token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode()).hexdigest()


async def hash_password(password: str) -> str:
    """The argon2id hash of a password, computed in a worker thread."""
    return await asyncio.to_thread(_hasher.hash, password)


async def _verify(stored: str, password: str) -> bool:
    try:
        return await asyncio.to_thread(_hasher.verify, stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _actor(granter: StaffIdentity | None) -> str:
    return granter.username if granter else "cli"


async def create_staff(
    db: Database,
    *,
    office_code: str,
    username: str,
    full_name: str,
    password: str,
    role: str,
    now: datetime,
    granter: StaffIdentity | None = None,
    email: str | None = None,
) -> StaffIdentity:
    """Create an account holding `role` in the office; `granter` None is the local operator (CLI).
    `email` is where repeated failed sign-ins to the account are reported."""
    name = check_username(username)
    mail = normalize_email(email)
    role_ = check_role(role)
    full = check_full_name(full_name)
    check_password(password, name)
    if granter is not None:
        grantable(granter, office_code, role_)
    hashed = await hash_password(password)
    async with db.write() as conn:
        await offices_repo.load_office(conn, office_code)
        if await staff_repo.account(conn, name) is not None:
            raise Conflict(
                "staff_exists", "The username %(username)s is taken", field="username", username=name
            )
        await staff_repo.insert_account(conn, name, full, hashed, now, email=mail)
        await staff_repo.grant(conn, office_code, name, role_, now)
        await record(
            conn,
            office_code=office_code,
            actor=_actor(granter),
            action="staff.create",
            subject=name,
            detail={"role": role_.value},
            now=now,
        )
    return StaffIdentity(name, full, {office_code: role_})


async def grant_role(
    db: Database,
    *,
    office_code: str,
    username: str,
    role: str,
    now: datetime,
    granter: StaffIdentity | None = None,
    catalog: Catalog | None = None,
) -> None:
    """Give an existing account a role in the office (or change the role it holds there); every
    process forgets the sessions it kept (`catalog`), so the change bites at once."""
    role_ = check_role(role)
    if granter is not None:
        grantable(granter, office_code, role_)
    async with db.write() as conn:
        await offices_repo.load_office(conn, office_code)
        if await staff_repo.account(conn, username) is None:
            raise NotFound(
                "staff_not_found", "No staff account %(username)s", field="username", username=username
            )
        await _keep_an_admin(conn, office_code, username, role_)
        await staff_repo.grant(conn, office_code, username, role_, now)
        forget_sessions(conn, catalog)
        await record(
            conn,
            office_code=office_code,
            actor=_actor(granter),
            action="staff.grant",
            subject=username,
            detail={"role": role_.value},
            now=now,
        )


async def revoke_role(
    db: Database,
    *,
    office_code: str,
    username: str,
    now: datetime,
    granter: StaffIdentity | None = None,
    catalog: Catalog | None = None,
) -> None:
    """Take the account's role in the office away; its sessions end so the change bites at once."""
    if granter is not None:
        grantable(granter, office_code, Role.OFFICER)
        if granter.username == username:
            raise Conflict("revoke_self", "You cannot remove your own role", field="username")
    async with db.write() as conn:
        await _keep_an_admin(conn, office_code, username, None)
        if not await staff_repo.revoke(conn, office_code, username):
            raise NotFound(
                "staff_not_found", "No staff account %(username)s", field="username", username=username
            )
        await staff_repo.delete_sessions_of(conn, username)
        forget_sessions(conn, catalog)
        await record(
            conn,
            office_code=office_code,
            actor=_actor(granter),
            action="staff.revoke",
            subject=username,
            now=now,
        )


async def _keep_an_admin(conn: Connection, office_code: str, username: str, role: Role | None) -> None:
    """Refuse a change that would leave the office without an admin (issue 21): nobody could then
    manage its staff. Lock policy: `staff_repo.admins_locked` (docs/locking.md)."""
    admins = await staff_repo.admins_locked(conn, office_code)
    if admins == {username} and role is not Role.ADMIN:
        raise Conflict(
            "last_admin",
            "%(username)s is the office's only admin: make another admin first",
            field="username",
            username=username,
        )


async def set_password(
    db: Database,
    *,
    username: str,
    password: str,
    now: datetime,
    actor: str = "cli",
    catalog: Catalog | None = None,
) -> None:
    """Replace an account's password and end its sessions."""
    name = check_username(username)
    check_password(password, name)
    hashed = await hash_password(password)
    async with db.write() as conn:
        if await staff_repo.account(conn, name) is None:
            raise NotFound(
                "staff_not_found", "No staff account %(username)s", field="username", username=name
            )
        await staff_repo.set_password_hash(conn, name, hashed)
        await staff_repo.delete_sessions_of(conn, name)
        forget_sessions(conn, catalog)
        await record(conn, office_code=NATIONAL, actor=actor, action="staff.password", subject=name, now=now)


@dataclass(frozen=True)
class LoginGuard:
    """Lock-out after failed sign-ins in a row (settings: login_max_failures, login_lockout_minutes)."""

    max_failures: int = 5
    lockout_minutes: int = 15


def _locked(until: datetime, now: datetime) -> TooMany:
    minutes = max(1, int((until - now).total_seconds() // 60) + 1)
    return TooMany(
        "login_locked",
        "Too many failed sign-ins: try again in %(minutes)d minutes",
        field="username",
        extra={"retry_after": int((until - now).total_seconds()) + 1},
        minutes=minutes,
    )


async def login(
    db: Database,
    username: str,
    password: str,
    *,
    now: datetime,
    hours: float,
    guard: LoginGuard | None = None,
    address: str | None = None,
) -> SignIn:
    """Check the password and open a session; one answer for every failure (no username probing).

    Each attempt is counted as a failure, under the lock of its (username, address) row, before
    the password is checked (docs/locking.md): from `guard.max_failures` failures in a row on, the
    name waits a growing delay from that address (1 s, 2 s, 4 s... up to `guard.lockout_minutes`),
    known name or not, so the delay reveals no account; other addresses are not slowed. The
    account's owner is e-mailed when the delay starts; each failure is audited."""
    guard = guard or LoginGuard()
    name = (username or "").strip().lower()[:64]
    where = network_key(address) if address else ""
    if not password:
        raise invalid("password", "password_missing", "Enter your password")
    async with db.write() as conn:
        held = await guard_repo.lock_guard(conn, name, where, now)
        if held.locked_until is not None and held.locked_until > now:
            raise _locked(held.locked_until, now)
        failures = int(held.failures) + 1
        wait = sign_in_delay_s(failures, guard.max_failures, guard.lockout_minutes * 60)
        until = now + timedelta(seconds=wait) if wait else None
        await guard_repo.count_attempt(conn, name, where, failures, now, until)
        row = await staff_repo.account(conn, name)
    ok = await _verify(row.password_hash if row is not None else _DUMMY_HASH, password)
    if row is None or not ok or not row.active:
        async with db.write() as conn:
            await record(
                conn,
                office_code=NATIONAL,
                actor="anonymous",
                action="staff.login_failed",
                subject=name,
                detail={"failures": failures, "address": where},
                now=now,
            )
            if row is not None and failures == guard.max_failures:
                await _tell_of_failures(conn, row, failures, where, now)
        raise Unauthorized("bad_credentials", "Wrong username or password", field="password")
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    expires = now + timedelta(hours=hours)
    async with db.write() as conn:
        await guard_repo.clear(conn, name, where)
        await staff_repo.delete_sessions_of(conn, name, now)
        await staff_repo.insert_session(conn, token_hash(token), name, csrf, now, expires)
        ident = await staff_repo.identity(conn, name)
        await record(conn, office_code=NATIONAL, actor=name, action="staff.login", subject=name, now=now)
    assert ident is not None
    return SignIn(token, csrf, ident, expires)


async def _tell_of_failures(
    conn: Connection, account: Any, failures: int, address: str, now: datetime
) -> None:
    """E-mail the staff member that their name is failing to sign in from an address (outbox)."""
    roles = await staff_repo.roles_of(conn, account.username)
    if not account.email or not roles:
        return
    office_code = sorted(roles)[0]  # the outbox is kept per office: the member's first
    rows = outbox_rows(
        office_code=office_code,
        event=Event.SIGN_IN_FAILURES,
        subject=str(account.username)[:24],
        phone=None,
        email=account.email,
        locale="id",
        params={"username": account.username, "failures": failures, "address": address or "?"},
        now=now,
        occasion=now.strftime("%Y%m%d%H%M%S") + address[:40],
    )
    await outbox_repo.enqueue(conn, rows)


async def logout(db: Database, token: str, *, now: datetime, catalog: Catalog | None = None) -> None:
    """End the session of this token (nothing happens for an unknown one), in every process."""
    async with db.write() as conn:
        found = await staff_repo.session(conn, token_hash(token), now)
        await staff_repo.delete_session(conn, token_hash(token))
        forget_sessions(conn, catalog)
        if found is not None:
            await record(
                conn,
                office_code=NATIONAL,
                actor=found.username,
                action="staff.logout",
                subject=found.username,
                now=now,
            )


async def authenticate(
    db: Database, token: str, *, now: datetime, catalog: Catalog | None = None
) -> tuple[StaffIdentity, str] | None:
    """The identity and CSRF token of a live session, or None. With `catalog`, a session this
    process looked up lately is answered from memory while every revocation reaches it
    (services/staff_sessions.py)."""
    hashed = token_hash(token)
    if catalog is None:
        found = await staff_repo.lookup_session(db, hashed, now)
        return found[:2] if found is not None else None
    kept = catalog.sessions.get(hashed, now)
    if kept is not None:
        return kept
    generation = catalog.sessions.generation
    found = await staff_repo.lookup_session(db, hashed, now)
    if found is None:
        return None
    identity, csrf_token, expires_at = found
    catalog.sessions.keep(hashed, identity, csrf_token, expires_at, generation)
    return identity, csrf_token


def forget_sessions(conn: Connection, catalog: Catalog | None) -> None:
    """After the commit, every process forgets the sessions it kept: one ended, or an account's
    roles changed. Commands pass the catalog too (cli/runner.py), whose publisher tells the
    servers."""
    if catalog is not None:
        on_commit(conn, lambda: catalog.forget_sessions())


async def office_staff(db: Database, office_code: str) -> list[dict[str, object]]:
    """The office's staff: username, name, role, active."""
    async with db.read() as conn:
        await offices_repo.load_office(conn, office_code)
        rows = await staff_repo.office_staff(conn, office_code)
    return [
        {"username": r.username, "full_name": r.full_name, "role": r.role, "active": r.active} for r in rows
    ]
