"""Gauss-Jacobi nodes with weights normalized to sum to 1 (Golub-Welsch).

scipy's roots_jacobi multiplies by the weight function's total mass, 2^(alpha+beta+1) B(...),
which overflows for the large exponents of heavy buyers; normalized weights only need the
eigenvectors' first components, which never overflow.
"""

import numpy as np
from scipy.linalg import eigh_tridiagonal

from unison.clv.models.fitting import Array


def gauss_jacobi(n: int, alpha: float, beta: float) -> tuple[Array, Array]:
    """Nodes in [-1, 1] and weights (summing to 1) for the weight (1-u)^alpha (1+u)^beta."""
    k = np.arange(n, dtype=np.float64)
    s = 2 * k + alpha + beta
    with np.errstate(divide="ignore", invalid="ignore"):
        diagonal = (beta**2 - alpha**2) / (s * (s + 2))
    if abs(alpha + beta) < 1e-12:  # 0/0 in the first entry
        diagonal[0] = (beta - alpha) / (alpha + beta + 2)
    m = k[1:]
    s1 = 2 * m + alpha + beta
    off = np.sqrt(
        4 * m * (m + alpha) * (m + beta) * (m + alpha + beta) / (s1**2 * (s1 + 1) * (s1 - 1))
    )
    nodes, vectors = eigh_tridiagonal(diagonal, off)
    weights = vectors[0, :] ** 2
    return np.asarray(nodes, dtype=np.float64), np.asarray(
        weights / weights.sum(), dtype=np.float64
    )
