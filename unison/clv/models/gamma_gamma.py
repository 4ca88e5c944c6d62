"""Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"; Colombo & Jiang 1999).

A customer's order values are Gamma(p, nu) around their own mean, with nu ~ Gamma(q, gamma)
across customers. Fitted on customers with at least one repeat purchase, on the mean value
of those repeat purchases (the convention of the paper and of its CDNOW data).
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import digamma, gammaln

from unison.clv.errors import ClvInputInvalid, NotEnoughData
from unison.clv.models.fitting import Array, Fitted, as_array, dot, maximize

NAMES = ("p", "q", "gamma")


@dataclass(frozen=True)
class GammaGamma(Fitted):
    """Order value Gamma(p, nu) around each customer's mean; nu ~ Gamma(q, gamma)."""

    p: float
    q: float
    gamma: float


def _checked(x: npt.ArrayLike, m: npt.ArrayLike) -> tuple[Array, Array]:
    fx, fm = as_array(x, "frequency"), as_array(m, "monetary_value")
    if len(fx) != len(fm):
        raise ClvInputInvalid("frequency and monetary_value must have the same length")
    if np.any(fx < 0) or np.any(fx != np.floor(fx)):
        raise ClvInputInvalid("frequency must be whole numbers >= 0", field="frequency")
    if np.any(fm < 0):
        raise ClvInputInvalid("monetary_value must be >= 0", field="monetary_value")
    return fx, fm


class _Data:
    """Sums that do not depend on the parameters, computed once per fit. Terms in
    gammaln/digamma of p x depend on x alone, so they are evaluated per distinct x; per
    customer, each evaluation costs one log and one division."""

    def __init__(self, x: Array, m: Array) -> None:
        self.x, self.m, self.n = x, m, float(len(x))
        self.ux, self.nx = np.unique(x, return_counts=True)
        self.log_m_sum = float(np.log(m).sum())
        self.x_log_m = dot(x, np.log(m))
        self.x_log_x = dot(x, np.log(x))
        self.mx = m * x


def _terms(theta: Array, d: _Data) -> tuple[float, Array]:
    p, q, gamma = theta
    pux = p * d.ux
    log_gm = np.log(gamma + d.mx)
    inverse = 1.0 / (gamma + d.mx)
    x_log_gm, sum_log_gm = dot(d.x, log_gm), float(log_gm.sum())
    ll = (
        dot(d.nx, (gammaln(pux + q) - gammaln(pux)))
        - d.n * gammaln(q)
        + d.n * q * np.log(gamma)
        + p * d.x_log_m
        - d.log_m_sum
        + p * d.x_log_x
        - p * x_log_gm
        - q * sum_log_gm
    )
    psi_sum, psi_px = digamma(pux + q), digamma(pux)
    dp = dot(d.nx, (d.ux * (psi_sum - psi_px))) + d.x_log_m + d.x_log_x - x_log_gm
    dq = dot(d.nx, psi_sum) - d.n * digamma(q) + d.n * np.log(gamma) - sum_log_gm
    dgamma = d.n * q / gamma - p * dot(d.x, inverse) - q * float(inverse.sum())
    return float(ll), np.array([dp * p, dq * q, dgamma * gamma])


def fit(
    frequency: npt.ArrayLike, monetary_value: npt.ArrayLike, *, timeout: float | None = None
) -> GammaGamma:
    """Fit on customers with x > 0 and a positive mean spend (the others carry no spend data)."""
    fx, fm = _checked(frequency, monetary_value)
    use = (fx > 0) & (fm > 0)
    if np.count_nonzero(use) < 2:
        raise NotEnoughData(
            "the spend model needs at least 2 customers with a repeat purchase and a "
            f"positive order value; found {np.count_nonzero(use)}"
        )
    x, amounts = fx[use], fm[use]
    # gamma is in money units: fitting on amounts over their mean keeps it near 1 whatever
    # the currency (dong or dollars); the density then gains a Jacobian of 1/scale each.
    scale = float(amounts.mean())
    data = _Data(x, amounts / scale)
    total = data.n

    def objective(log_theta: Array) -> tuple[float, Array]:
        ll, grad = _terms(np.exp(log_theta), data)
        return -ll / total, -grad / total

    theta, mean_ll = maximize("Gamma-Gamma", NAMES, objective, timeout=timeout)
    p, q, gamma = (float(v) for v in theta)
    log_likelihood = float(mean_ll * total - total * np.log(scale))
    return GammaGamma(p, q, gamma * scale, log_likelihood=log_likelihood, customers=int(total))


def expected_spend(
    params: GammaGamma, frequency: npt.ArrayLike, monetary_value: npt.ArrayLike
) -> Array:
    """E[order value | x, mean spend] = p (gamma + m x) / (p x + q - 1); population mean at x=0."""
    fx, fm = _checked(frequency, monetary_value)
    p, q, gamma = params.p, params.q, params.gamma
    if q <= 1:
        raise NotEnoughData(
            f"the fitted spend model has q = {q:.4g} <= 1: the mean order value across "
            "customers is infinite, so no expected spend can be given"
        )
    # Customers without repeat purchases contribute no observed mean: m x = 0 there.
    known = np.where(fx > 0, fm * fx, 0.0)
    return np.asarray(p * (gamma + known) / (p * fx + q - 1), dtype=np.float64)
