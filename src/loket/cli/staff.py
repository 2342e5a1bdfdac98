"""`loket staff`: staff accounts and their roles per office."""

from __future__ import annotations

from typing import Annotated

import typer

from loket.cli.runner import console, run
from loket.clock import utcnow

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

    run(lambda db: grant_role(db, office_code=office.upper(), username=username, role=role, now=utcnow()))
    console.print(f"{username} is {role} at {office.upper()}")


@staff_app.command("password")
def staff_password(username: Annotated[str, typer.Option(help="The account")]) -> None:
    """Set a new password (asked for, twice) and sign the account out everywhere."""
    from loket.services.staff import set_password

    password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    run(lambda db: set_password(db, username=username, password=password, now=utcnow()))
    console.print(f"password of {username} changed")


@staff_app.command("list")
def staff_list(office: Annotated[str, typer.Option(help="Office code")]) -> None:
    """List an office's staff and their roles."""
    from loket.services.staff import office_staff

    for row in run(lambda db: office_staff(db, office.upper())):
        console.print(f"{row['username']}\t{row['role']}\t{row['full_name']}")
