"""What can go wrong computing lifetime value, each with a precise message."""

from unison.kit.errors import UnisonError


class ClvInputInvalid(UnisonError):
    """The transactions or the summary handed to a model cannot be used as they are."""


class NotEnoughData(UnisonError):
    """Too few customers, or no repeat purchases, for a model to be identified."""

    status_code = 409


class FitDidNotConverge(UnisonError):
    """The optimizer stopped without finding the maximum of the likelihood."""

    status_code = 409


class MixedCurrencies(UnisonError):
    """Orders in several currencies and no single currency configured to model."""

    status_code = 409


class ExchangeRateMissing(UnisonError):
    """An amount needs converting and no rate for its currency precedes its date."""

    status_code = 409
