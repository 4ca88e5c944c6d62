"""`unison segments ...` commands."""

from datetime import datetime
from typing import Annotated

import orjson
import typer
from rich.table import Table

from unison.kit.cli import (
    change,
    command_session,
    command_transaction,
    console,
    fail,
    migrated_sessions,
    print_json,
)
from unison.kit.clock import ensure_utc, utcnow
from unison.kit.errors import UnisonError
from unison.kit.settings import get_settings
from unison.segments import repository as rows
from unison.segments import service
from unison.segments.language import SegmentDefinitionInvalid, to_text
from unison.segments.language.nodes import Condition
from unison.segments.realtime import scheduler

segments_app = typer.Typer(help="Segments, computed traits and RFM.", no_args_is_help=True)
rfm_app = typer.Typer(help="The built-in RFM model.", no_args_is_help=True)
segments_app.add_typer(rfm_app, name="rfm")

Definition = Annotated[str | None, typer.Option(help="the condition as JSON")]
Text = Annotated[
    str | None, typer.Option(help='the condition as text, e.g. trait("city") == "Tbilisi"')
]


def _condition(definition: str | None, text: str | None) -> Condition:
    data = None
    if definition is not None:
        try:
            data = orjson.loads(definition)
        except orjson.JSONDecodeError as exc:
            raise SegmentDefinitionInvalid(
                f"--definition is not JSON: {exc}", field="definition"
            ) from None
    return service.read_definition(data, text)


@segments_app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="a unique name")],
    definition: Definition = None,
    text: Text = None,
    description: Annotated[str, typer.Option()] = "",
) -> None:
    """Create a segment and compute its members."""
    with command_transaction() as session:
        row, outcome = service.create(
            session, get_settings(), name, description, _condition(definition, text), utcnow()
        )
    console.print(
        f"segment {row.id} {row.name!r}: {outcome.members:,} members ({outcome.seconds:.2f} s)"
    )


@segments_app.command("list")
def list_segments() -> None:
    """Every segment with its member count."""
    with migrated_sessions()() as session:
        table = Table("id", "name", "members", "definition")
        for row in rows.segments(session):
            table.add_row(str(row.id), row.name, f"{row.member_count:,}", row.text)
    console.print(table)


@segments_app.command("show")
def show(segment_id: int) -> None:
    """One segment's definition (JSON and text) and counts."""
    with command_session() as session:
        row = service.get(session, segment_id)
        console.print(f"{row.id} {row.name!r}: {row.member_count:,} members, version {row.version}")
        console.print(row.text)
        print_json(row.definition)


@segments_app.command("preview")
def preview(definition: Definition = None, text: Text = None, sample: int = 10) -> None:
    """Count and sample the profiles a definition selects, without saving it."""
    try:
        condition = _condition(definition, text)
        with migrated_sessions()() as session:
            count, found = service.preview(session, get_settings(), condition, utcnow(), sample)
    except UnisonError as exc:
        raise fail(exc) from None
    console.print(to_text(condition))
    console.print(f"{count:,} profiles; sample: {', '.join(map(str, found)) or '-'}")


@segments_app.command("members")
def members(segment_id: int, limit: int = 100) -> None:
    """Member profile ids (first `limit`)."""
    with migrated_sessions()() as session:
        for member in rows.members_page(session, segment_id, None, limit):
            console.print(f"{member.profile_id}\t{member.entered_at.isoformat()}")


@segments_app.command("delete")
def delete(segment_id: int) -> None:
    """Delete a segment (history kept)."""
    change(service.delete, segment_id, said=f"segment {segment_id} deleted")


@segments_app.command("recompute")
def recompute(
    segment_id: Annotated[int | None, typer.Argument(help="default: all")] = None,
) -> None:
    """Recompute members from scratch with the compiled SQL."""
    settings = get_settings()
    with command_transaction() as session:
        targets = [service.get(session, segment_id)] if segment_id else rows.segments(session)
        for row in targets:
            outcome = service.recompute(session, settings, row, utcnow())
            console.print(
                f"{row.name}: {outcome.members:,} members, +{outcome.entered:,} "
                f"-{outcome.exited:,} ({outcome.seconds:.2f} s)"
            )


@segments_app.command("tick")
def tick(
    at: Annotated[
        str | None, typer.Option(help="ISO moment to run the clock at (default now)")
    ] = None,
) -> None:
    """Fire due window timers (the worker does this every second)."""
    now = ensure_utc(datetime.fromisoformat(at.replace("Z", "+00:00"))) if at else utcnow()
    fired = scheduler.fire_due(migrated_sessions(), get_settings(), now)
    console.print(f"{fired:,} timers fired")


@rfm_app.command("refresh")
def rfm_refresh() -> None:
    """Recompute RFM quintiles over every buyer and rescore them all."""
    with command_transaction() as session:
        result = service.refresh_rfm(session, get_settings(), utcnow())
    console.print(f"{result['buyers']:,} buyers scored")
    for name, count in sorted(result["cells"].items(), key=lambda kv: -kv[1]):
        console.print(f"  {name}: {count:,}")
    for name, members in result.get("segments_followed", {}).items():
        console.print(f"segment {name!r} recomputed: {members:,} members")
