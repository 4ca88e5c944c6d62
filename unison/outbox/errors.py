"""The outbox's errors."""

from unison.kit.errors import InvalidParameter


class ReceiptKindUnknown(InvalidParameter):
    """A receipt named a kind that is not one of receipts.KINDS."""


class DestinationRefused(InvalidParameter):
    """A webhook destination that is not http(s), or resolves to an inside address."""
