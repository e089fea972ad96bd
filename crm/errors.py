"""Domain errors of the CRM: the web layer turns each into a clear message and a status code."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class CrmError(Exception):
    """Base of every CRM domain error."""


class AccessDenied(CrmError):
    """The acting user may not see or change this record."""


class NotFound(CrmError):
    """The record does not exist (or was merged away)."""


class ValidationFailed(CrmError):
    """Input is invalid; ``field_errors`` maps a field name to a message for the form."""

    def __init__(self, field_errors: dict[str, str]) -> None:
        self.field_errors = dict(field_errors)
        super().__init__("; ".join(f"{field}: {msg}" for field, msg in self.field_errors.items()))


class DuplicateFound(CrmError):
    """A client/contact like this one exists; ``candidates`` lists them (pass ``allow_duplicate`` to insist)."""

    def __init__(self, candidates: Sequence[Any], message: str | None = None) -> None:
        self.candidates = list(candidates)
        super().__init__(message or f"{len(self.candidates)} possible duplicate(s) found")
