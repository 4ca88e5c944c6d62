"""No NaN or infinity anywhere in the parameter and data space: zero frequency, very heavy
buyers, huge T, parameters from tiny to huge (the reference library returns NaN there)."""

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.integrate import quad
from scipy.special import gammaln

from unison.clv.models import bgnbd, fitting, gamma_gamma, pareto_nbd

positive = st.floats(min_value=1e-3, max_value=1e3)
frequency = st.one_of(st.integers(0, 3), st.integers(0, 20_000))
length = st.one_of(st.floats(0.0, 60.0), st.floats(0.0, 1e6))
share = st.floats(0.0, 1.0)
horizon = st.one_of(st.floats(0.0, 52.0), st.floats(0.0, 1e5))


@st.composite
def customers(draw: st.DrawFn) -> tuple[float, float, float]:
    x = draw(frequency)
    T = draw(length)
    t_x = 0.0 if x == 0 else draw(share) * T
    return float(x), t_x, T


class TestBGNBD:
    @settings(max_examples=300, deadline=None)
    @given(positive, positive, positive, positive, customers(), horizon)
    def test_everything_is_finite(
        self,
        r: float,
        alpha: float,
        a: float,
        b: float,
        c: tuple[float, float, float],
        t: float,
    ) -> None:
        params = bgnbd.BGNBD(r, alpha, a, b)
        x, t_x, T = ([v] for v in c)
        assert np.isfinite(bgnbd.log_likelihood(params, x, t_x, T)).all()
        alive = bgnbd.p_alive(params, x, t_x, T)
        assert ((alive >= 0) & (alive <= 1)).all()
        expected = bgnbd.expected_purchases(params, t, x, t_x, T)
        assert np.isfinite(expected).all()
        assert (expected >= 0).all()

    def test_zero_frequency_customers_are_alive_and_buy_less_than_repeaters(self) -> None:
        params = bgnbd.BGNBD(0.243, 4.414, 0.793, 2.426)
        assert bgnbd.p_alive(params, [0], [0], [38.86])[0] == 1.0
        never, repeat = bgnbd.expected_purchases(params, 39, [0, 5], [0, 38], [38.86, 38.86])
        assert 0 < never < repeat

    def test_a_close_to_one_is_interpolated_and_agrees_with_the_quadrature(self) -> None:
        args = (52.0, np.array([3.0]), np.array([30.0]))
        for a in (1.0, 1.0 + 5e-4, 1.0 - 5e-4, 1.0 + 2e-3):
            params = bgnbd.BGNBD(0.5, 5.0, a, 2.0)
            found = bgnbd.expected_if_alive(params, *args)[0]
            reference = bgnbd._alive_expectation_quadrature(params, *args)[0]
            assert abs(found - reference) < 1e-5 * reference, a


class TestParetoNBD:
    @settings(max_examples=300, deadline=None)
    @given(positive, positive, positive, positive, customers(), horizon)
    # mpmath at 30 digits got 2F1(1, 367; 546.001; 0.9002) negative here (found by CI)
    @example(r=0.001, alpha=57.0, s=366.0, beta=571.0, c=(179.0, 0.0, 0.0), t=0.0)
    def test_everything_is_finite(
        self,
        r: float,
        alpha: float,
        s: float,
        beta: float,
        c: tuple[float, float, float],
        t: float,
    ) -> None:
        params = pareto_nbd.ParetoNBD(r, alpha, s, beta)
        x, t_x, T = ([v] for v in c)
        assert np.isfinite(pareto_nbd.log_likelihood(params, x, t_x, T)).all()
        alive = pareto_nbd.p_alive(params, x, t_x, T)
        assert ((alive >= 0) & (alive <= 1)).all()
        expected = pareto_nbd.expected_purchases(params, t, x, t_x, T)
        assert np.isfinite(expected).all()
        assert (expected >= 0).all()

    @settings(max_examples=100, deadline=None)
    @given(positive, positive, positive, positive, customers())
    def test_likelihood_matches_its_integral_form(
        self, r: float, alpha: float, s: float, beta: float, c: tuple[float, float, float]
    ) -> None:
        """Against L = G(r+x) a^r b^s / G(r) [(a+T)^-(r+x) (b+T)^-s + s I], where
        I = integral from t_x to T of (a+t)^-(r+x) (b+t)^-(s+1) dt, by adaptive quadrature."""
        x, t_x, T = c
        if T - t_x < 1e-6:
            return
        params = pareto_nbd.ParetoNBD(r, alpha, s, beta)
        ours = pareto_nbd.log_likelihood(params, [x], [t_x], [T])[0]

        def log_f(tau: float) -> float:
            return float(-(r + x) * np.log(alpha + tau) - (s + 1) * np.log(beta + tau))

        # in u = log(c + tau) the power-law integrand is smooth over any range of T
        peak, c0 = log_f(t_x), min(alpha, beta)

        def scaled(u: float) -> float:
            return float(np.exp(log_f(np.exp(u) - c0) - peak + u))

        lo, hi = np.log(c0 + t_x), np.log(c0 + T)
        # it decays at rate about r+s+x in u: tell quad where the mass is
        marks = [m for m in lo + np.array([1.0, 10.0, 100.0]) / (r + s + x) if m < hi]
        integral, _ = quad(scaled, lo, hi, epsrel=1e-12, limit=500, points=marks or None)
        common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        reference = common + np.logaddexp(alive, np.log(s) + peak + np.log(integral))
        assert abs(ours - reference) < 1e-4 * max(1.0, abs(reference))


class TestGammaGamma:
    @settings(max_examples=200, deadline=None)
    @given(positive, st.floats(1.001, 1e3), positive, st.integers(0, 20_000), st.floats(0.0, 1e6))
    def test_expected_spend_is_finite_and_positive(
        self, p: float, q: float, gamma: float, x: int, m: float
    ) -> None:
        spend = gamma_gamma.expected_spend(gamma_gamma.GammaGamma(p, q, gamma), [x], [m])
        assert np.isfinite(spend).all()
        assert (spend > 0).all()


class TestFitObjectives:
    """The fits' fast weighted objectives agree with the plain per-customer likelihood, and
    their analytic gradients with finite differences."""

    def test_bgnbd_objective_and_gradient(self) -> None:
        rng = np.random.default_rng(3)
        T = rng.integers(1, 60, 500) / 7
        x = rng.integers(0, 6, 500).astype(float)
        t_x = np.where(x > 0, np.round(rng.uniform(0, 1, 500) * T * 7) / 7, 0.0)
        x = np.where(t_x > 0, x, 0.0)
        rows = fitting.compress(x, t_x, T)
        prepared = bgnbd._Prepared(rows)
        theta = np.array([0.4, 3.0, 0.7, 2.2])
        ll, grad = bgnbd._objective(theta, prepared)
        plain = bgnbd.log_likelihood(bgnbd.BGNBD(*theta), x, t_x, T).sum()
        assert abs(ll - plain) < 1e-9 * abs(plain)
        for k in range(4):
            step = np.zeros(4)
            step[k] = 1e-6
            up = bgnbd._objective(theta * np.exp(step), prepared)[0]
            down = bgnbd._objective(theta * np.exp(-step), prepared)[0]
            assert abs((up - down) / 2e-6 - grad[k]) < 1e-4 * max(1.0, abs(grad[k]))

    def test_gamma_gamma_gradient(self) -> None:
        rng = np.random.default_rng(4)
        x = rng.integers(1, 8, 300).astype(float)
        m = rng.gamma(5.0, 4.0, 300)
        data = gamma_gamma._Data(x, m)
        theta = np.array([5.0, 3.0, 12.0])
        _, grad = gamma_gamma._terms(theta, data)
        for k in range(3):
            step = np.zeros(3)
            step[k] = 1e-6
            up = gamma_gamma._terms(theta * np.exp(step), data)[0]
            down = gamma_gamma._terms(theta * np.exp(-step), data)[0]
            assert abs((up - down) / 2e-6 - grad[k]) < 1e-4 * max(1.0, abs(grad[k]))
