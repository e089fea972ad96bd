"""Domain errors of the runtime (instances, human tasks, timers, messages, incidents, migration)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.errors import EngineError


class InstanceNotFound(EngineError, LookupError):
    """No process instance with that id."""


class InstanceNotRunning(EngineError):
    """The instance is suspended, completed, cancelled or in error, so it cannot take this step."""

    def __init__(self, instance_id: int, status: str) -> None:
        self.instance_id = instance_id
        self.status = status
        super().__init__(f"process instance {instance_id} is {status}")


class ConcurrentUpdate(EngineError):
    """Someone else changed the instance between our read and our write; reload and try again."""

    def __init__(self, instance_id: int) -> None:
        self.instance_id = instance_id
        super().__init__(f"process instance {instance_id} was changed by someone else; reload and retry")


class StepFailed(EngineError):
    """A script, condition or expression failed while advancing the instance; nothing was saved."""

    def __init__(self, instance_id: int, element_id: str | None, message: str) -> None:
        self.instance_id = instance_id
        self.element_id = element_id
        where = f" at {element_id}" if element_id else ""
        super().__init__(f"process instance {instance_id} failed{where}: {message}")


class TaskNotFound(EngineError, LookupError):
    """No human task with that id."""


class TaskNotOpen(EngineError):
    """The task was cancelled (its branch was left) and can no longer be worked on."""


class TaskAlreadyCompleted(EngineError):
    """The task was completed already; says by whom and when."""

    def __init__(self, task_id: int, completed_by: int | None, completed_at: datetime | None) -> None:
        self.task_id = task_id
        self.completed_by = completed_by
        self.completed_at = completed_at
        when = completed_at.isoformat() if completed_at else "earlier"
        super().__init__(f"task {task_id} was already completed by user {completed_by} at {when}")


class TaskNotYours(EngineError):
    """The task is assigned to someone else, or it belongs to a lane the user is not in."""


class FormDataInvalid(EngineError, ValueError):
    """Submitted form data does not match the form's JSON Schema; ``errors`` lists (field path, message)."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{path or '(form)'}: {msg}" for path, msg in errors))


class IncidentNotFound(EngineError, LookupError):
    """No incident with that id."""


class MigrationRefused(EngineError):
    """Moving the instance to the new version is unsafe; ``reasons`` say which tasks are in the way."""

    def __init__(self, instance_id: int, reasons: list[str]) -> None:
        self.instance_id = instance_id
        self.reasons = reasons
        super().__init__(f"cannot migrate instance {instance_id}: " + "; ".join(reasons))


class NoStartableDefinition(EngineError, LookupError):
    """Nothing to start: no definition with that key, or none listening for that message/signal."""

    def __init__(self, detail: Any) -> None:
        super().__init__(str(detail))
