"""What can go wrong computing lifetime value, each with a precise message."""

from unison.kit.errors import UnisonError


class ClvInputInvalid(UnisonError):
    """The transactions or the summary handed to a model cannot be used as they are."""


class NotEnoughData(UnisonError, status=409):
    """Too few customers, or no repeat purchases, for a model to be identified."""


class FitDidNotConverge(UnisonError, status=409):
    """The optimizer stopped without finding the maximum of the likelihood."""


class MixedCurrencies(UnisonError, status=409):
    """Orders in several currencies and no single currency configured to model."""


class ExchangeRateMissing(UnisonError, status=409):
    """An amount needs converting and no rate for its currency precedes its date."""
