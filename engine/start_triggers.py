"""Start events other than "none": timer starts create instances on schedule; message and signal starts
create an instance when such a message/signal arrives. Only the newest version of a key listens.

``sync_start_triggers`` scans newly deployed definitions (cheap: one query when nothing is new) and keeps the
``start_triggers`` table in step; the scheduler tick and message delivery call it.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select, update

from engine.calendar_service import get_default_calendar
from engine.db import db, utcnow
from engine.definition_model import ProcessDefinition
from engine.instance_model import ProcessInstance
from engine.runtime_specs import specs_for
from engine.script_env import build_script_engine
from engine.stepper import Step
from engine.wait_models import MESSAGE, SIGNAL, StartTrigger

TIMER = "timer"
FAILED_START_RETRY = timedelta(minutes=5)
_NEVER = datetime(9999, 1, 1, tzinfo=UTC)
NONE = "none"


def sync_start_triggers(now: datetime | None = None) -> None:
    """Register the start triggers of newest definitions not scanned yet; retire older versions'. Commits."""
    now = now or utcnow()
    newest = select(func.max(ProcessDefinition.id)).group_by(ProcessDefinition.key).scalar_subquery()
    scanned = select(StartTrigger.definition_id)
    todo = db.session.scalars(
        select(ProcessDefinition).where(
            ProcessDefinition.id.in_(newest), ProcessDefinition.id.not_in(scanned)
        )
    ).all()
    if not todo:
        db.session.rollback()
        return
    for definition in todo:
        db.session.execute(
            update(StartTrigger)
            .where(StartTrigger.process_key == definition.key, StartTrigger.definition_id != definition.id)
            .values(active=False)
        )
        rows = _triggers_of(definition, now)
        db.session.add_all(
            rows
            or [
                StartTrigger(definition_id=definition.id, process_key=definition.key, kind=NONE, active=False)
            ]
        )
    db.session.commit()


def _triggers_of(definition: ProcessDefinition, now: datetime) -> list[StartTrigger]:
    spec, _ = specs_for(definition)
    rows = []
    for task_spec in spec.task_specs.values():
        if not isinstance(task_spec, StartEvent):
            continue
        event = task_spec.event_definition
        base = {
            "definition_id": definition.id,
            "process_key": definition.key,
            "element_id": task_spec.bpmn_id,
        }
        if isinstance(event, TimerEventDefinition):
            rows.append(_timer_trigger(event, now, base))
        elif isinstance(event, MessageEventDefinition):
            rows.append(StartTrigger(kind=MESSAGE, name=event.name, **base))
        elif isinstance(event, SignalEventDefinition):
            rows.append(StartTrigger(kind=SIGNAL, name=event.name, **base))
    return rows


def _timer_trigger(event: TimerEventDefinition, now: datetime, base: dict[str, Any]) -> StartTrigger:
    engine = build_script_engine(get_default_calendar(), now)
    expression = str(engine.environment.evaluate(event.expression, {}))
    if isinstance(event, CycleTimerEventDefinition):
        cycles, start, period = TimerEventDefinition.parse_iso_recurring_interval(expression)
        explicit_start = any(not part.startswith("P") for part in expression.upper().split("/")[1:])
        start = start if explicit_start else now + period
        return StartTrigger(
            kind=TIMER,
            expression=expression,
            next_due_at=start,
            cycles_left=cycles,
            period_seconds=period.total_seconds(),
            **base,
        )
    if isinstance(event, DurationTimerEventDefinition):
        parsed = TimerEventDefinition.parse_iso_duration(expression)
        due = now + TimerEventDefinition.get_timedelta_from_start(parsed, now)
    else:
        due = TimerEventDefinition.parse_time_or_duration(expression)
    return StartTrigger(kind=TIMER, expression=expression, next_due_at=due, cycles_left=1, **base)


def fire_due_start_triggers(now: datetime, limit: int = 100) -> int:
    """Start one instance per due timer start event; returns how many were started.

    One trigger per transaction, locked with ``FOR UPDATE SKIP LOCKED`` and rescheduled in the same commit as
    the instance it starts, so two schedulers never start the same occurrence twice.
    """
    from engine.instances import start_instance

    sync_start_triggers(now)
    started = 0
    for _ in range(limit):
        trigger = db.session.scalars(
            select(StartTrigger)
            .where(StartTrigger.kind == TIMER, StartTrigger.active.is_(True), StartTrigger.next_due_at <= now)
            .order_by(StartTrigger.next_due_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if trigger is None:
            break
        trigger_id, definition_id, element_id = trigger.id, trigger.definition_id, trigger.element_id
        _reschedule(trigger, now)
        db.session.flush()
        try:
            start_instance(
                definition_id=definition_id,
                now=now,
                before_engine=functools.partial(pin_start_timer, element_id=element_id),
                prepare=functools.partial(fire_start_timer, element_id=element_id),
            )
        except Exception:  # a broken start must not block the schedule: try this occurrence again later
            db.session.rollback()
            db.session.execute(
                update(StartTrigger)
                .where(StartTrigger.id == trigger_id)
                .values(next_due_at=now + FAILED_START_RETRY)
            )
            db.session.commit()
            continue
        started += 1
    db.session.rollback()
    return started


def _reschedule(trigger: StartTrigger, now: datetime) -> None:
    """Plan the next occurrence after ``now``, the one being started counted: occurrences missed while no
    scheduler ran (a start date in the past, a stopped scheduler) are skipped and count against the
    cycle's repetitions, never replayed in a burst. Arithmetic, so a start years back costs nothing."""
    if trigger.cycles_left is not None and trigger.cycles_left > 0:
        trigger.cycles_left -= 1
    if trigger.cycles_left == 0 or not trigger.period_seconds or trigger.next_due_at is None:
        trigger.active = False
        return
    period = timedelta(seconds=trigger.period_seconds)
    missed = max(0, (now - trigger.next_due_at) // period)  # occurrences after this one, already past
    if trigger.cycles_left is not None and trigger.cycles_left > 0:
        if missed >= trigger.cycles_left:
            trigger.cycles_left = 0
            trigger.active = False
            return
        trigger.cycles_left -= missed
    trigger.next_due_at += (missed + 1) * period


def pin_start_timer(step: Step, element_id: str | None) -> None:
    """Before the fresh workflow's first engine step: make its cycle start event wait for the scheduler.

    Left alone, SpiffWorkflow evaluates the cycle itself and, for a start date in the past
    (``R/2024-01-01T09:00/P1D``), spawns one occurrence per engine round by its wall clock: hundreds of
    tasks in one instance. The trigger row owns the schedule, so the instance's start event gets exactly
    one repetition that never comes due by itself; ``fire_start_timer`` then fires it once.
    """
    for task in step.workflow.get_tasks():
        spec = task.task_spec
        if getattr(spec, "bpmn_id", None) != element_id or not isinstance(spec, StartEvent):
            continue
        if isinstance(spec.event_definition, CycleTimerEventDefinition):
            task._set_internal_data(event_value={"cycles": 1, "next": _NEVER.isoformat(), "duration": 0.0})


def fire_start_timer(step: Step, element_id: str | None) -> None:
    """The scheduler decided this timer start is due: fire the new workflow's start timer now, once.

    A cycle start event would keep repeating inside the instance; the trigger row owns the schedule, so
    the instance's own repetitions are ended here.
    """
    from engine.timers import force_fire

    for task in step.workflow.get_tasks(state=TaskState.WAITING):
        if task.task_spec.bpmn_id == element_id and isinstance(task.task_spec, StartEvent):
            if isinstance(task.task_spec.event_definition, CycleTimerEventDefinition):
                value = task._get_internal_data("event_value")
                value["cycles"] = 1
                task._set_internal_data(event_value=value)
            force_fire(task)


def message_start_definitions(kind: str, name: str) -> list[StartTrigger]:
    """Active message/signal start triggers listening for ``name``."""
    return list(
        db.session.scalars(
            select(StartTrigger).where(
                StartTrigger.kind == kind, StartTrigger.name == name, StartTrigger.active.is_(True)
            )
        )
    )


def instances_started_by(definition_id: int) -> int:
    """How many instances a definition has (tests and the admin page)."""
    return int(
        db.session.scalar(select(func.count()).where(ProcessInstance.definition_id == definition_id)) or 0
    )
