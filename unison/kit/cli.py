"""What every `unison` command shares: the consoles, a session factory on an up-to-date
schema, and the one way a domain error ends a command (its message, exit status 2)."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import orjson
import typer
from rich.console import Console
from sqlalchemy.orm import Session, sessionmaker

from unison.kit.db import create_db_engine, make_session_factory, transaction
from unison.kit.errors import UnisonError
from unison.kit.settings import get_settings

console = Console()
err = Console(stderr=True)


def migrated_sessions() -> sessionmaker[Session]:
    """A session factory on an up-to-date schema (migrating is idempotent and cheap)."""
    # Imported here, not at the top: the migrations load every table definition, and kit
    # imports nothing of the domains when it is loaded.
    from unison import migrations

    settings = get_settings()
    engine = create_db_engine(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    migrations.upgrade(engine)
    return make_session_factory(engine)


def fail(exc: UnisonError) -> typer.Exit:
    where = f" ({exc.field})" if exc.field else ""
    err.print(f"[red]error:[/red] {exc.detail}{where}")
    return typer.Exit(code=2)


@contextmanager
def command_transaction() -> Iterator[Session]:
    """A command's one transaction on the migrated database; a domain error ends the command."""
    try:
        with transaction(migrated_sessions()) as session:
            yield session
    except UnisonError as exc:
        raise fail(exc) from None


@contextmanager
def command_session() -> Iterator[Session]:
    """A session for a command that only reads; a domain error ends the command."""
    try:
        with migrated_sessions()() as session:
            yield session
    except UnisonError as exc:
        raise fail(exc) from None


def print_json(data: Any) -> None:
    """`data` as indented, highlighted JSON on standard output."""
    console.print_json(orjson.dumps(data).decode())


def change(action: Callable[[Session, Any], object], target: Any, *, said: str) -> None:
    """A command whose whole work is one domain change on `target`: `action` in the
    command's transaction, then `said` (a domain error ends the command, nothing changed)."""
    with command_transaction() as session:
        action(session, target)
    console.print(said)
