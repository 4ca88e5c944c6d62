"""CLV benchmark: fit BG/NBD + Gamma-Gamma on 1,000,000 synthetic customers, against the
`lifetimes` package on the same data in the same run, and score all of them.

    .venv/bin/python -m bench.clv [--customers 1000000] [--runs 5] [--lifetimes-runs 2]

Customers are drawn from the models fitted on CDNOW (BG/NBD r=0.243 alpha=4.414 a=0.793
b=2.426 per week; Gamma-Gamma p=6.25 q=3.74 gamma=15.44), acquired over 12 weeks and
observed to week 39, with purchase times in whole days (as a log gives them). Prints the
median of several runs and the ratios. Not part of the test suite.
"""

import argparse
import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from unison.clv.models import bgnbd, gamma_gamma
from unison.clv.scoring import score

R, ALPHA, A, B = 0.243, 4.414, 0.793, 2.426
P, Q, GAMMA = 6.25, 3.74, 15.44


def synthesize(n: int, seed: int = 42) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    arrival_day = rng.integers(0, 84, n)
    T = (273 - arrival_day) / 7.0
    rate = rng.gamma(R, 1 / ALPHA, n)
    dropout = rng.beta(A, B, n)
    alive_for = rng.geometric(dropout)  # repeat purchases until the one after which they leave
    arrivals = rng.poisson(rate * T)
    x = np.minimum(arrivals, alive_for)
    # the x-th of `arrivals` uniform purchase times: Beta(x, arrivals - x + 1) of T
    buyer = x > 0
    t_x = np.zeros(n)
    t_x[buyer] = T[buyer] * rng.beta(x[buyer], arrivals[buyer] - x[buyer] + 1)
    t_x = np.minimum(np.round(t_x * 7) / 7, T)  # whole days
    x = np.where(t_x > 0, x, 0).astype(np.float64)  # same-day repeats merge into the first
    nu = rng.gamma(Q, 1 / GAMMA, n)
    m = np.zeros(n)
    m[x > 0] = rng.gamma(P * x[x > 0], 1 / (nu[x > 0] * x[x > 0]))
    return {"x": x, "t_x": t_x, "T": T, "m": m}


def timed(work: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def ours(data: dict[str, np.ndarray]) -> tuple[bgnbd.BGNBD, gamma_gamma.GammaGamma]:
    return (
        bgnbd.fit(data["x"], data["t_x"], data["T"]),
        gamma_gamma.fit(data["x"], data["m"]),
    )


def theirs(data: dict[str, np.ndarray]) -> tuple[dict[str, float], dict[str, float]]:
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        purchases = BetaGeoFitter().fit(data["x"], data["t_x"], data["T"])
        repeat = data["x"] > 0
        spend = GammaGammaFitter().fit(data["x"][repeat], data["m"][repeat])
    return dict(purchases.params_), dict(spend.params_)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--lifetimes-runs", type=int, default=2)
    args = parser.parse_args()

    data = synthesize(args.customers)
    distinct = len(np.unique(np.stack([data["x"], data["t_x"], data["T"]]), axis=1).T)
    print(
        f"{args.customers:,} customers, {distinct:,} distinct (x, t_x, T) rows, "
        f"{int((data['x'] > 0).sum()):,} repeat buyers"
    )

    fit_s, (bg, gg) = timed(lambda: ours(data), args.runs)
    print(f"unison  BG/NBD + Gamma-Gamma fit: median {fit_s:.3f} s over {args.runs} runs")
    print(
        f"        r={bg.r:.4f} alpha={bg.alpha:.4f} a={bg.a:.4f} b={bg.b:.4f} "
        f"p={gg.p:.4f} q={gg.q:.4f} gamma={gg.gamma:.4f}"
    )

    score_s, scores = timed(
        lambda: score(bg, gg, data["x"], data["t_x"], data["T"], data["m"], unit="weeks"),
        args.runs,
    )
    finite = all(np.isfinite(v).all() for v in (scores.p_alive, scores.expected_orders, scores.clv))
    print(
        f"unison  scoring (p_alive, expected orders 90 d, 12-month CLV): median {score_s:.3f} s"
        f"; all finite: {finite}"
    )

    if args.lifetimes_runs <= 0:
        return
    ref_s, (ref_bg, ref_gg) = timed(lambda: theirs(data), args.lifetimes_runs)
    print(f"lifetimes fit: median {ref_s:.3f} s over {args.lifetimes_runs} runs")
    mine = {**bg.as_dict(), **gg.as_dict()}
    reference = {**ref_bg, "p": ref_gg["p"], "q": ref_gg["q"], "gamma": ref_gg["v"]}
    worst = 0.0
    for name, value in mine.items():
        other = float(reference[name])
        if not np.isfinite(other):
            print(f"  lifetimes gave {name} = {other} (non-finite)")
            continue
        worst = max(worst, abs(value - other) / abs(other))
    print(f"speed-up {ref_s / fit_s:.1f}x; largest relative difference in estimates {worst:.2e}")


if __name__ == "__main__":
    main()
