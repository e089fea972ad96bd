"""Process instances: start, suspend, resume, cancel, read.

Every public function here is one short transaction (see ``engine.stepper``) and commits.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from engine import events as ev
from engine.calendar_service import get_default_calendar
from engine.db import db, utcnow
from engine.definition_model import ProcessDefinition
from engine.definitions import get_definition, latest_definition
from engine.instance_model import CANCELLED, RUNNING, SUSPENDED, ProcessInstance
from engine.runtime_errors import NoStartableDefinition
from engine.stepper import Step, advance, commit_step, load_instance, new_step, open_step, run_step


def start_instance(
    key: str | None = None,
    *,
    definition_id: int | None = None,
    data: dict[str, Any] | None = None,
    business_key: str | None = None,
    started_by: int | None = None,
    now: datetime | None = None,
    prepare: Callable[[Step], None] | None = None,
    before_engine: Callable[[Step], None] | None = None,
) -> ProcessInstance:
    """Start the latest version of ``key`` (or exactly ``definition_id``) with initial ``data``; commits.

    Runs the engine until the instance waits (for a person, a timer, a message) or ends. ``prepare`` lets
    the timer/message start machinery act on the start event once it waits (after the first engine steps);
    ``before_engine`` acts on the fresh workflow before any engine step (a timer start pins its start
    event's schedule there, so SpiffWorkflow never replays past occurrences by its wall clock).
    """
    definition = _definition_to_start(key, definition_id)
    now = now or utcnow()
    calendar = get_default_calendar()  # before anything is written: it may create the default calendar
    try:
        instance = ProcessInstance(
            definition_id=definition.id,
            process_key=definition.key,
            business_key=business_key,
            status=RUNNING,
            state="",
            started_by=started_by,
            started_at=now,
            updated_at=now,
        )
        db.session.add(instance)
        db.session.flush()
        step = new_step(definition, instance, now=now, calendar=calendar)
        for task in step.workflow.get_tasks(state=TaskState.READY):
            task.data.update(data or {})
        step.record(
            ev.INSTANCE_STARTED,
            user_id=started_by,
            details={"key": definition.key, "version": definition.version},
        )
        if before_engine is not None:
            before_engine(step)
        ready = advance(step)
        if prepare is not None:  # the start event now waits (timer/message start): let the caller act on it
            prepare(step)
            ready = advance(step)
        commit_step(step, ready=ready)
    except BaseException:
        db.session.rollback()
        raise
    return instance


def _definition_to_start(key: str | None, definition_id: int | None) -> ProcessDefinition:
    if definition_id is not None:
        return get_definition(definition_id)
    if key is None:
        raise NoStartableDefinition("give a process key or a definition id to start")
    definition = latest_definition(key)
    if definition is None:
        raise NoStartableDefinition(f"no route map with key {key!r} is deployed")
    return definition


def get_instance(instance_id: int) -> ProcessInstance:
    """The instance row; raises ``InstanceNotFound``."""
    return load_instance(instance_id)


def instances_for_business_key(business_key: str) -> list[ProcessInstance]:
    """Every instance started for a business key (a deal, a ticket), newest first."""
    query = select(ProcessInstance).where(ProcessInstance.business_key == business_key)
    return list(db.session.scalars(query.order_by(ProcessInstance.id.desc())))


def instance_data(instance_id: int) -> dict[str, Any]:
    """Process variables: the final data of a finished instance, else the data at its current step(s)."""
    step = open_step(instance_id, statuses=("running", "suspended", "completed", "cancelled", "error"))
    db.session.rollback()
    workflow = step.workflow
    if workflow.is_completed():
        return dict(workflow.data)
    data: dict[str, Any] = {}
    for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.STARTED):
        data.update(task.data)
    return data


def suspend_instance(instance_id: int, *, user_id: int | None = None, now: datetime | None = None) -> None:
    """Pause an instance: its timers stop, messages wait as unmatched, tasks cannot be completed."""
    run_step(
        instance_id,
        lambda step: step.record(ev.INSTANCE_SUSPENDED, user_id=user_id),
        now=now,
        user_id=user_id,
        run_engine=False,
        status=SUSPENDED,
    )


def resume_instance(instance_id: int, *, user_id: int | None = None, now: datetime | None = None) -> None:
    """Continue a suspended instance; overdue timers fire on the next scheduler tick."""
    run_step(
        instance_id,
        lambda step: step.record(ev.INSTANCE_RESUMED, user_id=user_id),
        now=now,
        user_id=user_id,
        statuses=(SUSPENDED,),
        status=RUNNING,
    )


def cancel_instance(
    instance_id: int, *, user_id: int | None = None, reason: str = "", now: datetime | None = None
) -> None:
    """Stop an instance for good: open tasks are cancelled, timers and subscriptions removed."""

    def cancel(step: Step) -> None:
        step.workflow.cancel()
        step.instance.ended_at = step.now
        step.record(ev.INSTANCE_CANCELLED, user_id=user_id, details={"reason": reason[:500]})

    run_step(
        instance_id,
        cancel,
        now=now,
        user_id=user_id,
        statuses=(RUNNING, SUSPENDED),
        run_engine=False,
        status=CANCELLED,
    )
