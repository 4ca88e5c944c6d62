"""The `unison` command."""

import secrets
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn
from rich.table import Table
from sqlalchemy.orm import Session, sessionmaker

from unison.auth import service as tokens
from unison.auth import staff as staff_users
from unison.auth.cli import users_app
from unison.channels.cli import connectors_app
from unison.clv.cli import clv_app, report_app
from unison.consent.cli import consent_app, privacy_app
from unison.events.importing import detect_format, import_file, mapped_source, parse_mapping
from unison.identity.cli import identity_app
from unison.kit.cli import change, command_transaction, console, err, fail, migrated_sessions
from unison.kit.db import transaction
from unison.kit.errors import UnisonError
from unison.kit.settings import get_settings
from unison.messaging.broadcasts.cli import broadcasts_app
from unison.messaging.templates.cli import templates_app
from unison.segments.cli import segments_app
from unison.sources import service as sources
from unison.sources.errors import SourceNotFound
from unison.sources.ref import SourceRef

app = typer.Typer(help="Unison: one customer profile, every channel.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
sources_app = typer.Typer(help="Event sources and their write keys.", no_args_is_help=True)
tokens_app = typer.Typer(help="Bearer tokens for /api.", no_args_is_help=True)
demo_app = typer.Typer(help="Demo data: `unison demo` loads a small dataset.")
profiles_app = typer.Typer(help="Customer profiles.", no_args_is_help=True)
outbox_app = typer.Typer(help="Outbound messages: delivery and its state.", no_args_is_help=True)
for _name, _group in {
    "db": db_app,
    "sources": sources_app,
    "tokens": tokens_app,
    "demo": demo_app,
    "profiles": profiles_app,
    "identity": identity_app,
    "consent": consent_app,
    "privacy": privacy_app,
    "outbox": outbox_app,
    "connectors": connectors_app,
    "segments": segments_app,
    "clv": clv_app,
    "report": report_app,
    "users": users_app,
    "templates": templates_app,
    "broadcasts": broadcasts_app,
}.items():
    app.add_typer(_group, name=_name)


@privacy_app.callback()
def _register_privacy_domains() -> None:
    """An export or an erasure must cover every domain's tables: the composition root
    registers them all. Imported here, not at the top, so other commands start fast."""
    from unison.app import privacy  # noqa: F401


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="interface to bind")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port")] = None,
    processes: Annotated[
        int | None,
        typer.Option(min=0, max=32, help="processes serving the API; 0 = one per core (max 4)"),
    ] = None,
) -> None:
    """Run the API (collection, read API, health, metrics) on the configured database."""
    from unison.app.serving import serve as run_server
    from unison.kit.logging import configure_logging

    settings = get_settings()
    if processes is not None:
        settings = settings.model_copy(update={"web_processes": processes})
    configure_logging(settings.log_level, json=settings.log_json)
    migrated_sessions()  # migrate first, so an empty embedded database just works
    host, port = host or settings.host, port or settings.port
    console.print(
        f"Unison serving on [bold]http://{host}:{port}[/bold] "
        f"(console at /console, API docs at /docs)"
    )
    run_server(settings, host, port)


@app.command()
def worker(
    batch_size: Annotated[int, typer.Option(min=1, max=50_000)] = 5000,
    poll: Annotated[float, typer.Option(help="seconds between polls when idle")] = 0.05,
    processing: Annotated[
        bool,
        typer.Option("--processing/--no-processing", help="the log processors and segment timers"),
    ] = True,
    delivery: Annotated[
        bool,
        typer.Option(
            "--delivery/--no-delivery",
            help="the outbox with the send-time gate, consent webhooks, broadcasts' fan-out "
            "and the CLV refresh, each as its UNISON_*_ENABLED setting says",
        ),
    ] = False,
) -> None:
    """Run the log processors in this process (start several on PostgreSQL; set
    UNISON_EMBEDDED_WORKER=false on the API nodes). With --delivery it sends too: e.g. a
    dispatcher process beside `unison serve`, with UNISON_OUTBOX_DELIVERY_ENABLED=false on
    the server and UNISON_BROADCASTS_ENABLED=false here, so sending and deciding use a
    core each."""
    if not (processing or delivery):
        console.print("nothing to run: give --processing, --delivery or both")
        raise typer.Exit(2)
    import signal
    import threading

    from unison.app.chain import processor_names
    from unison.app.loops import background_loops
    from unison.kit.heap import freeze_startup_heap
    from unison.kit.logging import configure_logging
    from unison.worker.runner import worker_id

    settings = get_settings()
    configure_logging(settings.log_level, json=settings.log_json)
    sessions = migrated_sessions()
    # The log-processing part of the one list `unison serve` starts (unison/app/loops.py).
    loops = background_loops(
        settings,
        sessions,
        processing=processing,
        delivery=delivery,
        batch_size=batch_size,
        poll_seconds=poll,
    )
    stopping = threading.Event()
    # A signal only sets the flag; each loop then stops between rounds, never inside one.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    names = ", ".join(
        [*(processor_names(settings) if processing else []), *(o.name for o in loops.others)]
    )
    console.print(f"worker {worker_id()} running {names} (Ctrl-C to stop)")
    freeze_startup_heap()
    for loop in loops.all:
        loop.start()
    while not stopping.wait(0.5):  # a timed wait, so the signal handler runs promptly
        pass
    for loop in loops.all:
        loop.stop()
    console.print("worker stopped")


@profiles_app.command("rebuild")
def profiles_rebuild(
    batch_size: Annotated[int, typer.Option(min=1, max=50_000)] = 5000,
) -> None:
    """Forget every profile and rebuild them all from the event log."""
    import time

    from unison.profiles.processor import profile_processor
    from unison.worker.rebuild import rebuild

    started = time.perf_counter()
    count = rebuild(migrated_sessions(), profile_processor(get_settings()), batch_size=batch_size)
    elapsed = time.perf_counter() - started
    console.print(f"rebuilt profiles from {count:,} events in {elapsed:.1f} s")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations to the configured database."""
    migrated_sessions()
    console.print("database is up to date")


@sources_app.command("create")
def sources_create(
    name: str,
    channel: Annotated[str, typer.Option(help="default channel of this source's events")] = "web",
    region: Annotated[
        str | None, typer.Option(help="ISO country for phone numbers without a country code")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="print only the key")] = False,
) -> None:
    """Create a source and print its write key (shown once; only its hash is stored)."""
    with command_transaction() as session:
        _source, key = sources.create_source(session, name, channel, region)
    console.print(key if quiet else f"source {name!r} created; write key: {key}")


@sources_app.command("rotate-key")
def sources_rotate(name: str) -> None:
    """Issue a new write key for a source; the old one stops working."""
    with command_transaction() as session:
        _source, key = sources.rotate_write_key(session, name)
    console.print(f"new write key for {name!r}: {key}")


@sources_app.command("list")
def sources_list() -> None:
    """List sources."""
    table = Table("id", "name", "channel", "write key", "created")
    with command_transaction() as session:
        for s in sources.list_sources(session):
            table.add_row(str(s.id), s.name, s.channel, s.write_key_hint, s.created_at.isoformat())
    console.print(table)


@tokens_app.command("create")
def tokens_create(
    name: str,
    role: Annotated[str, typer.Option(help="admin, marketer, analyst or agent")] = "admin",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="print only the token")] = False,
) -> None:
    """Create a bearer token and print it (shown once; only its hash is stored)."""
    with command_transaction() as session:
        _token, secret = tokens.create_token(session, name, role)
    console.print(secret if quiet else f"token {name!r} ({role}) created: {secret}")


@tokens_app.command("list")
def tokens_list() -> None:
    """List tokens."""
    table = Table("id", "name", "role", "token", "created", "revoked")
    with command_transaction() as session:
        for t in tokens.list_tokens(session):
            revoked = t.revoked_at.isoformat() if t.revoked_at else ""
            table.add_row(
                str(t.id), t.name, t.role, t.token_hint, t.created_at.isoformat(), revoked
            )
    console.print(table)


@tokens_app.command("revoke")
def tokens_revoke(name: str) -> None:
    """Revoke a token at once."""
    change(tokens.revoke_token, name, said=f"token {name!r} revoked")


def _source_ref(sessions: sessionmaker[Session], name: str) -> SourceRef:
    with transaction(sessions) as session:
        row = sources.source_named(session, name)
        if row is None:
            raise fail(SourceNotFound(f"no source named {name!r}; create it first"))
        return SourceRef(row.id, row.name, row.channel)


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    source: Annotated[
        str | None,
        typer.Option(help="name of the source the events belong to (--mapping: pos, crm)"),
    ] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="jsonl or csv")] = None,
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", help="CSV: target=column[:str|number|int|bool|json]"),
    ] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="CSV: target=value")] = None,
    batch_size: Annotated[int, typer.Option(min=1, max=50_000)] = 2000,
    mapping: Annotated[
        str | None, typer.Option(help="a named CSV mapping: pos or crm-contacts (see README)")
    ] = None,
) -> None:
    """Import JSON lines or CSV; idempotent, batched, with per-line errors."""
    sessions = migrated_sessions()
    try:
        file_format = "csv" if mapping else detect_format(file, fmt)
        rules = parse_mapping(map_ or [], set_ or []) if file_format == "csv" else None
        source = mapped_source(sessions, mapping, source)
    except UnisonError as exc:
        raise fail(exc) from None
    ref = _source_ref(sessions, source)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=err,
    ) as progress:
        task = progress.add_task(f"importing {file.name}", total=file.stat().st_size)
        summary = import_file(
            sessions,
            file,
            ref,
            fmt=file_format,
            rules=rules,
            batch_size=batch_size,
            max_event_bytes=get_settings().max_event_bytes,
            on_progress=lambda done: progress.update(task, completed=done),
            mapping=mapping,
        )
        progress.update(task, completed=file.stat().st_size)
    for line, reason in summary.errors[:20]:
        err.print(f"line {line}: {reason}")
    if summary.rejected > 20:
        err.print(f"... {summary.rejected - 20} more rejected lines (see /api/rejected-events)")
    console.print(
        f"{summary.lines:,} lines: {summary.accepted:,} stored, "
        f"{summary.duplicates:,} already stored, {summary.rejected:,} rejected"
    )


DEMO_ADMIN = "admin"


def _demo_console_admin(session: Session) -> str:
    """The demo's first console administrator, with a new random password each run."""
    password = secrets.token_urlsafe(12)
    if any(u.name == DEMO_ADMIN for u in staff_users.list_users(session)):
        staff_users.set_password(session, DEMO_ADMIN, password)
    else:
        staff_users.create_user(session, DEMO_ADMIN, "admin", password)
    return password


@demo_app.callback(invoke_without_command=True)
def demo(
    ctx: typer.Context,
    customers: Annotated[int, typer.Option(min=1)] = 300,
    seed: Annotated[int, typer.Option()] = 42,
) -> None:
    """Load a small demo dataset and print a write key and an admin token to try the API."""
    if ctx.invoked_subcommand is not None:
        return
    from unison.clv.rates import parse_rates_csv, record_rates
    from unison.demo.generator import demo_rates_csv, write_jsonl

    sessions = migrated_sessions()
    with transaction(sessions) as session:
        if sources.source_named(session, "demo") is None:
            _, key = sources.create_source(session, "demo", "web")
        else:
            _, key = sources.rotate_write_key(session, "demo")
        if tokens.list_tokens(session) and any(
            t.name == "demo-admin" for t in tokens.list_tokens(session)
        ):
            _, token = tokens.rotate_token(session, "demo-admin")
        else:
            _, token = tokens.create_token(session, "demo-admin", "admin")
        console_password = _demo_console_admin(session)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo.jsonl"
        count = write_jsonl(path, customers, seed)
        summary = import_file(sessions, path, _source_ref(sessions, "demo"), fmt="jsonl")
    with transaction(sessions) as session:  # the demo's orders are in eight currencies
        rates = record_rates(session, parse_rates_csv(demo_rates_csv()))
    settings = get_settings()
    url = f"http://{settings.host}:{settings.port}"
    # soft_wrap: the curl lines must stay whole to be pasted, whatever the terminal width.
    console.print(
        f"demo data: {customers} customers, {count:,} events "
        f"({summary.accepted:,} new, {summary.duplicates:,} already loaded), "
        f"{rates:,} exchange rates to USD\n"
        f"URL:         {url}  (API docs at /docs)\n"
        f"write key:   {key}\n"
        f"admin token: {token}\n"
        f"console:     {url}/console  user: {DEMO_ADMIN}  password: {console_password}\n"
        "(running `unison demo` again replaces this key, token and password)\n"
        f"try:  curl -u '{key}:' -H 'Content-Type: application/json' "
        f"""-d '{{"userId":"u1","event":"Hello"}}' '{url}/v1/track'\n"""
        f"      curl -H 'Authorization: Bearer {token}' '{url}/api/events?limit=5'",
        soft_wrap=True,
        highlight=False,
        markup=False,
    )


@demo_app.command("generate")
def demo_generate(
    out: Annotated[Path, typer.Option(help="JSON lines file to write")],
    customers: Annotated[int, typer.Option(min=1)] = 1000,
    seed: Annotated[int, typer.Option()] = 42,
    rates: Annotated[
        Path | None, typer.Option(help="also write the demo's exchange rates (CSV) here")
    ] = None,
) -> None:
    """Write a reproducible multichannel history as Segment-shaped JSON lines."""
    from unison.demo.generator import demo_rates_csv, write_jsonl

    count = write_jsonl(out, customers, seed)
    console.print(f"wrote {count:,} events for {customers:,} customers to {out}")
    if rates is not None:
        rates.write_text(demo_rates_csv(), encoding="utf-8")
        console.print(f"wrote the exchange rates to {rates}")


def main() -> None:  # pragma: no cover - console entry point
    app()


@outbox_app.command("deliver")
def outbox_deliver() -> None:
    """Send every due message whose channel is configured (`unison serve` does this itself)."""
    from unison.channels.senders import Suppressions, load_senders
    from unison.consent.ledger.webhooks import RECIPIENT_TYPE, webhook_channel
    from unison.messaging.send_time import GateCheck
    from unison.outbox.channels import typed
    from unison.outbox.delivery import deliver_due

    settings = get_settings()
    sessions, attempted = migrated_sessions(), 0
    senders = load_senders(sessions, settings)
    if not senders:
        console.print(
            "no channel can send: set UNISON_SMTP_HOST for email, or give a telegram, viber "
            "or whatsapp connector its sending token"
        )
        raise typer.Exit(1)
    # consent-change webhooks are the outbox's webhook channel: delivered here too
    while batch := deliver_due(
        sessions,
        settings,
        senders,
        typed(webhook_channel(sessions, settings), {"webhook": [RECIPIENT_TYPE]}),
        unreachable=Suppressions(),
        check=GateCheck(settings),  # the send gate again at send time, as `unison serve`
    ):
        attempted += batch
    console.print(f"attempted {attempted:,} messages on {', '.join(senders.channels)}")


@outbox_app.command("dead")
def outbox_dead(
    limit: int = typer.Option(100, min=1, help="newest first, at most this many"),
) -> None:
    """The dead letters (out of attempts) and permanent failures, with why."""
    from unison.outbox.queue import dead

    table = Table("id", "channel", "status", "attempts", "last error")
    with migrated_sessions()() as session:
        for row in dead(session, limit):
            table.add_row(str(row.id), row.channel, row.status, str(row.attempts), row.last_error)
    console.print(table)


@outbox_app.command("retry")
def outbox_retry(message_id: int = typer.Argument(..., help="the outbox row id")) -> None:
    """Queue a dead or failed message again, due now, with a fresh attempt count."""
    from unison.kit.clock import utcnow
    from unison.outbox.queue import requeue

    with transaction(migrated_sessions()) as session:
        found = requeue(session, message_id, utcnow())
    if not found:
        console.print(f"no dead or failed outbox message with id {message_id}")
        raise typer.Exit(1)
    console.print(f"requeued outbox message {message_id}")


@outbox_app.command("status")
def outbox_status() -> None:
    """Messages in the outbox by channel and status."""
    from unison.outbox.queue import counts

    table = Table("channel", "status", "messages")
    with migrated_sessions()() as session:
        for channel, status, n in counts(session):
            table.add_row(channel, status, f"{n:,}")
    console.print(table)
