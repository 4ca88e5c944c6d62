"""`unison broadcasts ...` commands: the same rules as /api/broadcasts, plus `run`, the
fan-out in the foreground (what the server's background loop does)."""

import time
from datetime import datetime
from typing import Annotated, Any

import orjson
import typer
from pydantic import ValidationError
from rich.table import Table

from unison.kit.cli import command_transaction, console, err, migrated_sessions
from unison.kit.settings import get_settings
from unison.messaging.broadcasts import service
from unison.messaging.broadcasts.schemas import BroadcastCreate
from unison.messaging.broadcasts.tasks import FanOut

broadcasts_app = typer.Typer(
    help="Broadcasts: a template to a segment, scheduled, throttled, paused, counted.",
    no_args_is_help=True,
)


def _print(data: Any) -> None:
    console.print_json(orjson.dumps(data).decode())


def _variant(text: str) -> dict[str, Any]:
    name, template, split = [*text.split(":"), "", ""][:3]
    if not template.isdigit() or not split.isdigit():
        err.print(f"[red]error:[/red] --variant {text!r}: give NAME:TEMPLATE_ID:SPLIT")
        raise typer.Exit(code=2)
    return {"name": name, "template_id": int(template), "split": int(split)}


@broadcasts_app.command("create")
def create(
    name: Annotated[str, typer.Option(help="the broadcast's name")],
    segment: Annotated[int, typer.Option(help="segment id")],
    template: Annotated[int | None, typer.Option(help="template id (or --variant)")] = None,
    variant: Annotated[
        list[str] | None, typer.Option(help="NAME:TEMPLATE_ID:SPLIT, repeated; splits add to 100")
    ] = None,
    purpose: Annotated[str, typer.Option(help="consent purpose")] = "marketing",
    holdout: Annotated[int, typer.Option(help="holdout percent, 0-50")] = 0,
    at: Annotated[datetime | None, typer.Option(help="send at (ISO, with offset)")] = None,
    local_time: Annotated[
        str | None, typer.Option(help="YYYY-MM-DDTHH:MM in each customer's zone")
    ] = None,
    best_hour: Annotated[bool, typer.Option(help="each at their learned best hour")] = False,
    rate: Annotated[int | None, typer.Option(help="messages per second at most")] = None,
    locale: Annotated[list[str] | None, typer.Option(help="locale fallback chain")] = None,
) -> None:
    """Create a broadcast; the fan-out (`unison serve` or `unison broadcasts run`) sends it."""
    raw = {
        "name": name,
        "segment_id": segment,
        "template_id": template,
        "variants": [_variant(v) for v in variant or []],
        "purpose": purpose,
        "holdout_percent": holdout,
        "send_at": at,
        "local_time": local_time,
        "best_hour": best_hour,
        "rate_per_second": rate,
        "locales": locale or [],
    }
    try:
        body = BroadcastCreate.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        err.print(f"[red]error:[/red] {'.'.join(map(str, first['loc']))}: {first['msg']}")
        raise typer.Exit(code=2) from None
    with command_transaction() as session:
        made = service.create(session, body, "cli")
    console.print(f"broadcast {made.id} {made.name!r} ({made.timing}) {made.status}")


@broadcasts_app.command("list")
def list_() -> None:
    """Broadcasts, newest first."""
    table = Table("id", "name", "segment", "timing", "status", "created")
    with migrated_sessions()() as session:
        for row in service.listed(session, None, 200).items:
            table.add_row(
                str(row.id),
                row.name,
                str(row.segment_id),
                row.timing,
                row.status,
                row.created_at.isoformat(timespec="seconds"),
            )
    console.print(table)


@broadcasts_app.command("show")
def show(broadcast_id: int) -> None:
    """One broadcast with its live counts, as JSON."""
    with command_transaction() as session:
        found = service.get(session, broadcast_id)
    _print(found.model_dump(mode="json"))


def _change(broadcast_id: int, to: str) -> None:
    with command_transaction() as session:
        changed = service.change(session, broadcast_id, to)
    console.print(f"broadcast {changed.id} {changed.status}")


@broadcasts_app.command("pause")
def pause(broadcast_id: int) -> None:
    """Stop the fan-out and hold queued, unsent messages."""
    _change(broadcast_id, "paused")


@broadcasts_app.command("resume")
def resume(broadcast_id: int) -> None:
    """Go on and release the held messages."""
    _change(broadcast_id, "running")


@broadcasts_app.command("cancel")
def cancel(broadcast_id: int) -> None:
    """Stop for good; queued or held messages are cancelled."""
    _change(broadcast_id, "cancelled")


@broadcasts_app.command("run")
def run(
    wait: Annotated[
        bool, typer.Option(help="keep going until no broadcast is scheduled or running")
    ] = False,
) -> None:
    """Fan out every due broadcast in the foreground until nothing is due now."""
    settings = get_settings()
    fan_out = FanOut(migrated_sessions(), settings)
    total = 0
    while True:
        done = fan_out()
        total += done
        if done:
            continue
        if not wait or not fan_out.unfinished():
            break
        time.sleep(settings.broadcasts_poll_seconds)  # throttled or due later: idle
    console.print(f"{total} profiles handled")
