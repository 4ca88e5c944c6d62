"""`unison clv ...` and `unison report unit-economics`."""

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from unison.clv import economics, service
from unison.clv import rates as exchange
from unison.clv.validation import model_label, plot
from unison.kit.cli import command_transaction, console, err, fail, migrated_sessions
from unison.kit.db import transaction
from unison.kit.errors import UnisonError
from unison.kit.settings import get_settings

clv_app = typer.Typer(help="Customer lifetime value.", no_args_is_help=True)
spend_app = typer.Typer(help="Acquisition spend per channel and month.", no_args_is_help=True)
rates_app = typer.Typer(
    help="Dated exchange rates into the reporting currency.", no_args_is_help=True
)
report_app = typer.Typer(help="Reports.", no_args_is_help=True)
clv_app.add_typer(spend_app, name="spend")
clv_app.add_typer(rates_app, name="rates")


@clv_app.command("refresh")
def refresh() -> None:
    """Recompute every customer's CLV traits (run it on a schedule, e.g. nightly from cron)."""
    with command_transaction() as session:
        report = service.refresh(session, get_settings())
    used = report.orders
    converted = (
        f" (converted from {', '.join(f'{c} {n:,}' for c, n in sorted(used.converted.items()))})"
        if used.converted
        else ""
    )
    console.print(
        f"{used.used:,} orders in {used.currency or 'no currency'}{converted}; "
        f"{report.historical_profiles:,} profiles with historical value, "
        f"{report.customers:,} with forecasts; {report.traits_written:,} traits written"
    )
    if used.refunds_skipped or used.missing_amount or used.other_currency_skipped:
        console.print(
            f"left out: {used.refunds_skipped} refunds, other currencies "
            f"{used.other_currency_skipped or 'none'}; {used.missing_amount} orders without amount"
        )
    if report.forecast_skipped:
        err.print(f"[yellow]forecasts skipped:[/yellow] {report.forecast_skipped}")
    for name, params in report.models.items():
        console.print(f"{name}: {params}")
    for name, members in report.segments_followed.items():
        console.print(f"segment {name!r} recomputed: {members:,} members")


@clv_app.command("validate")
def validate(
    calibration_end: Annotated[str, typer.Option(help="last calibration day, YYYY-MM-DD")],
    observation_end: Annotated[str, typer.Option(help="last holdout day, YYYY-MM-DD")],
    plot_file: Annotated[
        Path | None, typer.Option("--plot", help="write the chart (.png or .svg)")
    ] = None,
) -> None:
    """Predicted vs actual holdout purchases by calibration frequency."""
    try:
        start, end = date.fromisoformat(calibration_end), date.fromisoformat(observation_end)
    except ValueError as exc:
        err.print(f"[red]error:[/red] dates are YYYY-MM-DD ({exc})")
        raise typer.Exit(code=2) from None
    with command_transaction() as session:
        report = service.validation(session, get_settings(), start, end)
    table = Table(
        "repeat purchases",
        "customers",
        "actual",
        "predicted",
        title=f"holdout {report.holdout:.4g} {report.unit}",
    )
    for row in report.rows:
        table.add_row(
            row.frequency, f"{row.customers:,}", f"{row.actual:.3f}", f"{row.predicted:.3f}"
        )
    console.print(table)
    if plot_file is not None:
        fmt = "svg" if plot_file.suffix.lower() == ".svg" else "png"
        plot_file.write_bytes(
            plot(report.rows, fmt, report.unit, report.holdout, model_label(report.model))
        )
        err.print(f"wrote {plot_file}")


@spend_app.command("import")
def spend_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
) -> None:
    """Import channel,month,amount[,currency] rows; a bad line rejects the whole file."""
    settings = get_settings()
    try:
        entries = economics.parse_spend_csv(file.read_text(encoding="utf-8-sig"), settings)
        with transaction(migrated_sessions()) as session:
            economics.record_spend(session, entries)
    except UnisonError as exc:
        raise fail(exc) from None
    console.print(f"{len(entries):,} spend rows recorded")


@rates_app.command("import")
def rates_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
) -> None:
    """Import date,base,currency,rate rows (1 base = rate currency); a bad line rejects the file."""
    try:
        entries = exchange.parse_rates_csv(file.read_text(encoding="utf-8-sig"))
        with transaction(migrated_sessions()) as session:
            exchange.record_rates(session, entries)
    except UnisonError as exc:
        raise fail(exc) from None
    currencies = sorted({e.currency for e in entries} | {e.base for e in entries})
    days = sorted({e.day for e in entries})
    console.print(
        f"{len(entries):,} exchange rates recorded ({', '.join(currencies)}; "
        f"{days[0].isoformat()}..{days[-1].isoformat()})"
    )


@report_app.command("unit-economics")
def unit_economics(
    from_month: Annotated[str, typer.Option("--from", help="first acquisition month, YYYY-MM")],
    to_month: Annotated[str, typer.Option("--to", help="last acquisition month, YYYY-MM")],
) -> None:
    """CAC, LTV/CAC, payback and contribution margin per first-touch channel."""
    with command_transaction() as session:
        currency, rows = economics.unit_economics(session, get_settings(), from_month, to_month)

    def money(value: float | None) -> str:
        return "—" if value is None else f"{value:,.2f}"

    unit = f" ({currency})" if currency else ""
    table = Table(
        "channel",
        f"spend{unit}",
        "customers",
        f"CAC{unit}",
        f"LTV{unit}",
        "LTV/CAC",
        f"contribution{unit}",
        "payback (months)",
        title=f"unit economics {from_month}..{to_month} ({currency or 'no currency'})",
    )
    for row in rows:
        table.add_row(
            row.channel,
            money(row.spend),
            f"{row.customers:,}",
            money(row.cac),
            money(row.ltv),
            "—" if row.ltv_to_cac is None else f"{row.ltv_to_cac:.2f}",
            money(row.contribution_per_customer),
            "—" if row.payback_months is None else f"{row.payback_months:.1f}",
        )
    console.print(table)
