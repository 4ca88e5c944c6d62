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
    """One item failed validation; the class names the rule (`error`, as recorded with the
    rejected item), `field` the place. A batch records it per item; a single /v1/<type> call
    answers it."""

    def __init__(self, detail: str, *, field: str | None) -> None:
        super().__init__(detail, field=field)
        self.error = type(self).__name__


class InvalidEvent(EventRejected):
    status_code = 400


class EventTooLarge(EventRejected):
    status_code = 413


class InvalidLine(EventRejected):
    """An import line that is not a record of its format (`unison events import`)."""
