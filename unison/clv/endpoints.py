"""HTTP routes: refresh CLV traits, the validation report, acquisition spend, unit economics."""

from dataclasses import asdict
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from unison.api.deps import AppRuntime, ClvRead, ClvWrite, DbSession
from unison.api.openapi import raises
from unison.clv import economics, repository, service
from unison.clv import rates as exchange
from unison.clv.errors import (
    ClvInputInvalid,
    ExchangeRateMissing,
    FitDidNotConverge,
    MixedCurrencies,
    NotEnoughData,
)
from unison.clv.schemas import (
    ClvRefresh,
    Rate,
    RateBatch,
    RateList,
    Spend,
    SpendBatch,
    SpendList,
    UnitEconomics,
    Validation,
    ValidationGroup,
)
from unison.clv.validation import model_label, plot

router = APIRouter(tags=["clv"])


@router.post(
    "/api/clv/refresh",
    responses=raises(MixedCurrencies, ExchangeRateMissing),
)
def refresh(
    session: DbSession,
    runtime: AppRuntime,
    _token: ClvWrite,
) -> ClvRefresh:
    """Recompute every customer's CLV traits now (as `unison clv refresh` does)."""
    report = service.refresh(session, runtime.settings)
    return ClvRefresh.model_validate({**asdict(report), "currency": report.orders.currency})


@router.get(
    "/api/clv/validation",
    response_model=Validation,
    responses={
        200: {"content": {"image/png": {}, "image/svg+xml": {}}},
        **raises(
            ClvInputInvalid,
            NotEnoughData,  # too few customers or orders in the periods to fit the model
            FitDidNotConverge,
            MixedCurrencies,
            ExchangeRateMissing,
        ),
    },
)
def validation(
    calibration_end: Annotated[date, Query(description="last day of the calibration period")],
    observation_end: Annotated[date, Query(description="last day of the holdout period")],
    session: DbSession,
    runtime: AppRuntime,
    _token: ClvRead,
    fmt: Annotated[Literal["json", "png", "svg"], Query(alias="format")] = "json",
) -> Validation | Response:
    """Predicted vs actual holdout purchases by calibration frequency, as a table or a chart."""
    report = service.validation(session, runtime.settings, calibration_end, observation_end)
    if fmt != "json":
        media = "image/png" if fmt == "png" else "image/svg+xml"
        return Response(
            plot(report.rows, fmt, report.unit, report.holdout, model_label(report.model)),
            media_type=media,
        )
    return Validation(
        model=report.model.as_dict(),
        log_likelihood=report.model.log_likelihood,
        customers=report.customers,
        holdout=report.holdout,
        unit=report.unit,
        groups=[ValidationGroup(**asdict(row)) for row in report.rows],
    )


@router.post(
    "/api/analytics/acquisition-spend",
    status_code=201,
    responses=raises(ClvInputInvalid),
)
def enter_spend(
    body: SpendBatch,
    session: DbSession,
    runtime: AppRuntime,
    _token: ClvWrite,
) -> SpendList:
    """Record acquisition spend per channel and month (replaces the same channel/month)."""
    entries = [
        economics.spend_entry(
            i.channel, i.month, i.amount, i.currency, runtime.settings, where=f"items[{n}]: "
        )
        for n, i in enumerate(body.items)
    ]
    economics.record_spend(session, entries)
    return SpendList(items=[Spend(**asdict(e)) for e in entries])


@router.get("/api/analytics/acquisition-spend", responses=raises(ClvInputInvalid))
def list_spend(
    session: DbSession,
    _token: ClvRead,
    from_month: Annotated[str | None, Query(alias="from", description="YYYY-MM")] = None,
    to_month: Annotated[str | None, Query(alias="to", description="YYYY-MM")] = None,
) -> SpendList:
    """Acquisition spend entered, by month and channel."""
    first = economics.check_month(from_month, "from") if from_month else None
    last = economics.check_month(to_month, "to") if to_month else None
    rows = repository.spend(session, first, last)
    return SpendList(
        items=[
            Spend(channel=r.channel, month=r.month, amount=r.amount, currency=r.currency)
            for r in rows
        ]
    )


@router.get(
    "/api/analytics/unit-economics",
    responses=raises(ClvInputInvalid, MixedCurrencies, ExchangeRateMissing),
)
def unit_economics(
    from_month: Annotated[str, Query(alias="from", description="first acquisition month, YYYY-MM")],
    to_month: Annotated[str, Query(alias="to", description="last acquisition month, YYYY-MM")],
    session: DbSession,
    runtime: AppRuntime,
    _token: ClvRead,
) -> UnitEconomics:
    """CAC, LTV/CAC, payback and contribution margin per first-touch channel."""
    currency, rows = economics.unit_economics(session, runtime.settings, from_month, to_month)
    return UnitEconomics(
        currency=currency,
        from_month=from_month,
        to_month=to_month,
        channels=rows,
    )


@router.post(
    "/api/clv/exchange-rates",
    status_code=201,
    responses=raises(ClvInputInvalid),
)
def enter_rates(
    body: RateBatch,
    session: DbSession,
    _token: ClvWrite,
) -> RateList:
    """Record dated exchange rates (the same base/currency/day is replaced)."""
    entries = [
        exchange.rate_entry(i.date, i.base, i.currency, i.rate, where=f"items[{n}]: ")
        for n, i in enumerate(body.items)
    ]
    exchange.record_rates(session, entries)
    return RateList(
        items=[Rate(date=e.day, base=e.base, currency=e.currency, rate=e.rate) for e in entries]
    )


@router.get("/api/clv/exchange-rates", responses=raises(ClvInputInvalid))
def list_rates(
    session: DbSession,
    _token: ClvRead,
    currency: Annotated[str | None, Query(max_length=3, description="ISO 4217 code")] = None,
    since: Annotated[date | None, Query(description="first day, YYYY-MM-DD")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> RateList:
    """Imported exchange rates, newest day first."""
    code = exchange.currency_code(currency, "currency") if currency else None
    rows = repository.rates_page(session, code, since, limit)
    return RateList(
        items=[Rate(date=r.day, base=r.base, currency=r.currency, rate=r.rate) for r in rows]
    )
