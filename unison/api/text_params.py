"""U+0000 in a path or query parameter, or in an /api JSON body, is refused up front.

PostgreSQL text cannot hold NUL; a parameter carrying one would otherwise reach a query and
fail there as a 500 on PostgreSQL while SQLite answers 404. One rule for both stores: a 400
naming the parameter or field.
"""

from typing import Any

from starlette.requests import Request

from unison.api.errors import NulCharacter

_NUL = "\x00"


def _refuse(field: str) -> None:
    raise NulCharacter(f"{field} contains U+0000 (NUL), which is not accepted", field=field)


def refuse_nul_in_body(body: Any) -> None:
    """Called by api/body.py's depth check on the /api JSON body it has parsed already."""
    field = _nul_field(body, "")
    if field is not None:
        _refuse(field)


def _nul_field(value: Any, path: str) -> str | None:
    """The dotted path of the first string (or key) in `value` holding NUL, else None."""
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if _NUL in item:
                return where or "body"
        elif isinstance(item, dict):
            for key, child in item.items():
                name = f"{where}.{key}" if where else str(key)
                if _NUL in str(key):
                    return name
                stack.append((child, name))
        elif isinstance(item, list):
            stack.extend((child, f"{where}[{i}]") for i, child in enumerate(item))
    return None


async def refuse_nul_characters(request: Request) -> None:
    """App-wide dependency for the /api routes' parameters (/v1 and /hooks have their own
    checks; the customer pages verify their signed token first and answer their own 403
    page). JSON bodies are checked by `refuse_nul_in_body`, on the parse the depth check
    makes anyway."""
    if not request.url.path.startswith("/api/"):
        return
    for name, value in request.path_params.items():
        if isinstance(value, str) and _NUL in value:
            _refuse(name)
    for name, value in request.query_params.multi_items():
        if _NUL in name or _NUL in value:
            _refuse(name)
