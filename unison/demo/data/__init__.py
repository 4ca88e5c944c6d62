"""The demo's reference data as JSON: products, market texts, countries and markets.

Tables of names and phrases in six scripts read better, and diff better, as data than as Python
literals; the modules that use them (``catalogue``, ``texts``, ``markets``) load them at import.
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any


def load(name: str) -> Any:
    """The parsed contents of ``<name>.json`` in this package."""
    return json.loads(files(__name__).joinpath(f"{name}.json").read_text(encoding="utf-8"))
