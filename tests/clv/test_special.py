"""The 2F1 fallbacks of unison/clv/models/special.py, deterministically: the series the
last fallback sums, and the path that reaches it when mpmath converges at no precision
(the property test in test_numerics.py found such parameters; here mpmath is made to fail
the same way so the path runs on every machine)."""

from typing import Any

import mpmath
import numpy as np
import pytest

from unison.clv.models import special


@pytest.mark.parametrize(
    ("a", "b", "c", "z"),
    [(1.0, 2.0, 3.0, 0.5), (0.3, 7.5, 12.25, -0.8), (25.0, 0.01, 30.0, 0.95), (2.0, 3.0, 4.0, 0.0)],
)
def test_the_series_agrees_with_mpmath_inside_the_unit_disc(
    a: float, b: float, c: float, z: float
) -> None:
    assert special._series(a, b, c, z) == pytest.approx(float(mpmath.hyp2f1(a, b, c, z)), rel=1e-12)


def test_when_mpmath_converges_at_no_precision_the_series_answers_within_the_bounds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_convergence(*_: Any) -> Any:
        raise ValueError("hypercomb() failed to converge to the requested 30 bits of accuracy")

    for context in special._CONTEXTS.values():
        monkeypatch.setattr(context, "hyp2f1", no_convergence)
    expected = float(mpmath.hyp2f1(1.0, 2.0, 3.0, 0.5))
    assert special._exact(1.0, 2.0, 3.0, 0.5, 0.0, np.inf) == pytest.approx(expected, rel=1e-12)
    assert special._exact(1.0, 2.0, 3.0, 0.5, 0.0, 1.5) == 1.5  # kept within the caller's bounds
    # Outside the unit disc the series diverges: no number is made up.
    assert special._exact(1.0, 2.0, 3.0, 1.5, 0.0, np.inf) == np.inf
