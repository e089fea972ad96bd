"""Domain errors of the workplaces."""

from __future__ import annotations

from crm.errors import CrmError


class MoveNotAllowed(CrmError):
    """The route map does not lead the deal to that stage from where it stands; ``task_id`` is the step to open."""

    def __init__(self, message: str, *, reason: str, task_id: int | None = None, **params: object) -> None:
        self.reason = reason  # no_route | form_needed | not_yours | failed: the UI words each one
        self.task_id = task_id
        self.params = params
        super().__init__(message)


class NothingToTake(CrmError):
    """The support queue has no unassigned appeal left."""
