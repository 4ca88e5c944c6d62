"""Customer value: CLV distribution, tiers, the BG/NBD validation chart, p(alive) by cohort
and unit economics by channel, each with its figures as a table and as CSV (clv's services).

The page itself reads only aggregates of the last refresh. What needs a model fit or a pass
over every order (validation, unit economics) is a fragment htmx loads after the page, and
its answer is kept for a few minutes per process: the figures move only with a refresh.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response, StreamingResponse

from unison.api.deps import DbSession, runtime_of
from unison.auth.roles import Permission
from unison.clv import economics, service
from unison.clv.validation import model_label
from unison.console import i18n
from unison.console.errors import not_found
from unison.console.render import render
from unison.console.security import Staff, require
from unison.console.value import charts
from unison.kit.cache import TtlCache
from unison.kit.clock import utcnow
from unison.kit.errors import UnisonError
from unison.segments.export import csv_chunks

router = APIRouter(include_in_schema=False)
Reader = Annotated[Staff, Depends(require(Permission.clv_read))]
HEAVY_SECONDS = 300.0  # validation fits and unit economics, reused this long per process
_heavy: TtlCache[tuple[Any, ...], Any] = TtlCache(HEAVY_SECONDS, limit=64)
CHARTS = ("distribution", "tiers", "cohorts", "validation")


@dataclass(frozen=True)
class Figures:
    distribution: service.Distribution
    tiers: list[service.Group]
    cohorts: list[service.Group]


_figures: TtlCache[tuple[Any, ...], Figures] = TtlCache(HEAVY_SECONDS, limit=16)


def figures(request: Request, session: DbSession) -> Figures:
    """The aggregates of the last refresh, computed once per refresh (they read every
    customer's traits) and kept while the traits' write time stays the same."""
    key = (id(runtime_of(request)), service.figures_version(session))
    found = _figures.get(key)
    if found is None:
        settings = runtime_of(request).settings
        found = Figures(
            service.distribution(session),
            service.tier_summary(session, settings),
            service.p_alive_by_cohort(session),
        )
        _figures.put(key, found)
    return found


def _periods(request: Request) -> dict[str, str]:
    """The validation periods and unit-economics months asked for, else sensible defaults:
    the last 26 weeks as holdout, the last twelve months of acquisition."""
    today = utcnow().date()
    query = request.query_params
    return {
        "calibration_end": query.get("calibration_end")
        or (today - timedelta(weeks=26)).isoformat(),
        "observation_end": query.get("observation_end") or today.isoformat(),
        "from": query.get("from") or _month(today.replace(day=1) - timedelta(days=334)),
        "to": query.get("to") or _month(today),
    }


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _query(periods: dict[str, str]) -> str:
    from urllib.parse import urlencode

    return urlencode(periods)


@router.get("/console/value")
def value_page(request: Request, session: DbSession, staff: Reader) -> Response:
    """The customer-value overview (charts load as fragments)."""
    periods = _periods(request)
    found = figures(request, session)
    context = {
        "distribution": found.distribution,
        "tiers": found.tiers,
        "cohorts": found.cohorts,
        "periods": periods,
        "query": _query(periods),
    }
    return render(request, "value/page.html", context, staff)


def _labels(request: Request, name: str) -> charts.Labels:
    language = i18n.language_of(request)
    return charts.Labels(
        *(i18n.text(language, f"value.{name}.{part}") for part in ("title", "x", "y"))
    )


def _validation(request: Request, session: DbSession, periods: dict[str, str]) -> Any:
    key = (
        "validation",
        id(runtime_of(request)),
        periods["calibration_end"],
        periods["observation_end"],
    )
    found = _heavy.get(key)
    if found is None:
        start, end = (_day(periods[k], k) for k in ("calibration_end", "observation_end"))
        found = service.validation(session, runtime_of(request).settings, start, end)
        _heavy.put(key, found)
    return found


def _day(text: str, field: str) -> date:
    from unison.clv.errors import ClvInputInvalid

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ClvInputInvalid(
            f"{field} {text[:40]!r} is not a date YYYY-MM-DD", field=field
        ) from None


def _economics(request: Request, session: DbSession, periods: dict[str, str]) -> Any:
    key = ("economics", id(runtime_of(request)), periods["from"], periods["to"])
    found = _heavy.get(key)
    if found is None:
        settings = runtime_of(request).settings
        found = economics.unit_economics(session, settings, periods["from"], periods["to"])
        _heavy.put(key, found)
    return found


def _chart_svg(request: Request, session: DbSession, name: str, periods: dict[str, str]) -> str:
    labels = _labels(request, name)
    if name == "distribution":
        found = figures(request, session).distribution
        return charts.cached_histogram(found.edges, found.counts, labels)
    if name == "tiers":
        tiers = figures(request, session).tiers
        return charts.cached_bars([t.name for t in tiers], [t.customers for t in tiers], labels)
    if name == "cohorts":
        cohorts = figures(request, session).cohorts
        return charts.cached_bars([c.name for c in cohorts], [c.mean for c in cohorts], labels)
    report = _validation(request, session, periods)
    rows = report.rows
    language = i18n.language_of(request)
    series = [
        (i18n.text(language, "value.validation.actual"), [r.actual for r in rows]),
        (model_label(report.model), [r.predicted for r in rows]),
    ]
    return charts.cached_lines([r.frequency for r in rows], series, labels)


@router.get("/console/value/chart/{name}")
def chart(request: Request, session: DbSession, staff: Reader, name: str) -> Response:
    """One chart as inline SVG (htmx swaps it into its box)."""
    if name not in CHARTS:
        return not_found(request, staff)
    periods = _periods(request)
    try:
        svg = _chart_svg(request, session, name, periods)
    except UnisonError as exc:
        return render(request, "value/_problem.html", {"error": exc.detail}, staff)
    context: dict[str, Any] = {"svg": svg, "name": name, "rows": None}
    if name == "validation":
        context["rows"] = _validation(request, session, periods).rows
    return render(request, "value/_chart.html", context, staff)


@router.get("/console/value/economics")
def economics_fragment(request: Request, session: DbSession, staff: Reader) -> Response:
    """Unit economics by first-touch channel for the months asked (htmx loads it)."""
    periods = _periods(request)
    try:
        currency, rows = _economics(request, session, periods)
    except UnisonError as exc:
        return render(request, "value/_problem.html", {"error": exc.detail}, staff)
    context = {"currency": currency, "rows": rows, "periods": periods}
    return render(request, "value/_economics.html", context, staff)


def _csv(name: str, header: list[str], rows: Iterable[list[Any]]) -> Response:
    body = [[_cell(v) for v in row] for row in rows]
    return StreamingResponse(
        csv_chunks(header, body),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _table(request: Request, session: DbSession, name: str) -> tuple[list[str], list[list[Any]]]:
    periods = _periods(request)
    if name == "distribution":
        d = figures(request, session).distribution
        edges = d.edges
        rows = [[edges[i], edges[i + 1], n] for i, n in enumerate(d.counts)]
        return [f"{d.trait}_from", f"{d.trait}_to", "customers"], rows
    if name == "tiers":
        tiers = figures(request, session).tiers
        return ["tier", "customers", "mean_clv_12m"], [[t.name, t.customers, t.mean] for t in tiers]
    if name == "cohorts":
        cohorts = figures(request, session).cohorts
        return ["first_seen_month", "customers", "mean_p_alive"], [
            [c.name, c.customers, c.mean] for c in cohorts
        ]
    if name == "validation":
        rows = _validation(request, session, periods).rows
        return ["repeat_purchases", "customers", "actual", "predicted"], [
            [r.frequency, r.customers, r.actual, r.predicted] for r in rows
        ]
    currency, found = _economics(request, session, periods)
    header = ["channel", "currency", "spend", "customers", "cac", "ltv", "ltv_to_cac"]
    header += ["contribution_per_customer", "payback_months"]
    return header, [
        [r.channel, currency, r.spend, r.customers, r.cac, r.ltv, r.ltv_to_cac,
         r.contribution_per_customer, r.payback_months]
        for r in found
    ]  # fmt: skip


@router.get("/console/value/{name}.csv")
def export(request: Request, session: DbSession, staff: Reader, name: str) -> Response:
    """Each figure of the page as CSV."""
    if name not in (*CHARTS, "economics"):
        return not_found(request, staff)
    try:
        header, rows = _table(request, session, name)
    except UnisonError as exc:
        return render(request, "value/_problem.html", {"error": exc.detail}, staff, status_code=409)
    return _csv(f"customer-value-{name}", header, rows)
