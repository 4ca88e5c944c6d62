"""Per-customer forecasts from fitted models: probability alive, expected orders, expected
order value and discounted CLV, computed once per distinct (x, t_x, T) row.

CLV over H months = sum over months m of (expected orders in month m) / (1 + d)^m
x expected order value x margin, with d the monthly rate equivalent to the annual one
(the discrete monthly discounting of Fader, Hardie & Lee's CLV papers and of lifetimes).
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from unison.clv.models import bgnbd, gamma_gamma, pareto_nbd
from unison.clv.models.fitting import Array, compress
from unison.clv.summary import unit_days

DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class Scores:
    p_alive: Array
    expected_orders: Array  # over the `orders_days` horizon
    expected_spend: Array
    clv: Array  # over the CLV horizon, discounted, with margin


PurchaseModel = bgnbd.BGNBD | pareto_nbd.ParetoNBD


def score(
    purchases: PurchaseModel,
    spend: gamma_gamma.GammaGamma | None,
    frequency: npt.ArrayLike,
    recency: npt.ArrayLike,
    T: npt.ArrayLike,
    monetary_value: npt.ArrayLike,
    *,
    unit: str = "weeks",
    orders_days: float = 90.0,
    months: int = 12,
    annual_discount_rate: float = 0.10,
    margin: float = 1.0,
) -> Scores:
    rows = compress(frequency, recency, T)
    per_unit = unit_days(unit)
    alive = _p_alive(purchases, rows.x, rows.t_x, rows.T)

    # Expected purchases if alive depend on (x, T) only: a few thousand pairs, not rows.
    pairs = compress(rows.x, np.zeros_like(rows.x), rows.T)

    def cumulative(days: float) -> Array:
        if days <= 0:
            return np.zeros_like(rows.x)
        per_pair = _if_alive(purchases, days / per_unit, pairs.x, pairs.T)
        return alive * per_pair[pairs.inverse]

    orders = cumulative(orders_days)
    monthly = (1 + annual_discount_rate) ** (1 / 12) - 1
    discounted = np.zeros_like(rows.x)
    previous = np.zeros_like(rows.x)
    for month in range(1, months + 1):
        current = cumulative(month * DAYS_PER_MONTH)
        discounted += (current - previous) / (1 + monthly) ** month
        previous = current
    if spend is None:
        value = observed_spend(frequency, monetary_value)
    else:
        value = gamma_gamma.expected_spend(spend, frequency, monetary_value)
    return Scores(
        p_alive=alive[rows.inverse],
        expected_orders=orders[rows.inverse],
        expected_spend=value,
        clv=discounted[rows.inverse] * value * margin,
    )


def _p_alive(model: PurchaseModel, x: Array, t_x: Array, T: Array) -> Array:
    if isinstance(model, bgnbd.BGNBD):
        return bgnbd.p_alive(model, x, t_x, T)
    return pareto_nbd.p_alive(model, x, t_x, T)


def _if_alive(model: PurchaseModel, t: float, x: Array, T: Array) -> Array:
    if isinstance(model, bgnbd.BGNBD):
        return bgnbd.expected_if_alive(model, t, x, T)
    return pareto_nbd.expected_if_alive(model, t, x, T)


def observed_spend(frequency: npt.ArrayLike, monetary_value: npt.ArrayLike) -> Array:
    """Without a spend model: each repeat buyer's own mean order value, and the mean of
    those for customers who have not bought again (0 when nobody has)."""
    x = np.asarray(frequency, dtype=np.float64)
    m = np.asarray(monetary_value, dtype=np.float64)
    known = (x > 0) & (m > 0)
    fallback = float(m[known].mean()) if np.any(known) else 0.0
    return np.where(known, m, fallback)


def tiers(values: Array, cutoffs: dict[str, float]) -> list[str]:
    """Quantile tiers: a customer is in the highest tier whose starting quantile their
    value reaches (ties share a tier: the quantile is the share of customers below)."""
    n = len(values)
    if n == 0:
        return []
    below = np.searchsorted(np.sort(values), values, side="left") / n
    ordered = sorted(cutoffs.items(), key=lambda item: item[1], reverse=True)
    lowest = ordered[-1][0]
    return [next((name for name, start in ordered if q >= start), lowest) for q in below]
