"""What every model shares: the compressed data it is fitted on, and the optimizer loop.

Customers with the same (x, t_x, T) contribute identical likelihood terms, so the models
evaluate each distinct row once and weight it by how many customers share it. On real logs
(times in whole days) a million customers collapse to a few ten thousand rows, which is most
of the speed.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize

from unison.clv.errors import ClvInputInvalid, FitDidNotConverge, NotEnoughData


@dataclass(frozen=True)
class Fitted:
    """What every fitted model keeps besides its parameters: the log-likelihood at the
    optimum and how many customers it was fitted on (keywords, after the parameters)."""

    log_likelihood: float = field(default=float("nan"), kw_only=True)
    customers: int = field(default=0, kw_only=True)

    def as_dict(self) -> dict[str, float]:
        """The model's parameters by name, in the paper's order."""
        return {f.name: getattr(self, f.name) for f in fields(self) if not f.kw_only}


Array = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
# Objective on log-parameters: (mean negative log-likelihood, its gradient) or just the value.
Objective = Callable[[Array], tuple[float, Array]]

# Log-parameters beyond this mean the likelihood keeps rising toward a degenerate corner
# (a parameter running to 0 or infinity): the data do not identify the model.
_LOG_BOUND = 18.0
_GRADIENT_OK = 1e-5


def dot(u: npt.NDArray[Any], v: npt.NDArray[Any]) -> float:
    """u . v without BLAS: OpenBLAS wakes its thread pool for a dot product, and its spinning
    threads then slow every numpy call after it (8x measured on a busy 2-core machine)."""
    return float(np.einsum("i,i->", u, v))


@dataclass(frozen=True)
class Rows:
    """Distinct (x, t_x, T) rows, how many customers share each, and who is which row."""

    x: Array
    t_x: Array
    T: Array
    weight: Array
    inverse: IntArray

    @property
    def customers(self) -> int:
        return int(self.weight.sum())


def as_array(values: npt.ArrayLike, name: str) -> Array:
    found = np.asarray(values, dtype=np.float64).ravel()
    if not np.all(np.isfinite(found)):
        raise ClvInputInvalid(f"{name} holds NaN or infinite values", field=name)
    return found


def check_rft(x: Array, t_x: Array, T: Array) -> None:
    """What every count model needs: whole x >= 0, 0 <= t_x <= T, and t_x = 0 when x = 0."""
    if not (len(x) == len(t_x) == len(T)):
        raise ClvInputInvalid("frequency, recency and T must have the same length")
    if np.any(x < 0) or np.any(x != np.floor(x)):
        raise ClvInputInvalid("frequency must be whole numbers >= 0", field="frequency")
    if np.any(t_x < 0) or np.any(t_x > T * (1 + 1e-12)):
        raise ClvInputInvalid("recency must lie between 0 and T", field="recency")
    if np.any((x == 0) & (t_x > 0)):
        raise ClvInputInvalid("recency must be 0 when frequency is 0", field="recency")
    if np.any(T < 0):
        raise ClvInputInvalid("T must be >= 0", field="T")


def rft_arrays(
    x: npt.ArrayLike, t_x: npt.ArrayLike, T: npt.ArrayLike
) -> tuple[Array, Array, Array]:
    """Frequency, recency and T as float arrays, checked as every count model needs them."""
    fx, ft, fT = as_array(x, "frequency"), as_array(t_x, "recency"), as_array(T, "T")
    check_rft(fx, ft, fT)
    return fx, ft, fT


def compress(x: npt.ArrayLike, t_x: npt.ArrayLike, T: npt.ArrayLike) -> Rows:
    fx, ft, fT = rft_arrays(x, t_x, T)
    if len(fx) == 0:
        raise NotEnoughData("no customers to fit the model on")
    order = np.lexsort((fT, ft, fx))  # one sort, cheaper than np.unique(axis=0) on 1M rows
    sx, st, sT = fx[order], ft[order], fT[order]
    starts = np.empty(len(sx), dtype=bool)
    starts[0] = True
    starts[1:] = (sx[1:] != sx[:-1]) | (st[1:] != st[:-1]) | (sT[1:] != sT[:-1])
    group = np.cumsum(starts) - 1
    inverse = np.empty(len(sx), dtype=np.intp)
    inverse[order] = group
    first = np.flatnonzero(starts)
    weight = np.diff(np.append(first, len(sx))).astype(np.float64)
    return Rows(sx[first], st[first], sT[first], weight, inverse)


def fit_rows(x: npt.ArrayLike, t_x: npt.ArrayLike, T: npt.ArrayLike) -> Rows:
    """The distinct rows a count model (BG/NBD, Pareto/NBD) is fitted on, once the
    population is known to identify the model."""
    rows = compress(x, t_x, T)
    _require_repeat_buyers(rows)
    return rows


def _require_repeat_buyers(rows: Rows) -> None:
    if rows.customers < 2:
        raise NotEnoughData(
            f"{rows.customers} customer: a population model needs at least 2 customers"
        )
    if not np.any(rows.x > 0):
        raise NotEnoughData(
            "no customer made a repeat purchase: purchase and dropout rates cannot be "
            "told apart, so the model is not identified"
        )


class _OutOfTime(Exception):
    """Raised through scipy's minimizer to stop a fit that runs past its deadline."""


def _within(objective: Callable[[Array], Any], timeout: float | None) -> Callable[[Array], Any]:
    # A fit whose likelihood needs the exact (mpmath) hypergeometric function on many rows
    # can take minutes per thousand evaluations: bound the wall time, not just iterations.
    if timeout is None:
        return objective
    deadline = time.monotonic() + timeout

    def timed(theta: Array) -> Any:
        if time.monotonic() > deadline:
            raise _OutOfTime
        return objective(theta)

    return timed


def _polish(objective: Callable[[Array], Any], first: Any, timeout: float | None) -> Any:
    """A derivative-free second pass from where L-BFGS-B stopped.

    With finite-difference gradients L-BFGS-B often ends in a failed line search near the
    optimum (scipy's ABNORMAL), its gradient estimate too noisy to call flat. Nelder-Mead
    needs no gradient: from that point it either confirms a maximum or finds a better one.
    """
    second = minimize(
        _within(objective, timeout),
        first.x,
        method="Nelder-Mead",
        bounds=[(-_LOG_BOUND, _LOG_BOUND)] * len(first.x),
        options={"maxiter": 4000, "xatol": 1e-7, "fatol": 1e-12},
    )
    return second if second.success and second.fun <= first.fun + 1e-12 else first


def maximize(
    model: str,
    names: tuple[str, ...],
    objective: Objective | Callable[[Array], float],
    *,
    start: Array | None = None,
    jac: bool = True,
    timeout: float | None = None,
) -> tuple[Array, float]:
    """Minimize the mean negative log-likelihood over log-parameters with L-BFGS-B.

    Returns (parameters, mean log-likelihood). A stop that is not a maximum raises
    FitDidNotConverge with scipy's own message.
    """
    x0 = np.zeros(len(names)) if start is None else start
    # one call for both objective shapes (value and gradient, or value alone)
    how: dict[str, Any] = {
        "jac": jac,
        "method": "L-BFGS-B",
        "bounds": [(-_LOG_BOUND, _LOG_BOUND)] * len(names),
        "options": {"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-9, "maxcor": 20},
    }
    try:
        result = minimize(_within(objective, timeout), x0, **how)
        if not result.success and not jac:
            result = _polish(objective, result, timeout)
    except _OutOfTime:
        raise FitDidNotConverge(
            f"{model}: the fit took longer than {timeout:g} s (UNISON_CLV_FIT_TIMEOUT_SECONDS) "
            "and was stopped; the data likely do not identify the model well"
        ) from None
    if not np.all(np.isfinite(result.x)) or not np.isfinite(result.fun):
        raise FitDidNotConverge(f"{model}: the likelihood became non-finite ({result.message})")
    # Near a bound the likelihood keeps rising toward a degenerate corner: say which way.
    running = [n for n, v in zip(names, result.x, strict=True) if abs(v) >= _LOG_BOUND - 3]
    if running:
        raise FitDidNotConverge(
            f"{model}: {', '.join(running)} ran off to 0 or infinity; the data do not "
            "identify the model (too few customers, or too little difference between them)"
        )
    gradient = np.asarray(result.jac, dtype=np.float64) if result.jac is not None else None
    # L-BFGS-B reports a failed line search once it is within rounding of the optimum; that
    # is a maximum if the gradient is flat, so judge by the gradient rather than the flag.
    flat = gradient is not None and bool(np.max(np.abs(gradient)) < _GRADIENT_OK)
    if not (result.success or flat):
        raise FitDidNotConverge(f"{model} fit did not converge: {result.message}")
    return np.exp(result.x), -float(result.fun)
