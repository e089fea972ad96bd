"""Firing timers. SpiffWorkflow never fires a timer by itself: the scheduler reads due rows of the ``timers``
projection (index on due_at: the cost follows what is due, not what waits) and advances those instances.

On PostgreSQL each due row is locked with ``FOR UPDATE SKIP LOCKED`` for the step that fires it, so two
schedulers never fire the same timer; on SQLite the instance version check does the same job.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition, TimerEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select, update

from engine import events as ev
from engine.db import db, utcnow
from engine.runtime_errors import ConcurrentUpdate, InstanceNotRunning, StepFailed
from engine.stepper import Step, element_of, run_step
from engine.wait_models import WaitingTimer

FAILED_TIMER_RETRY = timedelta(minutes=5)
_LONG_AGO = datetime(1970, 1, 1, tzinfo=UTC)


def force_fire(task: Any, *, now: datetime | None = None) -> None:
    """Make a waiting timer task fire now, whatever SpiffWorkflow's wall clock says (our projection decided).

    Duration/date timers are marked fired. A cycle spawns its next branch and keeps its own schedule: the
    next occurrence is the previous planned one plus the period, not "now plus the period". Given ``now``,
    occurrences already past then (missed while no scheduler ran) are skipped and count against the
    cycle's repetitions: a cycle fires at most once per firing, never a burst of catch-up branches.
    """
    definition = task.task_spec.event_definition
    if isinstance(definition, MultipleEventDefinition):  # event-based gateway: its timer branch wins
        timer = next(d for d in definition.event_definitions if isinstance(d, TimerEventDefinition))
        seen = task.internal_data.get("seen_events", [])
        task._set_internal_data(seen_events=[*seen, BpmnEvent(timer)])
        task.task_spec._update(task)
        return
    if isinstance(definition, CycleTimerEventDefinition):
        value = task._get_internal_data("event_value")
        if isinstance(value, dict) and value.get("cycles") != 0:
            planned = datetime.fromisoformat(value["next"])
            value["next"] = _LONG_AGO.isoformat()
            task._set_internal_data(event_value=value)
            task.task_spec._update(task)
            after = task._get_internal_data("event_value")
            if isinstance(after, dict) and "next" in after:
                after["next"] = (planned + timedelta(seconds=after["duration"])).isoformat()
                if now is not None:
                    skip_missed_occurrences(after, now)
                if after.get("cycles") == 0:  # that was the last repetition: let the task finish
                    task.task_spec._update(task)
                    task.task_spec._update(task)
            return
    task._set_internal_data(event_fired=True)
    task.task_spec._update(task)


def skip_missed_occurrences(event_value: dict[str, Any], now: datetime) -> None:
    """Move a cycle's ``next`` past ``now`` by whole periods; each skipped occurrence uses one repetition
    (``cycles`` < 0 means unbounded). Arithmetic, not a loop: ``R/2000-01-01/PT1M`` skips in one go."""
    period = timedelta(seconds=event_value.get("duration") or 0)
    planned = datetime.fromisoformat(event_value["next"])
    cycles = event_value.get("cycles", -1)
    if period <= timedelta(0) or planned > now or cycles == 0:
        return
    missed = (now - planned) // period + 1
    if cycles > 0:
        missed = min(missed, cycles)
        event_value["cycles"] = cycles - missed
    event_value["next"] = (planned + missed * period).isoformat()


def fire_timer_in_step(step: Step, spiff_task_id: str, *, due_at: datetime | None = None) -> bool:
    """Fire one waiting timer of the step's workflow; False when it is no longer waiting."""
    task = step.workflow.get_task_from_id(UUID(spiff_task_id))
    if task is None or not task.has_state(TaskState.WAITING):
        return False
    step.fired_timer_ids.add(spiff_task_id)
    element_id, name = element_of(task)
    step.record(
        ev.TIMER_FIRED,
        element_id=element_id,
        element_name=name,
        details={"due_at": due_at.isoformat() if due_at else None, "by": "scheduler"},
    )
    force_fire(task, now=step.now)
    return True


def fire_timer(timer_id: int, *, now: datetime | None = None) -> bool:
    """Fire one due timer row and advance its instance in one transaction; False if someone else has it."""
    now = now or utcnow()
    row = db.session.scalars(
        select(WaitingTimer)
        .where(WaitingTimer.id == timer_id, WaitingTimer.due_at <= now)
        .with_for_update(skip_locked=True)
    ).first()
    if row is None:
        db.session.rollback()
        return False
    fired: list[bool] = []
    spiff_task_id, due_at = row.spiff_task_id, row.due_at
    run_step(
        row.instance_id,
        lambda step: fired.append(fire_timer_in_step(step, spiff_task_id, due_at=due_at)),
        now=now,
    )
    return bool(fired and fired[0])


def fire_due_timers(now: datetime | None = None, limit: int = 500) -> int:
    """One scheduler tick: fire up to ``limit`` due timers, then due timer start events; returns how many."""
    from engine.start_triggers import fire_due_start_triggers

    now = now or utcnow()
    due = db.session.execute(
        select(WaitingTimer.id, WaitingTimer.instance_id)
        .where(WaitingTimer.due_at <= now)
        .order_by(WaitingTimer.due_at)
        .limit(limit)
    ).all()
    db.session.rollback()  # end the read: each timer gets its own short transaction
    fired = 0
    for timer_id, instance_id in due:
        try:
            fired += fire_timer(timer_id, now=now)
        except (ConcurrentUpdate, InstanceNotRunning):
            db.session.rollback()  # another worker advanced or paused the instance: its projection is fresh
        except StepFailed as exc:
            db.session.rollback()
            _defer_failed_timer(timer_id, instance_id, exc, now)
    return fired + fire_due_start_triggers(now)


def _defer_failed_timer(timer_id: int, instance_id: int, exc: StepFailed, now: datetime) -> None:
    """The step after the timer failed (a script, say): log it and try again later, not on every tick."""
    from engine.instance_model import ProcessInstance

    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None:
        return
    db.session.execute(
        update(WaitingTimer).where(WaitingTimer.id == timer_id).values(due_at=now + FAILED_TIMER_RETRY)
    )
    ev.record_event(
        instance_id=instance.id,
        definition_id=instance.definition_id,
        business_key=instance.business_key,
        kind=ev.ERROR,
        element_id=exc.element_id,
        at=now,
        details={"error": str(exc), "retry_at": (now + FAILED_TIMER_RETRY).isoformat()},
    )
    db.session.commit()


def next_timer_due(instance_id: int) -> datetime | None:
    """The earliest timer an instance waits for (UI: "escalates at ...")."""
    return db.session.scalar(
        select(WaitingTimer.due_at)
        .where(WaitingTimer.instance_id == instance_id)
        .order_by(WaitingTimer.due_at)
    )
