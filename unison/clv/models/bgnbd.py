"""BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way").

While alive a customer buys at Poisson rate lambda ~ Gamma(r, alpha); after each purchase
they drop out with probability p ~ Beta(a, b). Everything is computed in log space; the
likelihood's gradient is analytic (it is what makes the million-customer fit fast).
"""

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from unison.clv.models.fitting import (
    Array,
    Fitted,
    Rows,
    compress,
    dot,
    fit_rows,
    maximize,
    rft_arrays,
)
from unison.clv.models.quadrature import gauss_jacobi
from unison.clv.models.special import hyp2f1_safe

NAMES = ("r", "alpha", "a", "b")
_NEAR_ONE = 1e-3


@dataclass(frozen=True)
class BGNBD(Fitted):
    """Purchase rate Gamma(r, alpha); dropout probability Beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float


def _by_x(x: Array) -> tuple[Array, npt.NDArray[np.intp]]:
    """Terms depending on x alone are computed once per distinct x."""
    values, inverse = np.unique(x, return_inverse=True)
    return values, inverse


def _terms(theta: Array, rows: Rows, ux: Array, ix: npt.NDArray[np.intp]) -> tuple[Array, Array]:
    """Per-row log-likelihood and its gradient with respect to the log-parameters."""
    r, alpha, a, b = theta
    x, t_x, T = rows.x, rows.t_x, rows.T
    # A1 + A2: only x varies
    a12 = (gammaln(r + ux) - gammaln(r) + r * np.log(alpha) + betaln(a, b + ux) - betaln(a, b))[ix]
    dr1 = (digamma(r + ux) - digamma(r))[ix] + np.log(alpha)
    da2 = (digamma(a + b) - digamma(a + b + ux))[ix]
    db2 = (digamma(b + ux) - digamma(b) + digamma(a + b) - digamma(a + b + ux))[ix]
    log_at, log_atx = np.log(alpha + T), np.log(alpha + t_x)
    l3 = -(r + x) * log_at
    buyer = x > 0
    l4 = np.full_like(x, -np.inf)
    l4[buyer] = np.log(a) - np.log(b + x[buyer] - 1) - (r + x[buyer]) * log_atx[buyer]
    m = np.logaddexp(l3, l4)
    w3, w4 = np.exp(l3 - m), np.exp(l4 - m)
    ll = a12 + m
    rx = r + x
    dr = dr1 + w3 * (-log_at) + w4 * (-log_atx)
    dalpha = r / alpha + w3 * (-rx / (alpha + T)) + w4 * (-rx / (alpha + t_x))
    da = da2 + w4 / a
    db = db2 - np.where(buyer, w4 / np.maximum(b + x - 1, 1e-300), 0.0)
    grad = np.stack([dr * r, dalpha * alpha, da * a, db * b])
    return ll, grad


def log_likelihood(params: BGNBD, x: npt.ArrayLike, t_x: npt.ArrayLike, T: npt.ArrayLike) -> Array:
    """Each customer's log-likelihood."""
    rows = compress(x, t_x, T)
    ux, ix = _by_x(rows.x)
    theta = np.array([params.r, params.alpha, params.a, params.b])
    ll, _ = _terms(theta, rows, ux, ix)
    return ll[rows.inverse]


class _Prepared:
    """What the fit's objective needs that does not depend on the parameters: distinct x,
    T and t_x values (logs are taken once per distinct value and gathered), the buyers
    (x > 0, the only rows with a second likelihood term) and the weights summed per x."""

    def __init__(self, rows: Rows) -> None:
        self.rows, self.n = rows, float(rows.weight.sum())
        self.ux, ix = np.unique(rows.x, return_inverse=True)
        self.wx = np.bincount(ix, weights=rows.weight)
        self.uT, self.iT = np.unique(rows.T, return_inverse=True)
        buyer = rows.x > 0
        self.xb, self.wb = rows.x[buyer], rows.weight[buyer]
        self.ut, self.it = np.unique(rows.t_x[buyer], return_inverse=True)
        self.buyer = np.flatnonzero(buyer)
        self.ubx, self.ibx = np.unique(self.xb, return_inverse=True)


def _objective(theta: Array, d: _Prepared) -> tuple[float, Array]:
    """Total log-likelihood and its gradient in the log-parameters, in weighted sums."""
    r, alpha, a, b = theta
    rows, ux, wx = d.rows, d.ux, d.wx
    a12 = gammaln(r + ux) - gammaln(r) + betaln(a, b + ux) - betaln(a, b)
    log_at = np.log(alpha + d.uT)[d.iT]
    inv_at = (1.0 / (alpha + d.uT))[d.iT]
    rx = r + rows.x
    l3 = -rx * log_at
    log_atx = np.log(alpha + d.ut)[d.it]
    inv_atx = (1.0 / (alpha + d.ut))[d.it]
    rxb = r + d.xb
    l3b = l3[d.buyer]
    l4b = np.log(a) - np.log(b + d.ubx - 1)[d.ibx] - rxb * log_atx
    mb = np.logaddexp(l3b, l4b)
    w4 = d.wb * np.exp(l4b - mb)  # weight of the "dropped out at t_x" term, buyers only
    w3 = rows.weight.copy()
    w3[d.buyer] = d.wb * np.exp(l3b - mb)
    ll = dot(wx, a12) + d.n * r * np.log(alpha) + dot(rows.weight, l3)
    ll += dot(d.wb, (mb - l3b))
    dr = dot(wx, (digamma(r + ux) - digamma(r))) + d.n * np.log(alpha)
    dr -= dot(w3, log_at) + dot(w4, log_atx)
    dalpha = d.n * r / alpha - dot(w3, (rx * inv_at)) - dot(w4, (rxb * inv_atx))
    psi_ab, psi_abx = digamma(a + b), digamma(a + b + ux)
    da = dot(wx, (psi_ab - psi_abx)) + float(w4.sum()) / a
    db = dot(wx, (digamma(b + ux) - digamma(b) + psi_ab - psi_abx))
    db -= dot(w4, (1.0 / (b + d.ubx - 1))[d.ibx])
    return ll, np.array([dr * r, dalpha * alpha, da * a, db * b])


def fit(
    x: npt.ArrayLike, t_x: npt.ArrayLike, T: npt.ArrayLike, *, timeout: float | None = None
) -> BGNBD:
    rows = fit_rows(x, t_x, T)
    prepared = _Prepared(rows)
    total = prepared.n

    def objective(log_theta: Array) -> tuple[float, Array]:
        ll, grad = _objective(np.exp(log_theta), prepared)
        return -ll / total, -grad / total

    theta, mean_ll = maximize("BG/NBD", NAMES, objective, timeout=timeout)
    r, alpha, a, b = (float(v) for v in theta)
    return BGNBD(r, alpha, a, b, log_likelihood=float(mean_ll * total), customers=rows.customers)


def p_alive(params: BGNBD, x: npt.ArrayLike, t_x: npt.ArrayLike, T: npt.ArrayLike) -> Array:
    """P(still alive at T | x, t_x, T); exactly 1 for customers with no repeat purchase."""
    fx, ft, fT = rft_arrays(x, t_x, T)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    buyer = fx > 0
    log_odds = np.full_like(fx, -np.inf)
    xb = fx[buyer]
    log_odds[buyer] = (
        np.log(a)
        - np.log(b + xb - 1)
        + (r + xb) * (np.log(alpha + fT[buyer]) - np.log(alpha + ft[buyer]))
    )
    return np.asarray(expit(-log_odds), dtype=np.float64)


def expected_purchases(
    params: BGNBD, t: float, x: npt.ArrayLike, t_x: npt.ArrayLike, T: npt.ArrayLike
) -> Array:
    """E[purchases in (T, T + t] | x, t_x, T] (FHL 2005 eq. 10)."""
    fx, ft, fT = rft_arrays(x, t_x, T)
    if t <= 0:
        return np.zeros_like(fx)
    alive = p_alive(params, fx, ft, fT)
    return alive * expected_if_alive(params, t, fx, fT)


def expected_if_alive(params: BGNBD, t: float, x: Array, T: Array) -> Array:
    """E[purchases in t | alive at T] = (a+b+x-1)/(a-1) [1 - (1-z)^(a-1) 2F1(...; z)].

    Euler's transformation leaves 2F1 with small parameters (a+b-1-r, a-1; a+b+x-1), which
    scipy evaluates accurately even for heavy buyers. The expression is 0/0 at a = 1 but
    smooth in a, so near 1 it is interpolated between a = 1 -+ 1e-3 (error ~1e-6); where
    scipy still fails, the expectation is integrated over p by Gauss-Jacobi quadrature.
    """
    if abs(params.a - 1) < _NEAR_ONE:
        low = _closed_form(replace(params, a=1 - _NEAR_ONE), t, x, T)
        high = _closed_form(replace(params, a=1 + _NEAR_ONE), t, x, T)
        value = low + (high - low) * (params.a - 1 + _NEAR_ONE) / (2 * _NEAR_ONE)
    else:
        value = _closed_form(params, t, x, T)
    bad = ~np.isfinite(value) | (value < 0)
    if np.any(bad):
        value[bad] = _alive_expectation_quadrature(params, t, x[bad], T[bad])
    return value


def _closed_form(params: BGNBD, t: float, x: Array, T: Array) -> Array:
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    z = t / (alpha + T + t)
    c = a + b + x - 1
    with np.errstate(all="ignore"):
        f = hyp2f1_safe(a + b - 1 - r, a - 1, c, z)
        bracket = -np.expm1((a - 1) * np.log1p(-z) + np.log(f))
        return np.asarray(c / (a - 1) * bracket, dtype=np.float64)


def _alive_expectation_quadrature(params: BGNBD, t: float, x: Array, T: Array) -> Array:
    """E_p[(1 - ((alpha+T)/(alpha+T+p t))^(r+x)) / p] with p ~ Beta(a, b+x), per distinct x."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    out = np.empty_like(x)
    for value in np.unique(x):
        nodes, weights = gauss_jacobi(60, b + value - 1, a - 1)  # (1-u)^(b+x-1) (1+u)^(a-1)
        p = (nodes + 1) / 2
        pick = x == value
        ratio = p[None, :] * t / (alpha + T[pick][:, None])
        inner = -np.expm1(-(r + value) * np.log1p(ratio)) / p[None, :]
        out[pick] = inner @ weights
    return out


def expected_purchases_new(params: BGNBD, t: npt.ArrayLike) -> Array:
    """E[X(t)] for a customer just acquired (FHL 2005 eq. 9), for validation curves."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    ft = np.asarray(t, dtype=np.float64)
    z = ft / (alpha + ft)
    with np.errstate(all="ignore"):
        value = (
            (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + ft)) ** r * hyp2f1(r, b, a + b - 1, z))
        )
    return np.asarray(value, dtype=np.float64)
