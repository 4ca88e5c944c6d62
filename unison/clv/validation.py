"""How well the purchase model predicts: fitted on a calibration period, its expected
purchases in the holdout period against what customers actually bought, by the number of
repeat purchases they made in calibration (the check of Fader, Hardie & Lee 2005, fig. 4).
"""

import io
from dataclasses import dataclass

import numpy as np

from unison.clv.models import bgnbd, pareto_nbd
from unison.clv.summary import Summary

TOP_GROUP = 7  # customers with 7 or more calibration repeat purchases form one group


@dataclass(frozen=True)
class GroupRow:
    frequency: str  # "0" ... "6", "7+"
    customers: int
    actual: float  # mean holdout purchases
    predicted: float  # mean expected holdout purchases


def by_frequency(summary: Summary, model: bgnbd.BGNBD | pareto_nbd.ParetoNBD) -> list[GroupRow]:
    args = (summary.duration_holdout, summary.frequency, summary.recency, summary.T)
    if isinstance(model, bgnbd.BGNBD):
        expected = bgnbd.expected_purchases(model, *args)
    else:
        expected = pareto_nbd.expected_purchases(model, *args)
    group = np.minimum(summary.frequency, TOP_GROUP).astype(int)
    rows = []
    for value in range(TOP_GROUP + 1):
        members = group == value
        count = int(members.sum())
        if count == 0:
            continue
        rows.append(
            GroupRow(
                frequency=f"{value}+" if value == TOP_GROUP else str(value),
                customers=count,
                actual=float(summary.frequency_holdout[members].mean()),
                predicted=float(expected[members].mean()),
            )
        )
    return rows


def model_label(model: bgnbd.BGNBD | pareto_nbd.ParetoNBD) -> str:
    return "BG/NBD" if isinstance(model, bgnbd.BGNBD) else "Pareto/NBD"


def plot(rows: list[GroupRow], fmt: str, unit: str, holdout: float, model: str = "BG/NBD") -> bytes:
    """The table as a chart, PNG or SVG (matplotlib's Agg backend: no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 4.2), dpi=110)
    axes = figure.subplots()
    labels = [row.frequency for row in rows]
    axes.plot(labels, [row.actual for row in rows], "o-", label="actual", color="#1f4e79")
    axes.plot(labels, [row.predicted for row in rows], "s--", label=model, color="#c55a11")
    axes.set_xlabel("repeat purchases in the calibration period")
    axes.set_ylabel(f"mean purchases in the {holdout:.4g}-{unit.rstrip('s')} holdout")
    axes.set_title("Predicted vs actual holdout purchases")
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format=fmt)
    return out.getvalue()
