"""The errors of events: each a `UnisonError` with its HTTP status (kit/errors.py)."""

from unison.kit.errors import NotFound, UnisonError


class InvalidBatch(UnisonError):
    status_code = 400


class BatchTooLarge(UnisonError):
    status_code = 400


class BatchRejected(UnisonError):
    status_code = 400


class EventNotFound(NotFound):
    pass


class ImportSetupError(UnisonError):
    """The import cannot start: unknown format, bad mapping option."""


class EventRejected(UnisonError):
    """One item failed validation; `error` names the rule, `field` the place."""

    def __init__(self, detail: str, *, field: str | None, error: str = "InvalidEvent") -> None:
        super().__init__(detail, field=field)
        self.error = error
