"""`unison templates ...` commands: the same rules as /api/templates."""

from pathlib import Path
from typing import Annotated, TypeVar

import orjson
import typer
from pydantic import BaseModel, ValidationError
from rich.table import Table

from unison.kit.cli import (
    command_session,
    command_transaction,
    console,
    err,
    fail,
    migrated_sessions,
    print_json,
)
from unison.kit.errors import UnisonError
from unison.kit.settings import get_settings
from unison.messaging.templates import schemas, service

templates_app = typer.Typer(
    help="Message templates: channels, locale variants, versions, previews.",
    no_args_is_help=True,
)
M = TypeVar("M", bound=BaseModel)
JsonFile = Annotated[Path, typer.Argument(help="a JSON file (- for standard input)")]


def _read(path: Path, model: type[M]) -> M:
    raw = typer.get_binary_stream("stdin").read() if str(path) == "-" else path.read_bytes()
    try:
        return model.model_validate(orjson.loads(raw))
    except orjson.JSONDecodeError as exc:
        err.print(f"[red]error:[/red] {path} is not JSON: {exc}")
        raise typer.Exit(code=2) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        err.print(f"[red]error:[/red] {where}: {first['msg']}")
        raise typer.Exit(code=2) from None


@templates_app.command("create")
def create(path: JsonFile) -> None:
    """Create a template from JSON: {name, channel, variants, default_locale?, ...}."""
    body = _read(path, schemas.TemplateCreate)
    with command_transaction() as session:
        made = service.create(session, get_settings(), body, "cli")
    console.print(f"template {made.id} {made.name!r} ({made.channel}), version 1")


@templates_app.command("update")
def update(template_id: int, path: JsonFile) -> None:
    """Store a template's next version from JSON (fields left out carry over)."""
    body = _read(path, schemas.TemplateUpdate)
    with command_transaction() as session:
        made = service.update(session, get_settings(), template_id, body, "cli")
    console.print(f"template {made.id} {made.name!r}: version {made.current.version}")


@templates_app.command("list")
def list_templates(
    channel: Annotated[str | None, typer.Option(help="only this channel")] = None,
) -> None:
    """Every template with its current version and locales."""
    table = Table("id", "name", "channel", "version", "locales")
    with migrated_sessions()() as session:
        after = None
        while found := service.listed(session, channel, after, 500):
            for t in found:
                locales = ", ".join(t.current.variants)
                table.add_row(str(t.id), t.name, t.channel, str(t.current.version), locales)
            after = found[-1].id
    console.print(table)


@templates_app.command("show")
def show(template_id: int) -> None:
    """A template and its current version, as JSON."""
    with command_session() as session:
        print_json(service.get(session, template_id).model_dump(mode="json"))


@templates_app.command("versions")
def versions(template_id: int) -> None:
    """Every version of a template, newest first."""
    with command_session() as session:
        found = service.versions(session, template_id)
    table = Table("version", "name", "locales", "created", "by")
    for v in found:
        table.add_row(
            str(v.version), v.name, ", ".join(v.variants), v.created_at.isoformat(), v.created_by
        )
    console.print(table)


@templates_app.command("preview")
def preview(
    template_id: int,
    profile: Annotated[int, typer.Option(help="the profile whose data fills it")],
    locale: Annotated[str | None, typer.Option(help="render this locale's variant")] = None,
    event: Annotated[
        Path | None, typer.Option(help="a sample event, JSON file", exists=True, dir_okay=False)
    ] = None,
    version: Annotated[int | None, typer.Option(min=1)] = None,
) -> None:
    """Render a template for a profile (SMS: encoding and segments)."""
    try:
        sample = orjson.loads(event.read_bytes()) if event else None
        request = schemas.TemplatePreviewRequest(
            profile_id=profile, locale=locale, event=sample, version=version
        )
        with migrated_sessions()() as session:
            shown = service.preview(session, get_settings(), template_id, request)
    except orjson.JSONDecodeError as exc:
        err.print(f"[red]error:[/red] --event is not JSON: {exc}")
        raise typer.Exit(code=2) from None
    except ValidationError as exc:
        err.print(f"[red]error:[/red] {exc.errors()[0]['msg']}")
        raise typer.Exit(code=2) from None
    except UnisonError as exc:
        raise fail(exc) from None
    print_json(shown.model_dump(mode="json"))
