"""Refreshing every customer's CLV traits from the log, and the validation report.

A refresh reads orders (all history, for the models) and support contacts and outbound
messages (the historical window), fits BG/NBD and Gamma-Gamma, and replaces the traits
`clv_historical`, `clv_12m`, `p_alive`, `expected_orders_90d` and `clv_tier` (source "clv").
Historical values are written even when the models cannot be fitted (too few customers, no
repeat purchases, no convergence); the report then says why the forecasts were skipped.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

import numpy as np
from sqlalchemy.orm import Session

from unison.clv import rates as exchange
from unison.clv import repository
from unison.clv.errors import ClvInputInvalid, FitDidNotConverge, NotEnoughData
from unison.clv.historical import Rates, Value, historical_values
from unison.clv.models import bgnbd, gamma_gamma, pareto_nbd
from unison.clv.orders import Order, OrderReport, choose_currency, orders_in
from unison.clv.scoring import PurchaseModel, score, tiers
from unison.clv.summary import Summary, summarize
from unison.clv.validation import GroupRow, by_frequency
from unison.kit.clock import utcnow
from unison.kit.settings import Settings
from unison.profiles import computed_traits
from unison.profiles.projection import ORDER_EVENT
from unison.segments import service as segments

SOURCE = "clv"
TRAITS = ("clv_historical", "clv_12m", "p_alive", "expected_orders_90d", "clv_tier")


@dataclass
class Forecast:
    purchases: PurchaseModel
    spend: gamma_gamma.GammaGamma | None
    spend_skipped: str | None
    customers: list[int]
    clv: np.ndarray
    p_alive: np.ndarray
    expected_orders: np.ndarray
    tiers: list[str]


@dataclass
class RefreshReport:
    at: datetime
    orders: OrderReport
    historical_profiles: int = 0
    customers: int = 0
    traits_written: int = 0
    models: dict[str, Any] = field(default_factory=dict)
    forecast_skipped: str | None = None
    tier_counts: dict[str, int] = field(default_factory=dict)
    segments_followed: dict[str, int] = field(default_factory=dict)  # name -> members now


def rates(settings: Settings) -> Rates:
    return Rates(
        default_margin=settings.clv_gross_margin,
        category_margins=settings.clv_category_margins,
        support_minutes=settings.clv_support_events,
        cost_per_hour=settings.clv_support_cost_per_hour,
        message_costs={k.lower(): v for k, v in settings.clv_message_costs.items()},
    )


def load_orders(
    session: Session, settings: Settings, until: datetime
) -> tuple[list[Order], OrderReport]:
    events = list(repository.tracked(session, [ORDER_EVENT], since=None, until=until))
    report = OrderReport()
    choice = choose_currency(
        events, settings.clv_reporting_currency, settings.clv_currency, exchange.rates_base(session)
    )
    converter = (
        exchange.load_converter(session, choice.currency)
        if choice.convert and choice.currency
        else None
    )
    return orders_in(events, choice, report, converter), report


def historical(
    session: Session, settings: Settings, orders: list[Order], now: datetime
) -> dict[int, Value]:
    since = now - timedelta(days=settings.clv_window_days)
    contacts = repository.tracked(
        session, list(settings.clv_support_events), since=since, until=now
    )
    messages = repository.tracked(session, settings.clv_message_events, since=since, until=now)
    in_window = [o for o in orders if o.at >= since]
    return historical_values(in_window, contacts, messages, rates(settings))


def summary_of(
    orders: list[Order], settings: Settings, end: date, holdout_end: date | None = None
) -> Summary:
    return summarize(
        ((o.profile_id, o.at, o.amount) for o in orders),
        calibration_end=end,
        observation_end=holdout_end,
        unit=settings.clv_time_unit,
    )


def fit_purchases(summary: Summary, settings: Settings) -> PurchaseModel:
    limit = settings.clv_fit_timeout_seconds
    if settings.clv_purchase_model == "pareto_nbd":
        return pareto_nbd.fit(summary.frequency, summary.recency, summary.T, timeout=limit)
    return bgnbd.fit(summary.frequency, summary.recency, summary.T, timeout=limit)


def forecast(summary: Summary, settings: Settings) -> Forecast:
    if len(summary) < settings.clv_min_customers:
        raise NotEnoughData(
            f"{len(summary)} customers with orders; forecasts need at least "
            f"{settings.clv_min_customers} (UNISON_CLV_MIN_CUSTOMERS)"
        )
    purchases = fit_purchases(summary, settings)
    spend: gamma_gamma.GammaGamma | None = None
    spend_skipped = None
    try:
        spend = gamma_gamma.fit(
            summary.frequency, summary.monetary_value, timeout=settings.clv_fit_timeout_seconds
        )
        gamma_gamma.expected_spend(spend, [0], [0])  # q <= 1 raises: no finite mean spend
    except (NotEnoughData, FitDidNotConverge) as exc:
        # Spend may not be identified (e.g. no heterogeneity across customers) while
        # purchasing is: forecasts then value orders at observed means, and say so.
        spend, spend_skipped = None, exc.detail
    scores = score(
        purchases,
        spend,
        summary.frequency,
        summary.recency,
        summary.T,
        summary.monetary_value,
        unit=summary.unit,
        orders_days=90.0,
        months=settings.clv_horizon_months,
        annual_discount_rate=settings.clv_annual_discount_rate,
        margin=settings.clv_gross_margin,
    )
    return Forecast(
        purchases,
        spend,
        spend_skipped,
        [cast(int, c) for c in summary.customers],
        scores.clv,
        scores.p_alive,
        scores.expected_orders,
        tiers(scores.clv, settings.clv_tiers),
    )


def refresh(session: Session, settings: Settings, now: datetime | None = None) -> RefreshReport:
    """Recompute and replace every profile's CLV traits (the boundary commits)."""
    now = now or utcnow()
    orders, order_report = load_orders(session, settings, now)
    report = RefreshReport(at=now, orders=order_report)
    values: list[tuple[int, str, Any]] = []
    for pid, value in historical(session, settings, orders, now).items():
        values.append((pid, "clv_historical", round(value.net, 2)))
    report.historical_profiles = len(values)
    try:
        result = forecast(summary_of(orders, settings, now.date()), settings)
    except (NotEnoughData, FitDidNotConverge, ClvInputInvalid) as exc:
        report.forecast_skipped = exc.detail
    else:
        report.customers = len(result.customers)
        report.models = {
            settings.clv_purchase_model: {
                **result.purchases.as_dict(),
                "log_likelihood": result.purchases.log_likelihood,
            },
            "gamma_gamma": (
                {**result.spend.as_dict(), "log_likelihood": result.spend.log_likelihood}
                if result.spend is not None
                else {"skipped": f"{result.spend_skipped}; order values are observed means"}
            ),
            "time_unit": settings.clv_time_unit,
        }
        for i, pid in enumerate(result.customers):
            values += [
                (pid, "clv_12m", round(float(result.clv[i]), 2)),
                (pid, "p_alive", round(float(result.p_alive[i]), 4)),
                (pid, "expected_orders_90d", round(float(result.expected_orders[i]), 3)),
                (pid, "clv_tier", result.tiers[i]),
            ]
        report.tier_counts = {name: result.tiers.count(name) for name in settings.clv_tiers}
    computed_traits.remove(session, SOURCE, TRAITS)
    report.traits_written = computed_traits.write(session, SOURCE, values, now)
    followed = segments.follow_computed(session, settings, set(TRAITS), now)
    report.segments_followed = {name: outcome.members for name, outcome in followed.items()}
    return report


@dataclass
class ValidationReport:
    model: PurchaseModel
    rows: list[GroupRow]
    customers: int
    holdout: float
    unit: str


def validation(
    session: Session, settings: Settings, calibration_end: date, observation_end: date
) -> ValidationReport:
    """Fit on orders up to `calibration_end`, compare with purchases up to `observation_end`."""
    if observation_end <= calibration_end:
        raise ClvInputInvalid(
            "observation_end must be after calibration_end (the holdout lies between them)",
            field="observation_end",
        )
    until = datetime.combine(observation_end, time.max, tzinfo=UTC)
    orders, _ = load_orders(session, settings, until)
    summary = summary_of(orders, settings, calibration_end, observation_end)
    model = fit_purchases(summary, settings)
    return ValidationReport(
        model, by_frequency(summary, model), len(summary), summary.duration_holdout, summary.unit
    )


# --- read models of the last refresh (the console's customer-value page) ---------------
@dataclass(frozen=True)
class Distribution:
    trait: str  # clv_12m, or clv_historical when no forecast was made
    low: float
    high: float
    counts: list[int]

    @property
    def edges(self) -> list[float]:
        width = (self.high - self.low) / len(self.counts) if self.counts else 0.0
        return [self.low + i * width for i in range(len(self.counts) + 1)]


@dataclass(frozen=True)
class Group:
    name: str  # a tier, or a cohort month YYYY-MM
    customers: int
    mean: float


def distribution(session: Session, bins: int = 20) -> Distribution:
    """How customers spread over predicted CLV (historical net value without a forecast)."""
    for trait in ("clv_12m", "clv_historical"):
        low, high, counts = computed_traits.histogram(session, trait, bins)
        if counts:
            return Distribution(trait, low, high, counts)
    return Distribution("clv_12m", 0.0, 0.0, [])


def tier_summary(session: Session, settings: Settings) -> list[Group]:
    """Customers and mean predicted CLV per tier, in the tiers' order (top first)."""
    found = {g: (n, mean) for g, n, mean in computed_traits.grouped(session, "clv_tier", "clv_12m")}
    return [Group(t, *found[t]) for t in settings.clv_tiers if t in found]


def p_alive_by_cohort(session: Session) -> list[Group]:
    """Mean probability of being alive by the month customers were first seen."""
    return [Group(m, n, mean) for m, n, mean in computed_traits.by_cohort(session, "p_alive")]


def figures_version(session: Session) -> tuple[datetime | None, datetime | None]:
    """When the CLV traits were last written: the read models above change only then."""
    return (
        computed_traits.written_at(session, "clv_12m"),
        computed_traits.written_at(session, "clv_historical"),
    )
