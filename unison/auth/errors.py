"""The errors of auth (tokens, staff users, logins): each a `UnisonError` with its HTTP
status (kit/errors.py). A wrong name and a wrong password are one error, LoginRefused."""

from unison.kit.errors import Conflict, NotFound, UnisonError


class TokenInvalid(UnisonError):
    status_code = 400


class TokenExists(Conflict):
    pass


class TokenNotFound(NotFound):
    pass


class StaffUserInvalid(UnisonError):
    status_code = 400


class StaffUserExists(Conflict):
    pass


class StaffUserNotFound(NotFound):
    pass


class PasswordRefused(UnisonError):
    """A new password that is too weak, or a wrong current password when changing it."""

    status_code = 400


class LoginRefused(UnisonError):
    """Wrong name or password, or a disabled account: one message, no hint which."""

    status_code = 401


class LoginThrottled(UnisonError):
    status_code = 429
