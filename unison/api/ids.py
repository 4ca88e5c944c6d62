"""The one type for a database id anywhere in a request: path, query or body.

Ids are 64-bit signed integers in both stores; a larger number cannot name a row, and handing
it to the driver raises (SQLite: "Python int too large"), so it is refused at the boundary.
Use it inside a FastAPI marker (`Annotated[DbId, Path(description=...)]`), bare for a path
parameter with no description (FastAPI knows it from the path: a `Path()` marker adds nothing),
or as a pydantic field type; an out-of-range id answers 400 (path, query) or 422 (body) naming
the field.
"""

from typing import Annotated

from annotated_types import Interval
from fastapi import Path

MAX_ID = 2**63 - 1

DbId = Annotated[int, Interval(ge=1, le=MAX_ID)]

# A profile named in a path: merges keep the merged-away ids answering for the live profile.
ProfileId = Annotated[DbId, Path(description="a profile id; merged-away ids still work")]
