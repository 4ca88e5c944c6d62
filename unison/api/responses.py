"""A JSON response rendered by orjson (UTF-8 as is, datetimes in ISO 8601)."""

from typing import Any

import orjson
from starlette.responses import Response

from unison.kit.errors import UnisonError


class JsonResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def error_response(error: UnisonError) -> JsonResponse:
    """The one error shape; closes the connection when the request was left unread."""
    response = JsonResponse(error.to_dict(), status_code=error.status_code)
    if error.close_connection:
        response.headers["Connection"] = "close"
    return response
