"""From an id in a console address to what it names, or None for the 404 page.

The console answers an id that names nothing with its 404 page, never the API's 400: an id
beyond a 64-bit integer (api/ids.py: it cannot name a row, and the driver would refuse it)
or one the service does not know (NotFound)."""

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session

from unison.api.ids import MAX_ID
from unison.kit.errors import NotFound

T = TypeVar("T")


def in_range(row_id: int) -> bool:
    """Whether the id can name a row at all."""
    return 0 < row_id <= MAX_ID


def lookup(find: Callable[[Session, int], T], session: Session, row_id: int) -> T | None:
    """What `find(session, row_id)` returns; None when the id is out of range or unknown."""
    if not in_range(row_id):
        return None
    try:
        return find(session, row_id)
    except NotFound:
        return None
