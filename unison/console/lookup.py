"""From an id in a console address to what it names, or None for the 404 page.

The console answers an id that names nothing with its 404 page, never the API's 400: an id
beyond a 64-bit integer (api/ids.py: it cannot name a row, and the driver would refuse it)
or one the service does not know (NotFound). A page that cannot go on without the row asks
`found`, which raises `PageNotFound`; the console's handler draws the 404 page."""

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session

from unison.api.ids import MAX_ID
from unison.console.security import Staff
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


class PageNotFound(Exception):
    """The address names nothing: the 404 page (in the layout for a logged-in user)."""

    def __init__(self, staff: Staff | None) -> None:
        super().__init__("not found")
        self.staff = staff


def found(find: Callable[[Session, int], T], session: Session, row_id: int, staff: Staff) -> T:
    """What `find(session, row_id)` returns; else PageNotFound, before anything is done."""
    row = lookup(find, session, row_id)
    if row is None:
        raise PageNotFound(staff)
    return row
