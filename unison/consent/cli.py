"""`unison consent ...` and `unison privacy ...` commands."""

import sys
from pathlib import Path
from typing import Annotated

import orjson
import typer

from unison.consent import service
from unison.consent.privacy import service as privacy
from unison.kit.cli import command_transaction, console, err, migrated_sessions
from unison.kit.db import transaction
from unison.kit.errors import UnisonError

consent_app = typer.Typer(help="The consent ledger.", no_args_is_help=True)
privacy_app = typer.Typer(help="Data-subject requests: export and erasure.", no_args_is_help=True)


@consent_app.command("verify")
def verify() -> None:
    """Recompute every profile's hash chain and report any break (exit 1 if one is found)."""
    with migrated_sessions()() as session:
        result = service.verify(session)
    for item in result.breaks:
        where = f"record {item.record_id}" if item.record_id else "chain head"
        console.print(f"BREAK profile {item.profile_id} seq {item.seq} ({where}): {item.problem}")
    console.print(
        f"{result.chains:,} chains, {result.records:,} records, {len(result.breaks)} breaks"
    )
    if result.breaks:
        raise typer.Exit(code=1)


@privacy_app.command("export")
def export(
    profile: Annotated[int, typer.Argument(help="any id of the person's profile")],
    out: Annotated[Path | None, typer.Option(help="file to write (default: stdout)")] = None,
) -> None:
    """Everything held about a person as one JSON bundle."""
    with command_transaction() as session:
        bundle = privacy.export(session, profile, "cli")
    data = orjson.dumps(bundle, option=orjson.OPT_INDENT_2)
    if out is None:
        sys.stdout.buffer.write(data + b"\n")
    else:
        out.write_bytes(data)
        err.print(f"wrote {out}")


@privacy_app.command("erase")
def erase(
    profile: Annotated[int, typer.Argument(help="any id of the person's profile")],
    yes: Annotated[bool, typer.Option("--yes", help="confirm; erasure cannot be undone")] = False,
) -> None:
    """Remove or anonymize a person everywhere (keeps only hashed suppression entries)."""
    if not yes:
        err.print("erasure cannot be undone: add --yes")
        raise typer.Exit(code=2)
    sessions = migrated_sessions()
    try:
        with transaction(sessions) as session:
            result = privacy.erase(session, profile, "cli")
    except UnisonError as exc:
        err.print(f"[red]error:[/red] {exc.detail}")
        raise typer.Exit(code=2) from None
    engine = sessions.kw["bind"]
    result["storage_scrubbed"] = privacy.scrub_storage(engine)
    console.print_json(data=result)
