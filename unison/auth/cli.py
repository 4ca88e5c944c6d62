"""`unison users ...`: the staff who log in to the console."""

import sys
from typing import Annotated

import typer
from rich.table import Table

from unison.auth import audit, staff
from unison.kit.cli import console, err, fail, migrated_sessions
from unison.kit.db import transaction
from unison.kit.errors import UnisonError

users_app = typer.Typer(help="Console users (staff) and their roles.", no_args_is_help=True)
CLI_ACTOR = "cli:users"  # who the audit log names for changes made from this command


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    return password


@users_app.command("create")
def users_create(
    name: str,
    role: Annotated[str, typer.Option(help="admin, marketer, analyst or agent")] = "agent",
    email: Annotated[str | None, typer.Option(help="for the record; optional")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from standard input")
    ] = False,
) -> None:
    """Create a console user (the password is prompted for, or read with --password-stdin)."""
    password = _password(password_stdin)
    try:
        with transaction(migrated_sessions()) as session:
            user = staff.create_user(session, name, role, password, email)
            audit.record(session, CLI_ACTOR, "user.create", f"user:{user.name}", {"role": role})
    except UnisonError as exc:
        raise fail(exc) from None
    console.print(f"user {name!r} ({role}) created; log in at /console", highlight=False)


@users_app.command("list")
def users_list() -> None:
    """List console users."""
    table = Table("name", "role", "email", "disabled", "created")
    with transaction(migrated_sessions()) as session:
        for u in staff.list_users(session):
            table.add_row(
                u.name, u.role, u.email or "", "yes" if u.disabled else "", u.created_at.isoformat()
            )
    console.print(table)


@users_app.command("set-password")
def users_set_password(
    name: str,
    password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
) -> None:
    """Set a user's password (their sessions end)."""
    password = _password(password_stdin)
    try:
        with transaction(migrated_sessions()) as session:
            staff.set_password(session, name, password)
            audit.record(session, CLI_ACTOR, "user.password", f"user:{name}")
    except UnisonError as exc:
        raise fail(exc) from None
    err.print(f"password of {name!r} set")
