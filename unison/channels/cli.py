"""`unison connectors ...` commands."""

from typing import Annotated

import typer
from rich.table import Table

from unison.channels import service
from unison.kit.cli import change, command_transaction, console
from unison.kit.settings import get_settings

connectors_app = typer.Typer(
    help="Channel connectors (Telegram, Viber, WhatsApp, email, telephony, helpdesk).",
    no_args_is_help=True,
)


Secret = Annotated[str | None, typer.Option(show_default=False)]


@connectors_app.command("create")
def create(
    type_: Annotated[str, typer.Argument(metavar="TYPE", help=service.TYPE_HELP)],
    name: Annotated[str, typer.Option(help="the connector's name (part of its webhook URL)")],
    token: Secret = None,
    secret: Secret = None,
    app_secret: Secret = None,
    verify_token: Secret = None,
    sender_name: Secret = None,
    phone_number_id: Secret = None,
    region: Annotated[
        str | None, typer.Option(help="ISO country for phone numbers without a country code")
    ] = None,
) -> None:
    """Create a connector; prints its webhook URL and any secret generated for it (once)."""
    given = {
        key: value
        for key, value in (
            ("token", token),
            ("secret", secret),
            ("app_secret", app_secret),
            ("verify_token", verify_token),
            ("sender_name", sender_name),
            ("phone_number_id", phone_number_id),
        )
        if value is not None
    }
    settings = get_settings()
    with command_transaction() as session:
        connector, generated = service.create_connector(
            session, settings, type_, name, given, region
        )
        url = service.webhook_url(settings, connector)
    console.print(f"{type_} connector {name!r} created; webhook URL: {url}", soft_wrap=True)
    for key, value in generated.items():
        console.print(f"generated {key} (shown once): {value}", soft_wrap=True, markup=False)


@connectors_app.command("list")
def list_() -> None:
    """List connectors (which secrets are set, never their values)."""
    settings = get_settings()
    table = Table("id", "type", "name", "region", "secrets set", "webhook URL")
    with command_transaction() as session:
        for c in service.list_connectors(session):
            table.add_row(
                str(c.id),
                c.type,
                c.name,
                c.region or "",
                ", ".join(c.secret_names),
                service.webhook_url(settings, c),
            )
    console.print(table)


@connectors_app.command("delete")
def delete(name: str) -> None:
    """Delete a connector (its events stay in the log)."""
    change(service.delete_connector, name, said=f"connector {name!r} deleted")
