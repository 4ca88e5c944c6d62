"""The one error base; every domain declares its own subclasses with precise messages."""

from typing import Any


class UnisonError(Exception):
    status_code = 400
    # True when the request could not be read to its end (a body past the drain bound): the
    # answer then closes the connection instead of leaving unread bytes in front of the next.
    close_connection = False

    def __init_subclass__(cls, status: int | None = None, **kwargs: Any) -> None:
        # `class X(UnisonError, status=409): ...` declares an error in one line.
        super().__init_subclass__(**kwargs)
        if status is not None:
            cls.status_code = status

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        status_code: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra or {}
        if status_code is not None:
            self.status_code = status_code

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": type(self).__name__, "detail": self.detail}
        if self.field is not None:
            body["field"] = self.field
        body.update(self.extra)
        return body


class NotFound(UnisonError, status=404): ...


class Unauthorized(UnisonError, status=401): ...


class Forbidden(UnisonError, status=403): ...


class Conflict(UnisonError, status=409): ...


class PayloadTooLarge(UnisonError, status=413): ...


class InvalidParameter(UnisonError, status=400): ...
