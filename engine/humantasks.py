"""Human tasks: claim, assign, delegate, complete (with server-side form validation) and the task queries.

Completing goes through one engine step (``engine.stepper``); two people completing the same task at once
end with exactly one completion and a ``TaskAlreadyCompleted`` naming who won and when.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import or_, update

from engine import events as ev
from engine.db import db, utcnow
from engine.definitions import form_for
from engine.form_cache import form_validator
from engine.humantask_model import COMPLETED, OPEN, HumanTask
from engine.runtime_errors import (
    ConcurrentUpdate,
    FormDataInvalid,
    TaskAlreadyCompleted,
    TaskNotFound,
    TaskNotOpen,
    TaskNotYours,
)
from engine.step_store import read_task_and_instance
from engine.stepper import Step, run_step
from engine.task_queries import open_tasks_for, tasks_for_instance

COMPLETE_RETRIES = 5
READY = TaskState.READY


def get_task(task_id: int) -> HumanTask:
    """The human task row (fresh from the database); raises ``TaskNotFound``."""
    row = db.session.get(HumanTask, task_id, populate_existing=True)
    if row is None:
        raise TaskNotFound(f"no task with id {task_id}")
    return row


def task_form_schema(task_id: int) -> dict[str, Any] | None:
    """The JSON Schema of the task's form, or None when the task has no form."""
    row = get_task(task_id)
    return form_for(row.form_definition_id, row.form_name) if row.form_name else None


def _lanes(lane_keys: Iterable[str]) -> set[str]:
    return {key.strip().lower() for key in lane_keys}


def _check_open(row: HumanTask) -> None:
    if row.status == COMPLETED:
        raise TaskAlreadyCompleted(row.id, row.completed_by, row.completed_at)
    if row.status != OPEN:
        raise TaskNotOpen(f"task {row.id} ({row.element_name or row.element_id}) is {row.status}")


def _check_may_work(row: HumanTask, user_id: int, lane_keys: Iterable[str]) -> None:
    _check_open(row)
    if row.assignee_id is not None and row.assignee_id != user_id:
        raise TaskNotYours(f"task {row.id} is assigned to user {row.assignee_id}")
    if row.assignee_id is None and row.lane is not None and row.lane not in _lanes(lane_keys):
        raise TaskNotYours(f"task {row.id} belongs to lane {row.lane!r}, which user {user_id} is not in")


def _record(row: HumanTask, kind: str, user_id: int | None, details: dict[str, Any] | None = None) -> None:
    ev.record_event(
        instance_id=row.instance_id,
        definition_id=row.definition_id,
        business_key=row.business_key,
        kind=kind,
        element_id=row.element_id,
        element_name=row.element_name,
        task_id=row.id,
        user_id=user_id,
        details=details,
    )


def _conditional_assign(row: HumanTask, condition: Any, assignee_id: int | None, now: datetime) -> bool:
    result = db.session.execute(
        update(HumanTask)
        .where(HumanTask.id == row.id, HumanTask.status == OPEN, condition)
        .values(assignee_id=assignee_id, claimed_at=now if assignee_id is not None else None)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def claim(
    task_id: int, user_id: int, user_lane_keys: Iterable[str], *, now: datetime | None = None
) -> HumanTask:
    """Take an open task of one of your lanes (or already yours); commits."""
    row = get_task(task_id)
    _check_may_work(row, user_id, user_lane_keys)
    now = now or utcnow()
    free_or_mine = or_(HumanTask.assignee_id.is_(None), HumanTask.assignee_id == user_id)
    if not _conditional_assign(row, free_or_mine, user_id, now):
        db.session.rollback()
        row = get_task(task_id)
        _check_may_work(row, user_id, user_lane_keys)  # raises with the reason somebody else won
    _record(row, ev.TASK_CLAIMED, user_id)
    db.session.commit()
    return get_task(task_id)


def unclaim(task_id: int, user_id: int) -> HumanTask:
    """Give a task you hold back to its lane; commits."""
    row = get_task(task_id)
    _check_open(row)
    if row.assignee_id != user_id:
        raise TaskNotYours(f"task {row.id} is not assigned to user {user_id}")
    if not _conditional_assign(row, HumanTask.assignee_id == user_id, None, utcnow()):
        db.session.rollback()
        raise TaskNotYours(f"task {row.id} is no longer assigned to user {user_id}")
    _record(row, ev.TASK_UNCLAIMED, user_id)
    db.session.commit()
    return get_task(task_id)


def assign(task_id: int, user_id: int, by: int | None) -> HumanTask:
    """Set the task's assignee (a manager's decision; permissions are checked by the caller); commits."""
    row = get_task(task_id)
    _check_open(row)
    _conditional_assign(row, HumanTask.id == row.id, user_id, utcnow())
    _record(row, ev.TASK_ASSIGNED, by, {"assignee_id": user_id, "previous_assignee_id": row.assignee_id})
    db.session.commit()
    return get_task(task_id)


def delegate(task_id: int, to_user_id: int, by: int) -> HumanTask:
    """The current assignee hands the task to someone else; commits."""
    row = get_task(task_id)
    _check_open(row)
    if row.assignee_id != by:
        raise TaskNotYours(f"only the assignee of task {row.id} can delegate it")
    if not _conditional_assign(row, HumanTask.assignee_id == by, to_user_id, utcnow()):
        db.session.rollback()
        raise TaskNotYours(f"task {row.id} is no longer assigned to user {by}")
    _record(
        row, ev.TASK_ASSIGNED, by, {"assignee_id": to_user_id, "previous_assignee_id": by, "delegated": True}
    )
    db.session.commit()
    return get_task(task_id)


def validate_form_data(row: HumanTask, data: dict[str, Any], *, forms: dict[str, Any] | None = None) -> None:
    """Check ``data`` against the task's form schema; raises ``FormDataInvalid`` listing every field error.

    The form belongs to the definition that declares the task (``HumanTask.form_definition_id``: a called
    route map's own for a task inside a call activity). ``forms`` is that definition's forms when the
    caller already read them (no query of its own then).
    """
    if not isinstance(data, dict):
        raise FormDataInvalid([("", "form data must be an object")])
    if not row.form_name:
        return
    schema = forms.get(row.form_name) if forms is not None else None
    if not isinstance(schema, dict):
        schema = form_for(row.form_definition_id, row.form_name)  # raises FormNotFound
    validator = form_validator(row.form_definition_id, row.form_name, schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        raise FormDataInvalid([("/".join(str(p) for p in e.absolute_path), e.message) for e in errors])


def complete_task(
    task_id: int,
    user_id: int,
    data: dict[str, Any],
    user_lane_keys: Iterable[str] = (),
    *,
    now: datetime | None = None,
) -> HumanTask:
    """Complete an open task with form ``data`` and run the process on to its next wait; commits.

    Raises ``TaskNotFound``, ``TaskAlreadyCompleted`` (with who/when), ``TaskNotOpen``, ``TaskNotYours``,
    ``FormDataInvalid``, ``InstanceNotRunning`` or ``StepFailed`` (nothing saved).
    """
    lanes = list(user_lane_keys)
    for _attempt in range(COMPLETE_RETRIES):
        # The task, its instance, the definition's sha256 and the calendar's revision in one SELECT.
        found = read_task_and_instance(task_id)
        if found is None:
            raise TaskNotFound(f"no task with id {task_id}")
        row, loaded, forms = found  # detached: a commit does not expire them
        _check_may_work(row, user_id, lanes)
        validate_form_data(row, data, forms=forms)
        try:
            run_step(
                row.instance_id,
                lambda step, r=row: _complete_in_step(step, r, user_id, data),  # type: ignore[misc]
                now=now,
                user_id=user_id,
                loaded=loaded,
            )
        except ConcurrentUpdate:
            continue  # someone else advanced the instance: look again (maybe it was this very task)
        return row  # as read, plus the columns the step wrote
    raise ConcurrentUpdate(get_task(task_id).instance_id)


def _complete_in_step(step: Step, row: HumanTask, user_id: int, data: dict[str, Any]) -> None:
    task = step.workflow.get_task_from_id(UUID(row.spiff_task_id))
    # Task.run() happily runs a task that is not READY: the check is ours.
    if task is None or not task.has_state(READY):
        raise TaskNotOpen(f"task {row.id} ({row.element_name or row.element_id}) is no longer waiting")
    spec = task.task_spec
    if hasattr(spec, "add_data_from_form"):
        spec.add_data_from_form(task, data)
    else:
        task.data.update(data)
    task.run()
    step.cause_task = row
    step.completed_spiff_ids.add(row.spiff_task_id)
    # Written by the step's commit (a Core UPDATE guarded by status = open); the row object then holds
    # these values, and every other column as read, so returning it needs no second SELECT.
    finished = {
        "status": COMPLETED,
        "completed_by": user_id,
        "completed_at": step.now,
        "assignee_id": row.assignee_id if row.assignee_id is not None else user_id,
    }
    step.finished_rows.append((row, finished))
    step.record(
        ev.TASK_COMPLETED,
        element_id=row.element_id,
        element_name=row.element_name,
        task_id=row.id,
        user_id=user_id,
    )


__all__ = [
    "assign",
    "claim",
    "complete_task",
    "delegate",
    "get_task",
    "open_tasks_for",
    "task_form_schema",
    "tasks_for_instance",
    "unclaim",
    "validate_form_data",
]
