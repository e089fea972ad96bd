"""Errors of the Feed."""

from __future__ import annotations

from crm.errors import CrmError, ValidationFailed


class InvalidCursor(ValidationFailed):
    """A paging cursor that this Feed did not issue (tampered or from another version)."""

    def __init__(self, message: str) -> None:
        super().__init__({"before": message})


class FeedScopeInvalid(CrmError):
    """``feed_for`` needs exactly one owner: a client, a contact, a lead, an interest or a ticket."""
