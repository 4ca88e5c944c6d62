"""Pareto/NBD (Schmittlein, Morrison & Colombo 1987; Fader & Hardie 2005 note).

While alive a customer buys at Poisson rate lambda ~ Gamma(r, alpha) and dies at an
exponential time with rate mu ~ Gamma(s, beta). The likelihood's hard part is
    A0 = F(t_x) - F(T),  F(t) = 2F1(r+s+x, s+1 or r+x; r+s+x+1; z(t)) / (max(alpha,beta)+t)^(r+s+x)
with z = |alpha-beta| / (max(alpha,beta)+t) in [0, 1) (Fader & Hardie choose the larger of
alpha and beta so the series argument stays below 1). Euler's transformation turns that 2F1
into 2F1(1, b; c; z), which is bounded where the original overflows (heavy buyers, z near 1),
and everything else is kept in logs, so no input yields NaN or infinity.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import expit, gammaln

from unison.clv.models.fitting import (
    Array,
    Fitted,
    Rows,
    as_array,
    compress,
    dot,
    fit_rows,
    maximize,
)
from unison.clv.models.special import hyp2f1_safe

NAMES = ("r", "alpha", "s", "beta")


@dataclass(frozen=True)
class ParetoNBD(Fitted):
    """Purchase rate Gamma(r, alpha); dropout rate Gamma(s, beta)."""

    r: float
    alpha: float
    s: float
    beta: float


def _log_hyp2f1_one(b: Array, c: Array, z: Array) -> Array:
    """log 2F1(1, b; c; z) for c > b > 0, 0 <= z < 1: a series of positive terms, so >= 1,
    and at most (c-1)/(c-1-b) (its value at z = 1) when c - 1 > b."""
    bound = np.where(c - 1 > b, (c - 1) / np.maximum(c - 1 - b, 1e-300), np.inf)
    return np.log(hyp2f1_safe(1.0, b, c, z, lower=1.0, upper=bound))


def _log_f(params: ParetoNBD, x: Array, t: Array) -> Array:
    """log F(t) as in the module docstring (x and t arrays of equal length)."""
    r, alpha, s, beta = params.r, params.alpha, params.s, params.beta
    big = r + s + x + 1
    if alpha >= beta:
        z = (alpha - beta) / (alpha + t)
        return _log_hyp2f1_one(r + x, big, z) - s * np.log(beta + t) - (r + x) * np.log(alpha + t)
    z = (beta - alpha) / (beta + t)
    return (
        _log_hyp2f1_one(np.full_like(x, s + 1), big, z)
        + (1 - r - x) * np.log(alpha + t)
        - (s + 1) * np.log(beta + t)
    )


def _log_terms(params: ParetoNBD, x: Array, t_x: Array, T: Array) -> tuple[Array, Array]:
    """log of the 'alive at T' and 'died between t_x and T' parts of the likelihood."""
    r, alpha, s, beta = params.r, params.alpha, params.s, params.beta
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    alive = common - (r + x) * np.log(alpha + T) - s * np.log(beta + T)
    f_tx, f_T = _log_f(params, x, t_x), _log_f(params, x, T)
    with np.errstate(divide="ignore"):
        # log(F(t_x) - F(T)); F decreases in t, and rounding may make the gap <= 0 -> -inf
        gap = np.log(-np.expm1(np.minimum(f_T - f_tx, 0.0)))
    died = common + np.log(s) - np.log(r + s + x) + f_tx + gap
    return alive, died


def _row_ll(params: ParetoNBD, rows: Rows) -> Array:
    alive, died = _log_terms(params, rows.x, rows.t_x, rows.T)
    return np.logaddexp(alive, died)


def log_likelihood(
    params: ParetoNBD, x: npt.ArrayLike, t_x: npt.ArrayLike, T: npt.ArrayLike
) -> Array:
    rows = compress(x, t_x, T)
    return _row_ll(params, rows)[rows.inverse]


def fit(
    x: npt.ArrayLike, t_x: npt.ArrayLike, T: npt.ArrayLike, *, timeout: float | None = None
) -> ParetoNBD:
    rows = fit_rows(x, t_x, T)
    total = float(rows.weight.sum())

    def objective(log_theta: Array) -> float:
        r, alpha, s, beta = (float(v) for v in np.exp(log_theta))
        return -dot(rows.weight, _row_ll(ParetoNBD(r, alpha, s, beta), rows)) / total

    theta, mean_ll = maximize("Pareto/NBD", NAMES, objective, jac=False, timeout=timeout)
    r, alpha, s, beta = (float(v) for v in theta)
    return ParetoNBD(
        r, alpha, s, beta, log_likelihood=float(mean_ll * total), customers=rows.customers
    )


def p_alive(params: ParetoNBD, x: npt.ArrayLike, t_x: npt.ArrayLike, T: npt.ArrayLike) -> Array:
    rows = compress(x, t_x, T)
    alive, died = _log_terms(params, rows.x, rows.t_x, rows.T)
    return np.asarray(expit(alive - died), dtype=np.float64)[rows.inverse]


def expected_purchases(
    params: ParetoNBD, t: float, x: npt.ArrayLike, t_x: npt.ArrayLike, T: npt.ArrayLike
) -> Array:
    """E[purchases in (T, T+t] | x, t_x, T] = P(alive) (r+x)/(alpha+T) E[alive time in t]."""
    alive = p_alive(params, x, t_x, T)
    fx, fT = as_array(x, "frequency"), as_array(T, "T")
    return alive * expected_if_alive(params, t, fx, fT)


def expected_if_alive(params: ParetoNBD, t: float, x: Array, T: Array) -> Array:
    """E[purchases in t | alive at T]: rate (r+x)/(alpha+T) times the expected time alive,
    (beta+T)/(s-1) [1 - ((beta+T)/(beta+T+t))^(s-1)], via expm1 so it is exact near s = 1."""
    if t <= 0:
        return np.zeros_like(x)
    r, alpha, s, beta = params.r, params.alpha, params.s, params.beta
    horizon = np.log1p(t / (beta + T))
    k = s - 1
    alive_time = (beta + T) * (horizon if k == 0 else -np.expm1(-k * horizon) / k)
    return np.asarray((r + x) / (alpha + T) * alive_time, dtype=np.float64)
