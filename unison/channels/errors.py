"""The errors of channels: each a `UnisonError` with its HTTP status (kit/errors.py)."""

from unison.kit.errors import Conflict, NotFound, Unauthorized, UnisonError


class WebhookMalformed(UnisonError):
    """The body is not the provider's documented format; `field` names the place."""

    status_code = 400


class MethodNotAllowed(UnisonError):
    status_code = 405


class ConnectorInvalid(UnisonError):
    status_code = 400


class ConnectorExists(Conflict):
    pass


class ConnectorNotFound(NotFound):
    pass


class SecretsUnreadable(UnisonError):
    """Stored secrets do not decrypt under the current key: a configuration problem."""

    status_code = 503


class SignatureInvalid(Unauthorized):
    """The provider's signature or secret is missing or wrong: 401, nothing stored."""
