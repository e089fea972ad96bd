"""Domain errors of accounts; the web layer shows their messages next to the field or as a flash."""


class AccountError(Exception):
    """Base error: ``field`` names the form field the message belongs to, when there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class LoginFailed(AccountError):
    """Wrong password or unknown user (one message for both, so names cannot be probed)."""


class LoginRateLimited(AccountError):
    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(
            f"Too many failed log-ins. Try again in {max(1, retry_after_seconds // 60 + 1)} min.", None
        )
        self.retry_after_seconds = retry_after_seconds


class AccountInvalid(AccountError):
    """Bad input for a user, department, role or group."""


class UserHasHistory(AccountError):
    """The user has worked in the system: deactivate instead of deleting."""
