"""A JSON response rendered by orjson (UTF-8 as is, datetimes in ISO 8601)."""

from typing import Any

import orjson
from starlette.responses import Response


class JsonResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)
