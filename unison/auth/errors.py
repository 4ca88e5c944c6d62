"""What goes wrong with staff users, logins and sessions."""

from unison.kit.errors import Conflict, NotFound, UnisonError


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
