"""Domain errors of the notifications package."""

from __future__ import annotations

from crm.errors import CrmError


class NotificationError(CrmError):
    """Base of the notifications package's errors."""


class InvalidNotificationId(NotificationError):
    """An id that no notification store knows (not ``"<source>-<number>"``)."""


class InvalidCursor(NotificationError):
    """A ``before`` paging token that no list handed out."""
