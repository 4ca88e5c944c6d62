"""The errors of consent: each a `UnisonError` with its HTTP status (kit/errors.py)."""

from unison.kit.errors import Conflict, Forbidden, InvalidParameter, NotFound


class PurposeExists(Conflict):
    pass


class IdentifierNotOwned(Conflict):
    pass


class NoReachableIdentifier(Conflict):
    pass


class LinkInvalid(Forbidden):
    pass


class OneClickMissing(InvalidParameter):
    pass


class TimeZoneUnknown(InvalidParameter):
    pass


class ConsentInvalid(InvalidParameter):
    pass


class SuppressionInvalid(InvalidParameter):
    pass


class SuppressionNotFound(NotFound):
    pass


class PurposeUnknown(InvalidParameter):
    pass


class ChannelUnknown(InvalidParameter):
    pass


class WebhookInvalid(InvalidParameter):
    pass


class WebhookNotFound(NotFound):
    pass
