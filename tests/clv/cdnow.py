"""The CDNOW sample (2,357 customers) as shipped inside the `lifetimes` package.

Read straight from the installed package directory: lifetimes' own loader breaks on recent
setuptools, and only its data files are used (never its models).
"""

import importlib.util
from datetime import date
from pathlib import Path

import numpy as np


def directory() -> Path:
    spec = importlib.util.find_spec("lifetimes")
    assert spec is not None, "lifetimes (dev extra) is not installed"
    assert spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations))) / "datasets"


def transactions() -> list[tuple[int, date, float]]:
    """(sample customer ID, date, dollars): 6,919 rows."""
    rows = []
    for line in (directory() / "CDNOW_sample.txt").read_text().splitlines():
        _master, sample_id, day, _cds, dollars = line.split()
        when = date(int(day[:4]), int(day[4:6]), int(day[6:]))
        rows.append((int(sample_id), when, float(dollars)))
    return rows


def published_summary() -> dict[int, tuple[float, float, float, float]]:
    """ID -> (x, t_x, T, mean repeat spend) as published (two decimals)."""
    table = np.genfromtxt(
        directory() / "cdnow_customers_summary_with_transactions.csv", delimiter=",", skip_header=1
    )
    return {int(row[0]): (row[1], row[2], row[3], row[4]) for row in table}
