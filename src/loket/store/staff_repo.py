"""Staff accounts, office memberships and sign-in sessions in the database. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, exists, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from loket.domain.staff import Role, StaffIdentity
from loket.store import dialect
from loket.store.database import Database
from loket.store.tables import national_admins, offices, staff_accounts, staff_memberships, staff_sessions


async def account(conn: AsyncConnection, username: str) -> Row[Any] | None:
    """The account row of a username (active or not), or None."""
    return (await conn.execute(select(staff_accounts).where(staff_accounts.c.username == username))).first()


async def roles_of(conn: AsyncConnection, username: str) -> dict[str, Role]:
    """{office code: role} of the account's memberships."""
    rows = await conn.execute(
        select(staff_memberships.c.office_code, staff_memberships.c.role).where(
            staff_memberships.c.username == username
        )
    )
    return {r.office_code: Role(r.role) for r in rows}


async def identity(conn: AsyncConnection, username: str) -> StaffIdentity | None:
    """The active account with its roles, or None."""
    row = await account(conn, username)
    if row is None or not row.active:
        return None
    national = (
        await conn.execute(select(national_admins.c.username).where(national_admins.c.username == username))
    ).first() is not None
    return StaffIdentity(row.username, row.full_name, await roles_of(conn, username), national=national)


async def insert_account(
    conn: AsyncConnection,
    username: str,
    full_name: str,
    password_hash: str,
    now: datetime,
    email: str | None = None,
) -> None:
    """Store a new active account."""
    await conn.execute(
        staff_accounts.insert().values(
            username=username,
            full_name=full_name,
            password_hash=password_hash,
            active=True,
            created_at=now,
            email=email,
        )
    )


async def set_password_hash(conn: AsyncConnection, username: str, password_hash: str) -> None:
    """Replace the account's password hash."""
    await conn.execute(
        update(staff_accounts)
        .where(staff_accounts.c.username == username)
        .values(password_hash=password_hash)
    )


async def set_active(conn: AsyncConnection, username: str, active: bool) -> None:
    """Activate or deactivate the account."""
    await conn.execute(
        update(staff_accounts).where(staff_accounts.c.username == username).values(active=active)
    )


async def grant(conn: AsyncConnection, office_code: str, username: str, role: Role, now: datetime) -> None:
    """Set the account's role in the office (replacing any earlier one)."""
    await conn.execute(
        delete(staff_memberships).where(
            staff_memberships.c.office_code == office_code, staff_memberships.c.username == username
        )
    )
    await conn.execute(
        staff_memberships.insert().values(
            office_code=office_code, username=username, role=role.value, granted_at=now
        )
    )


async def admins_locked(conn: AsyncConnection, office_code: str) -> set[str]:
    """The office's admins, its role changes serialized: the office row is locked FOR NO KEY
    UPDATE (which does not block the FOR KEY SHARE of inserts referencing the office, such as
    bookings) until commit, so two admins demoting each other cannot both see the other stay."""
    if dialect.is_postgresql(conn):
        lock = select(offices.c.code).where(offices.c.code == office_code).with_for_update(key_share=True)
        await conn.execute(lock)
    query = select(staff_memberships.c.username).where(
        staff_memberships.c.office_code == office_code, staff_memberships.c.role == Role.ADMIN.value
    )
    return set((await conn.execute(query)).scalars().all())


async def revoke(conn: AsyncConnection, office_code: str, username: str) -> bool:
    """Remove the account's role in the office; False when it held none."""
    result = await conn.execute(
        delete(staff_memberships).where(
            staff_memberships.c.office_code == office_code, staff_memberships.c.username == username
        )
    )
    return bool(result.rowcount)


async def office_staff(conn: AsyncConnection, office_code: str) -> list[Any]:
    """The office's members with their account details, by username."""
    query = (
        select(
            staff_memberships.c.username,
            staff_memberships.c.role,
            staff_accounts.c.full_name,
            staff_accounts.c.active,
        )
        .join(staff_accounts, staff_accounts.c.username == staff_memberships.c.username)
        .where(staff_memberships.c.office_code == office_code)
        .order_by(staff_memberships.c.username)
    )
    return list((await conn.execute(query)).all())


async def insert_session(
    conn: AsyncConnection, token_hash: str, username: str, csrf: str, now: datetime, expires: datetime
) -> None:
    """Store a sign-in session by its token hash."""
    await conn.execute(
        staff_sessions.insert().values(
            token_hash=token_hash, username=username, csrf_token=csrf, created_at=now, expires_at=expires
        )
    )


async def session(conn: AsyncConnection, token_hash: str, now: datetime) -> Row[Any] | None:
    """The unexpired session with this token hash."""
    query = select(staff_sessions).where(
        staff_sessions.c.token_hash == token_hash, staff_sessions.c.expires_at > now
    )
    return (await conn.execute(query)).first()


# Built once: every staff request runs it, and building the expression cost as much Python as
# executing it (py-spy under bench/floor.py).
_SESSION_IDENTITY = (
    select(
        staff_sessions.c.username,
        staff_sessions.c.csrf_token,
        staff_accounts.c.full_name,
        exists().where(national_admins.c.username == staff_sessions.c.username).label("national"),
        staff_memberships.c.office_code,
        staff_memberships.c.role,
        staff_sessions.c.expires_at,
    )
    .select_from(
        staff_sessions.join(
            staff_accounts,
            and_(staff_accounts.c.username == staff_sessions.c.username, staff_accounts.c.active),
        ).outerjoin(staff_memberships, staff_memberships.c.username == staff_sessions.c.username)
    )
    .where(
        staff_sessions.c.token_hash == bindparam("token_hash"),
        staff_sessions.c.expires_at > bindparam("now"),
    )
)


async def session_identity(
    conn: AsyncConnection, token_hash: str, now: datetime
) -> tuple[StaffIdentity, str, datetime] | None:
    """The identity, CSRF token and expiry of the unexpired session with this token hash, when its
    account is active, or None. One statement (one row per membership): it runs on every staff request,
    where the session, account, national-admin and membership reads were four round trips."""
    rows = (await conn.execute(_SESSION_IDENTITY, {"token_hash": token_hash, "now": now})).all()
    return _identity(rows)


# The same statement for the autocommit pool: on PostgreSQL the lookup is one round trip, where a
# read transaction on the engine's pool is three (BEGIN, the SELECT, the ROLLBACK) and SQLAlchemy's
# execution on top.
PG_SESSION_IDENTITY = dialect.postgresql_text(_SESSION_IDENTITY)


async def lookup_session(
    db: Database, token_hash: str, now: datetime
) -> tuple[StaffIdentity, str, datetime] | None:
    """`session_identity` in a transaction of its own: on PostgreSQL one statement on the
    autocommit pool, elsewhere a read transaction."""
    if db.dialect != "postgresql":
        async with db.read() as conn:
            return await session_identity(conn, token_hash, now)
    async with (await db.fast()).connection() as driver:
        cursor = await driver.execute(PG_SESSION_IDENTITY, {"token_hash": token_hash, "now": now})
        return _identity(await cursor.fetchall())


def _identity(rows: Sequence[Any]) -> tuple[StaffIdentity, str, datetime] | None:
    """The identity of the lookup's rows (username, csrf_token, full_name, national, office, role,
    expires_at)."""
    if not rows:
        return None
    username, csrf_token, full_name, national = rows[0][:4]
    roles = {r[4]: Role(r[5]) for r in rows if r[4] is not None}
    identity = StaffIdentity(username, full_name, roles, national=bool(national))
    return identity, csrf_token, rows[0][6]


async def delete_session(conn: AsyncConnection, token_hash: str) -> None:
    """End the session with this token hash."""
    await conn.execute(delete(staff_sessions).where(staff_sessions.c.token_hash == token_hash))


async def delete_sessions_of(conn: AsyncConnection, username: str, now: datetime | None = None) -> None:
    """Sign the account out everywhere (or only drop expired sessions when `now` is given)."""
    query = delete(staff_sessions).where(staff_sessions.c.username == username)
    if now is not None:
        query = query.where(staff_sessions.c.expires_at <= now)
    await conn.execute(query)
