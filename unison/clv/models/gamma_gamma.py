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
from unison.clv.models.fitting import Array, as_array, maximize

NAMES = ("p", "q", "gamma")


@dataclass(frozen=True)
class GammaGamma:
    p: float
    q: float
    gamma: float
    log_likelihood: float = float("nan")
    customers: int = 0

    def as_dict(self) -> dict[str, float]:
        return {"p": self.p, "q": self.q, "gamma": self.gamma}


def _checked(x: npt.ArrayLike, m: npt.ArrayLike) -> tuple[Array, Array]:
    fx, fm = as_array(x, "frequency"), as_array(m, "monetary_value")
    if len(fx) != len(fm):
        raise ClvInputInvalid("frequency and monetary_value must have the same length")
    if np.any(fx < 0) or np.any(fx != np.floor(fx)):
        raise ClvInputInvalid("frequency must be whole numbers >= 0", field="frequency")
    if np.any(fm < 0):
        raise ClvInputInvalid("monetary_value must be >= 0", field="monetary_value")
    return fx, fm


def _terms(theta: Array, x: Array, m: Array, w: Array) -> tuple[float, Array]:
    p, q, gamma = theta
    px = p * x
    log_gm = np.log(gamma + m * x)
    ll = (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(gamma)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * log_gm
    )
    dp = x * (digamma(px + q) - digamma(px) + np.log(m) + np.log(x) - log_gm)
    dq = digamma(px + q) - digamma(q) + np.log(gamma) - log_gm
    dgamma = q / gamma - (px + q) / (gamma + m * x)
    grad = np.array([w @ dp * p, w @ dq * q, w @ dgamma * gamma])
    return float(w @ ll), grad


def fit(frequency: npt.ArrayLike, monetary_value: npt.ArrayLike) -> GammaGamma:
    """Fit on customers with x > 0 and a positive mean spend (the others carry no spend data)."""
    fx, fm = _checked(frequency, monetary_value)
    use = (fx > 0) & (fm > 0)
    if np.count_nonzero(use) < 2:
        raise NotEnoughData(
            "the spend model needs at least 2 customers with a repeat purchase and a "
            f"positive order value; found {np.count_nonzero(use)}"
        )
    pairs, counts = np.unique(np.stack([fx[use], fm[use]], axis=1), axis=0, return_counts=True)
    x, w = pairs[:, 0], counts.astype(np.float64)
    total = float(w.sum())
    # gamma is in money units: fitting on amounts over their mean keeps it near 1 whatever
    # the currency (dong or dollars); the density then gains a Jacobian of 1/scale each.
    scale = float(np.average(pairs[:, 1], weights=w))
    m = pairs[:, 1] / scale

    def objective(log_theta: Array) -> tuple[float, Array]:
        ll, grad = _terms(np.exp(log_theta), x, m, w)
        return -ll / total, -grad / total

    theta, mean_ll = maximize("Gamma-Gamma", NAMES, objective)
    p, q, gamma = (float(v) for v in theta)
    return GammaGamma(
        p, q, gamma * scale, float(mean_ll * total) - total * np.log(scale), int(total)
    )


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
