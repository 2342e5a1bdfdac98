"""Staff roles and the rules for accounts: who may do what, in which office.

A role is held per office (an account may serve several offices); a higher role includes the
lower ones: officer < supervisor < admin.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from zxcvbn import zxcvbn

from loket.domain.errors import Forbidden, invalid


class Role(StrEnum):
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return ROLE_RANK[self]


ROLE_RANK = {Role.OFFICER: 1, Role.SUPERVISOR: 2, Role.ADMIN: 3}
MIN_PASSWORD_LENGTH = 10
# zxcvbn's score (0-4) a password needs: 3 is "safely unguessable" against online and slow-hash
# offline attacks (argon2id). Only the first 100 characters are scored (its cost grows with length).
MIN_SCORE = 3
MAX_CHECKED = 100
_USERNAME = re.compile(r"^[a-z][a-z0-9._-]{2,39}$")


@dataclass(frozen=True)
class StaffIdentity:
    """A signed-in staff member and the role held in each office."""

    username: str
    full_name: str
    roles: Mapping[str, Role] = field(default_factory=dict)
    # A national administrator runs the deployment (offices, banks, tariffs, the national
    # calendar); it holds no office role by that alone.
    national: bool = False

    def role_in(self, office_code: str) -> Role | None:
        return self.roles.get(office_code)

    def may(self, office_code: str, needed: Role) -> bool:
        """True when the role held in `office_code` is `needed` or higher."""
        held = self.roles.get(office_code)
        return held is not None and held.rank >= needed.rank


def check_role(raw: str, field_name: str = "role") -> Role:
    try:
        return Role(raw)
    except ValueError as exc:
        raise invalid(
            field_name, "role_invalid", "Choose one of: %(choices)s", choices=", ".join(r.value for r in Role)
        ) from exc


def check_username(raw: str) -> str:
    """Lower-case letters, digits, dots, hyphens and underscores; 3 to 40 characters."""
    name = (raw or "").strip().lower()
    if not _USERNAME.match(name):
        raise invalid(
            "username",
            "username_invalid",
            "A username is 3 to 40 lower-case letters, digits, dots, hyphens or underscores",
        )
    return name


def check_password(password: str, username: str) -> str:
    """At least MIN_PASSWORD_LENGTH characters, not the username, not easy to guess."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise invalid(
            "password",
            "password_too_short",
            "A password has at least %(min)d characters",
            min=MIN_PASSWORD_LENGTH,
        )
    if username and username.lower() in password.lower():
        raise invalid("password", "password_has_username", "The password must not contain the username")
    # zxcvbn (Dropbox's estimator, pure Python, with its lists of common passwords, names and
    # words): `aaaaaaaaaa`, `1234567890` and `password12` score 0 or 1.
    context = [username, "loket", "imigrasi", "paspor"]
    if zxcvbn(password[:MAX_CHECKED], user_inputs=context)["score"] < MIN_SCORE:
        raise invalid(
            "password",
            "password_weak",
            "This password is too easy to guess: use a longer phrase of unrelated words",
        )
    return password


def check_full_name(raw: str) -> str:
    """A staff member's display name: 1 to 120 printable characters (digits allowed: "Petugas 2")."""
    name = " ".join((raw or "").split())
    if not name or len(name) > 120 or not name.isprintable():
        raise invalid("full_name", "name_missing", "A name is required")
    return name


def require(identity: StaffIdentity, office_code: str, needed: Role) -> None:
    """Forbidden unless `identity` holds `needed` (or higher) in the office."""
    if not identity.may(office_code, needed):
        raise Forbidden(
            "forbidden", "Your account may not do this in office %(office)s", field=None, office=office_code
        )


def grantable(granter: StaffIdentity, office_code: str, role: Role) -> None:
    """An admin grants any role in its office; nobody grants a role above their own."""
    require(granter, office_code, Role.ADMIN)
    held = granter.role_in(office_code)
    if held is None or role.rank > held.rank:
        raise Forbidden("forbidden", "You may not grant a role above your own", field="role")


def require_national(identity: StaffIdentity) -> None:
    """Forbidden unless `identity` is a national administrator."""
    if not identity.national:
        raise Forbidden("forbidden", "Only a national administrator may do this", field=None)
def sign_in_delay_s(failures: int, free: int, cap_s: int) -> int:
    """Seconds before the next sign-in attempt of a name from one address is checked, after
    `failures` failures in a row: none for the first `free - 1`, then 1, 2, 4, 8... up to `cap_s`.
    A growing delay rather than a lock of the account: a stranger cannot keep its owner out."""
    if failures < free:
        return 0
    return int(min(2 ** min(failures - free, 30), cap_s))
