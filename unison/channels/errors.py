"""The errors of channels: each a `UnisonError` with its HTTP status (kit/errors.py)."""

from unison.kit.errors import Conflict, NotFound, Unauthorized, UnisonError


class WebhookMalformed(UnisonError, status=400):
    """The body is not the provider's documented format; `field` names the place."""


class MethodNotAllowed(UnisonError, status=405): ...


class ConnectorInvalid(UnisonError, status=400): ...


class ConnectorExists(Conflict): ...


class ConnectorNotFound(NotFound): ...


class SecretsUnreadable(UnisonError, status=503):
    """Stored secrets do not decrypt under the current key: a configuration problem."""


class SignatureInvalid(Unauthorized):
    """The provider's signature or secret is missing or wrong: 401, nothing stored."""
