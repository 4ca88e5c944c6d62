"""Server-rendered SVG charts (matplotlib's Agg backend: no display, no JavaScript).

Text stays text in the SVG (`svg.fonttype: none`), so labels in Georgian, Armenian, Hebrew
or Cyrillic are drawn by the browser's fonts and read by screen readers; each chart carries
a <title> for its accessible name. Colours pass WCAG AA contrast on white.
"""

import io
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from typing import Any

INK = "#1f2933"  # text and axes: 14:1 on white
PRIMARY = "#1f4e79"  # 8.6:1 on white
SECOND = "#a0430a"  # 6.1:1 on white
_HEAD = re.compile(r"^.*?(<svg\b)", re.DOTALL)


@dataclass(frozen=True)
class Labels:
    title: str
    x: str
    y: str


def _figure(width: float = 7.0, height: float = 3.6) -> Any:
    import matplotlib  # imported on first chart: start-up stays free of it

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    matplotlib.rcParams.update(
        {
            "svg.fonttype": "none",
            "font.family": ["DejaVu Sans", "sans-serif"],
            "text.color": INK,
            "axes.labelcolor": INK,
            "axes.edgecolor": INK,
            "xtick.color": INK,
            "ytick.color": INK,
            "svg.hashsalt": "unison",  # stable ids: the same data gives the same bytes
        }
    )
    figure = Figure(figsize=(width, height), dpi=100)
    return figure, figure.subplots()


def _finish(figure: Any, axes: Any, labels: Labels) -> str:
    axes.set_xlabel(labels.x)
    axes.set_ylabel(labels.y)
    axes.grid(alpha=0.3, axis="y")
    axes.spines[["top", "right"]].set_visible(False)
    out = io.StringIO()
    with warnings.catch_warnings():
        # Matplotlib measures text with its own font, which lacks some glyphs (₾, scripts);
        # the browser draws the text with its fonts, so the measurement is only for layout.
        warnings.filterwarnings("ignore", message="Glyph .* missing", category=UserWarning)
        figure.tight_layout()
        figure.savefig(out, format="svg", metadata={"Date": None})
    svg = _HEAD.sub(r"\1", out.getvalue(), count=1)
    # the accessible name: a <title> as the first child, and role="img"
    head, _, rest = svg.partition(">")
    return f'{head} role="img">\n<title>{escape(labels.title)}</title>{rest}'


def histogram(edges: Sequence[float], counts: Sequence[int], labels: Labels) -> str:
    figure, axes = _figure()
    if counts:
        widths = [edges[i + 1] - edges[i] for i in range(len(counts))]
        axes.bar(edges[:-1], counts, width=widths, align="edge", color=PRIMARY, edgecolor="white")
    return _finish(figure, axes, labels)


def bars(names: Sequence[str], values: Sequence[float], labels: Labels) -> str:
    figure, axes = _figure()
    axes.bar(list(names), list(values), color=PRIMARY)
    if len(names) > 8:
        axes.tick_params(axis="x", labelrotation=60)
    return _finish(figure, axes, labels)


def lines(xs: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], labels: Labels) -> str:
    """One line per (name, values) over the same x labels; the first solid, others dashed."""
    figure, axes = _figure()
    styles = [("o-", PRIMARY), ("s--", SECOND)]
    for index, (name, values) in enumerate(series):
        marker, colour = styles[index % len(styles)]
        axes.plot(list(xs), list(values), marker, label=name, color=colour, markersize=3)
    if len(series) > 1:
        axes.legend()
    if len(xs) > 12:
        step = max(1, len(xs) // 8)
        axes.set_xticks(range(0, len(xs), step))
        axes.set_xticklabels([xs[i] for i in range(0, len(xs), step)], rotation=30)
    return _finish(figure, axes, labels)


# The same figures give the same chart: drawn once per process, then served from memory
# (drawing costs tens of milliseconds; a page's budget is 200).
@lru_cache(maxsize=256)
def _cached(kind: str, first: tuple[Any, ...], second: tuple[Any, ...], labels: Labels) -> str:
    if kind == "histogram":
        return histogram(first, second, labels)
    if kind == "bars":
        return bars(first, second, labels)
    return lines(first, second, labels)


def cached_histogram(edges: Sequence[float], counts: Sequence[int], labels: Labels) -> str:
    return _cached("histogram", tuple(edges), tuple(counts), labels)


def cached_bars(names: Sequence[str], values: Sequence[float], labels: Labels) -> str:
    return _cached("bars", tuple(names), tuple(values), labels)


def cached_lines(
    xs: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], labels: Labels
) -> str:
    frozen = tuple((name, tuple(values)) for name, values in series)
    return _cached("lines", tuple(xs), frozen, labels)
