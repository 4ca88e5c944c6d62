"""scipy's 2F1, checked, with mpmath where scipy is known to be wrong.

scipy.special.hyp2f1 returns NaN or infinity, and near there wrong finite values, when
c - a - b is (close to) an integer and z is near 1: the two terms of its z -> 1 - z
transformation have poles that must cancel analytically. Those elements, and any result
outside the bounds the caller knows, are recomputed with mpmath at 30 digits. They are rare
(one customer row in thousands at odd parameters), so the vectorized path keeps the speed.
"""

import mpmath
import numpy as np
import numpy.typing as npt
from scipy.special import hyp2f1

from unison.clv.models.fitting import Array

_CONTEXT = mpmath.mp.clone()
_CONTEXT.dps = 30


def hyp2f1_safe(
    a: npt.ArrayLike,
    b: npt.ArrayLike,
    c: npt.ArrayLike,
    z: npt.ArrayLike,
    *,
    lower: npt.ArrayLike = -np.inf,
    upper: npt.ArrayLike = np.inf,
) -> Array:
    a_, b_, c_, z_, lo, hi = np.broadcast_arrays(
        *(np.asarray(v, dtype=np.float64) for v in (a, b, c, z, lower, upper))
    )
    with np.errstate(all="ignore"):
        value = np.array(hyp2f1(a_, b_, c_, z_), dtype=np.float64)
    gap = c_ - a_ - b_
    suspect = (
        ~np.isfinite(value)
        | (value < lo * (1 - 1e-12))
        | (value > hi * (1 + 1e-12))
        | ((np.abs(gap - np.round(gap)) < 1e-3) & (z_ > 0.9))
    )
    for i in np.flatnonzero(suspect):
        exact = _CONTEXT.hyp2f1(a_.flat[i], b_.flat[i], c_.flat[i], z_.flat[i])
        value.flat[i] = float(exact) if _CONTEXT.isfinite(exact) else np.inf
    return value
