"""`loket staff`: staff accounts and their roles per office."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from loket.cli.runner import catalog, console, fail, run, user_language
from loket.clock import utcnow
from loket.formatting import local_datetime
from loket.settings import get_settings

staff_app = typer.Typer(help="Staff accounts and their roles.", no_args_is_help=True)


@staff_app.command("add")
def staff_add(
    office: Annotated[str, typer.Option(help="Office code, e.g. PLG")],
    role: Annotated[str, typer.Option(help="officer, supervisor or admin")],
    username: Annotated[str, typer.Option(help="Login name: lower-case letters, digits, . _ -")],
    full_name: Annotated[str | None, typer.Option(help="The person's name (default: the username)")] = None,
) -> None:
    """Create a staff account with a role in an office; asks for the password (never on the command line)."""
    from loket.services.staff import create_staff

    password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    run(
        lambda db: create_staff(
            db,
            office_code=office.upper(),
            username=username,
            full_name=full_name or username,
            password=password,
            role=role,
            now=utcnow(),
        )
    )
    console.print(f"{username} is {role} at {office.upper()}")


@staff_app.command("grant")
def staff_grant(
    office: Annotated[str, typer.Option(help="Office code")],
    role: Annotated[str, typer.Option(help="officer, supervisor or admin")],
    username: Annotated[str, typer.Option(help="An existing account")],
) -> None:
    """Give an existing account a role in another office (or change its role there)."""
    from loket.services.staff import grant_role

    # The catalog's publisher tells the servers to forget the sessions they kept (the new role bites).
    run(
        lambda db: grant_role(
            db,
            office_code=office.upper(),
            username=username,
            role=role,
            now=utcnow(),
            catalog=catalog(get_settings()),
        )
    )
    console.print(f"{username} is {role} at {office.upper()}")


@staff_app.command("password")
def staff_password(username: Annotated[str, typer.Option(help="The account")]) -> None:
    """Set a new password (asked for, twice) and sign the account out everywhere."""
    from loket.services.staff import set_password

    password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    run(
        lambda db: set_password(
            db, username=username, password=password, now=utcnow(), catalog=catalog(get_settings())
        )
    )
    console.print(f"password of {username} changed")


@staff_app.command("list")
def staff_list(office: Annotated[str, typer.Option(help="Office code")]) -> None:
    """List an office's staff and their roles."""
    from loket.services.staff import office_staff

    for row in run(lambda db: office_staff(db, office.upper())):
        console.print(f"{row['username']}\t{row['role']}\t{row['full_name']}")


@staff_app.command("invite")
def staff_invite(
    office: Annotated[str | None, typer.Option(help="Office code, e.g. DJJ")] = None,
    role: Annotated[str | None, typer.Option(help="officer, supervisor or admin")] = None,
    email: Annotated[str | None, typer.Option(help="The person's e-mail address")] = None,
    csv_file: Annotated[
        Path | None, typer.Option("--csv", help="Invite everyone of a CSV with the header email,office,role")
    ] = None,
    hours: Annotated[int, typer.Option(help="Hours the link stays valid")] = 72,
) -> None:
    """Invite staff: a single-use link, valid --hours, where the person sets their own password."""
    from loket.services.invitations import invite, invite_csv

    settings = get_settings()
    if csv_file is not None:
        if office or role or email:
            raise fail("give either --csv or --office/--role/--email")
        text = csv_file.read_text(encoding="utf-8")
        found = run(
            lambda db: invite_csv(db, text, base_url=settings.public_url, now=utcnow()), settings=settings
        )
    else:
        if not (office and role and email):
            raise fail("--office, --role and --email are needed (or --csv FILE)")
        if not 1 <= hours <= 24 * 14:
            raise typer.BadParameter("1 to 336 hours", param_hint="--hours")
        found = [
            run(
                lambda db: invite(
                    db,
                    office_code=office.upper(),
                    role=role,
                    email=email,
                    base_url=settings.public_url,
                    now=utcnow(),
                    hours=hours,
                ),
                settings=settings,
            )
        ]
    for inv in found:
        console.print(
            f"{inv.email}\t{inv.role}@{inv.office_code}"
            f"\t{local_datetime(inv.expires_at, inv.timezone, user_language())}\t{inv.link}",
            highlight=False,
            soft_wrap=True,
        )


@staff_app.command("national-admin")
def staff_national_admin(
    username: Annotated[str, typer.Option(help="An existing account")],
    revoke: Annotated[bool, typer.Option("--revoke", help="Withdraw the role instead")] = False,
) -> None:
    """Make an account a national administrator (offices, banks, tariffs, the national calendar)."""
    from loket.services.national_admins import grant_national_admin, revoke_national_admin

    if revoke:
        run(lambda db: revoke_national_admin(db, username, now=utcnow(), catalog=catalog(get_settings())))
        console.print(f"{username} is no longer a national administrator")
        return
    run(lambda db: grant_national_admin(db, username, now=utcnow(), catalog=catalog(get_settings())))
    console.print(f"{username} is a national administrator")
