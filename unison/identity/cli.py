"""`unison identity`: what identity resolution found (shared devices)."""

from typing import Annotated

import typer
from rich.table import Table

from unison.identity import repository
from unison.kit.cli import console, migrated_sessions

identity_app = typer.Typer(help="Identity resolution.", no_args_is_help=True)


@identity_app.command("shared")
def shared_identifiers(
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
) -> None:
    """Device ids found shared (seen with too many people): they link no profiles."""
    table = Table("type", "value", "seen with", "event", "group rebuilt", "undone merges")
    with migrated_sessions()() as session:
        for row in repository.list_shared(session, before_id=None, limit=limit):
            table.add_row(
                row.type,
                row.value,
                f"{row.identities} {row.strong_type}",
                str(row.event_id),
                "" if row.profile_id is None else str(row.profile_id),
                str(row.undone_merges),
            )
    console.print(table)
