"""RFM: recency, frequency and monetary scores 1-5 by quintile over buyers, and the named
cells of the standard RFM segment map, written as computed traits rfm_r, rfm_f, rfm_m and
rfm_cell (source "rfm").

Recency is scored on the moment of the last order (later is better), frequency on the
order count, monetary on revenue summed over currencies. A refresh computes the quintile
boundaries over every buyer and scores them all; between refreshes each new order scores
its buyer against the stored boundaries (incremental, one profile at a time).
"""

from bisect import bisect_left
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from unison.profiles import computed_traits
from unison.segments import repository as rows

SOURCE = "rfm"
STATE_KEY = "rfm_boundaries"
NAMES = ("rfm_r", "rfm_f", "rfm_m", "rfm_cell")
CELLS = (
    "champions",
    "loyal",
    "potential_loyalists",
    "new",
    "promising",
    "needs_attention",
    "about_to_sleep",
    "at_risk",
    "cannot_lose_them",
    "hibernating",
    "lost",
)


def cell(r: int, fm: int) -> str:
    """The standard RFM map on recency and the mean of frequency and monetary."""
    if r <= 2:
        if fm == 5:
            return "cannot_lose_them"
        if fm >= 3:
            return "at_risk"
        return "lost" if r == 1 and fm == 1 else "hibernating"
    if r == 3:
        return "about_to_sleep" if fm <= 2 else "needs_attention" if fm == 3 else "loyal"
    if fm >= 4:
        return "champions" if r == 5 else "loyal"
    if fm >= 2:
        return "potential_loyalists"
    return "new" if r == 5 else "promising"


def _cuts(values: list[float]) -> list[float]:
    ordered = sorted(values)
    return [ordered[min(len(ordered) - 1, (len(ordered) * q) // 5)] for q in (1, 2, 3, 4)]


def _score(value: float, cuts: list[float]) -> int:
    return 1 + bisect_left(cuts, value)  # values equal to a cut stay in the lower quintile


def facts_of(
    order_count: int, revenue: Any, last_order_at: datetime | None
) -> tuple[float, float, float] | None:
    if not order_count or last_order_at is None:
        return None
    money = sum(v for v in (revenue or {}).values() if isinstance(v, int | float))
    return last_order_at.timestamp(), float(order_count), float(money)


def scores(
    values: tuple[float, float, float], boundaries: dict[str, list[float]]
) -> dict[str, Any]:
    r = _score(values[0], boundaries["r"])
    f = _score(values[1], boundaries["f"])
    m = _score(values[2], boundaries["m"])
    fm = int((f + m) / 2 + 0.5)
    return {"rfm_r": r, "rfm_f": f, "rfm_m": m, "rfm_cell": cell(r, fm)}


def boundaries(session: Session) -> dict[str, list[float]] | None:
    found = rows.state(session, STATE_KEY)
    return found if isinstance(found, dict) else None


def refresh(session: Session, now: datetime) -> dict[str, Any]:
    """Recompute the boundaries over every buyer and score them all."""
    buyers = []
    for pid, count, revenue, last in rows.order_stats(session):
        values = facts_of(count, revenue, last)
        if values is not None:
            buyers.append((pid, values))
    if not buyers:
        return {"buyers": 0, "cells": {}}
    found = {
        "r": _cuts([v[0] for _, v in buyers]),
        "f": _cuts([v[1] for _, v in buyers]),
        "m": _cuts([v[2] for _, v in buyers]),
    }
    rows.set_state(session, STATE_KEY, found, now)
    written: list[tuple[int, str, Any]] = []
    cells: dict[str, int] = {}
    for pid, values in buyers:
        scored = scores(values, found)
        cells[scored["rfm_cell"]] = cells.get(scored["rfm_cell"], 0) + 1
        written += [(pid, name, value) for name, value in scored.items()]
    computed_traits.write(session, SOURCE, written, now)
    return {"buyers": len(buyers), "cells": cells, "boundaries": found}
