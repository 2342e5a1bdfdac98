"""National administrators: the accounts that run the deployment (offices, banks, tariffs, the
national calendar) beside the office-bound roles. Granted by the local operator (the CLI) or by
another national administrator; audited under office `*`."""

from __future__ import annotations

from datetime import datetime

from loket.domain.errors import Conflict, NotFound
from loket.domain.staff import StaffIdentity, require_national
from loket.services.audit import NATIONAL, record
from loket.services.catalog import Catalog
from loket.services.staff import forget_sessions
from loket.store import national_repo, staff_repo
from loket.store.database import Database


async def grant_national_admin(
    db: Database,
    username: str,
    *,
    now: datetime,
    granter: StaffIdentity | None = None,
    catalog: Catalog | None = None,
) -> None:
    """Make an existing account a national administrator."""
    if granter is not None:
        require_national(granter)
    actor = granter.username if granter else "cli"
    async with db.write() as conn:
        if await staff_repo.account(conn, username) is None:
            raise NotFound(
                "staff_not_found", "No staff account %(username)s", field="username", username=username
            )
        if not await national_repo.grant_national_admin(conn, username, actor=actor, now=now):
            raise Conflict(
                "already_national_admin",
                "%(username)s is already a national administrator",
                field="username",
                username=username,
            )
        forget_sessions(conn, catalog)
        await record(
            conn, office_code=NATIONAL, actor=actor, action="staff.national_grant", subject=username, now=now
        )


async def revoke_national_admin(
    db: Database,
    username: str,
    *,
    now: datetime,
    granter: StaffIdentity | None = None,
    catalog: Catalog | None = None,
) -> None:
    """Withdraw the national administrator role (sessions keep only the office roles)."""
    if granter is not None:
        require_national(granter)
    actor = granter.username if granter else "cli"
    async with db.write() as conn:
        if not await national_repo.revoke_national_admin(conn, username):
            raise NotFound(
                "not_national_admin",
                "%(username)s is not a national administrator",
                field="username",
                username=username,
            )
        forget_sessions(conn, catalog)
        await record(
            conn, office_code=NATIONAL, actor=actor, action="staff.national_revoke", subject=username, now=now
        )
