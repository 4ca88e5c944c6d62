"""Form bodies for handlers whose fields are not known in advance (a connector's secrets)."""

from fastapi import Request
from starlette.datastructures import FormData


async def form_of(request: Request) -> FormData:
    """The parsed form, as a dependency, so the handler itself can stay synchronous (it runs
    on the thread pool and may do blocking database work)."""
    return await request.form()  # cached by Starlette: the CSRF check read the same parse
