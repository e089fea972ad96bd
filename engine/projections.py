"""Projections written with the state in the same transaction: human tasks, timers, subscriptions.

Each is recomputed from the workflow after the step and diffed against the instance's rows, so a step
touches only what changed (indexed by instance id).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import delete, select, update

from engine import events as ev
from engine.db import db
from engine.humantask_model import CANCELLED, OPEN, HumanTask
from engine.instance_model import RUNNING
from engine.runtime_specs import human_task_properties, sla_due_at
from engine.spec_cache import spec_owners
from engine.step_store import insert_human_tasks
from engine.stepper import Step, element_of
from engine.task_walk import tasks_in_state, workflow_completed
from engine.wait_models import MESSAGE, SIGNAL, EventSubscription, WaitingTimer


def sync_projections(step: Step) -> None:
    """Bring human_tasks, timers and event_subscriptions in line with the workflow after a step."""
    _sync_human_tasks(step)
    if not step.had_waits and not step.workflow.event_manager.tasks:
        return
    running = step.instance.status == RUNNING
    _sync_timers(step, waiting_timers(step.workflow) if running else [])
    _sync_subscriptions(step, waiting_subscriptions(step) if running else [])


# --- human tasks ------------------------------------------------------------------------------------------


def _sync_human_tasks(step: Step) -> None:
    workflow, instance = step.workflow, step.instance
    ready: dict[str, Any] = {}
    if not workflow_completed(workflow) and instance.status in (RUNNING, "suspended"):
        tasks = (
            step.ready_tasks if step.ready_tasks is not None else tasks_in_state(workflow, TaskState.READY)
        )
        ready = {str(t.id): t for t in tasks if t.task_spec.manual}
    if step.open_before is None:  # not known from the loaded workflow: read the open rows
        open_rows = db.session.execute(
            select(HumanTask.spiff_task_id).where(
                HumanTask.instance_id == instance.id, HumanTask.status == OPEN
            )
        ).scalars()
        known = set(open_rows)
    else:
        known = set(step.open_before)
    step.open_after = frozenset(ready)
    gone = [sid for sid in known if sid not in ready and sid not in step.completed_spiff_ids]
    if gone:
        _cancel_rows(step, gone)
    created = [(task, _new_human_task(step, task)) for sid, task in ready.items() if sid not in known]
    new_ids = insert_human_tasks([row for _task, row in created], on=step.db)
    for (_task, row), new_id in zip(created, new_ids, strict=True):
        step.record(
            ev.TASK_CREATED,
            element_id=row["element_id"],
            element_name=row["element_name"],
            task_id=new_id,
            details={"lane": row["lane"], "assignee_id": row["assignee_id"]},
        )


def _cancel_rows(step: Step, spiff_ids: list[str]) -> None:
    rows = db.session.execute(
        select(HumanTask.id, HumanTask.element_id, HumanTask.element_name).where(
            HumanTask.instance_id == step.instance.id,
            HumanTask.status == OPEN,
            HumanTask.spiff_task_id.in_(spiff_ids),
        )
    ).all()
    if not rows:
        return
    db.session.execute(
        update(HumanTask)
        .where(HumanTask.id.in_([r.id for r in rows]))
        .values(status=CANCELLED)
        .execution_options(synchronize_session=False)
    )
    for row in rows:
        step.record(
            ev.TASK_CANCELLED, element_id=row.element_id, element_name=row.element_name, task_id=row.id
        )


# Parsed task specs never change (they belong to one deployed version): their properties are read once.
_SPEC_PROPERTIES_CACHE_SIZE = 4096
_spec_properties: dict[Any, Mapping[str, Any]] = {}


def _properties(task_spec: Any) -> Mapping[str, Any]:
    found = _spec_properties.get(task_spec)
    if found is None:
        if len(_spec_properties) >= _SPEC_PROPERTIES_CACHE_SIZE:
            _spec_properties.clear()
        found = _spec_properties[task_spec] = MappingProxyType(human_task_properties(task_spec))
    return found


def _new_human_task(step: Step, task: Any) -> dict[str, Any]:
    props = _properties(task.task_spec)
    element_id, name = element_of(task)
    lane = props["lane"].strip().lower() if props.get("lane") else None
    assignee_id, lane = _assignee(step, task, props.get("assignee"), lane)
    return {
        "instance_id": step.instance.id,
        "definition_id": step.instance.definition_id,
        "spec_definition_id": _declaring_definition(step, task),
        "business_key": step.instance.business_key,
        "spiff_task_id": str(task.id),
        "element_id": element_id,
        "element_name": name[:255],
        "lane": lane,
        "assignee_id": assignee_id,
        "form_name": props.get("form"),
        "instructions": props.get("instructions") or "",
        "priority": props["priority"] if props.get("priority") is not None else 1,
        "status": OPEN,
        "created_at": step.now,
        "due_at": sla_due_at(props.get("sla"), step.now, step.calendar),
    }


def _declaring_definition(step: Step, task: Any) -> int:
    """The definition whose BPMN declares the task (a called route map's pinned definition, or the
    instance's own): its forms hold the task's form."""
    owners = spec_owners(step.instance.definition_id, step.definition_sha256)
    return owners.get(task.workflow.spec.name, step.instance.definition_id)


def _assignee(
    step: Step, task: Any, expression: str | None, lane: str | None
) -> tuple[int | None, str | None]:
    """Evaluate the assignee expression in the sandbox: a user id, or ``"lane:<key>"``/``"role:<key>"``."""
    if not expression:
        return None, lane
    try:
        value = step.workflow.script_engine.evaluate(task, expression)
    except Exception as exc:  # a broken expression leaves the task to its lane, and says so in the log
        element_id, name = element_of(task)
        step.record(
            ev.ERROR,
            element_id=element_id,
            element_name=name,
            details={"assignee_expression": expression, "error": str(exc)},
        )
        return None, lane
    if isinstance(value, bool) or value is None:
        return None, lane
    if isinstance(value, int):
        return value, lane
    text = str(value).strip()
    if text.isdigit():
        return int(text), lane
    if ":" in text:
        return None, text.split(":", 1)[1].strip().lower() or lane
    return None, lane


# --- timers ------------------------------------------------------------------------------------------------


def sub_definitions(task: Any) -> list[Any]:
    """The event definitions a catch task waits on (an event-based gateway waits on several at once)."""
    definition = getattr(task.task_spec, "event_definition", None)
    if isinstance(definition, MultipleEventDefinition):
        return list(definition.event_definitions)
    return [definition] if definition is not None else []


def waiting_timers(workflow: Any) -> list[tuple[str, str, datetime]]:
    """(spiff task id, element id, due instant) of every timer the workflow waits for."""
    out = []
    for task in list(workflow.event_manager.tasks.values()):
        if not task.has_state(TaskState.WAITING):
            continue
        for definition in sub_definitions(task):
            if isinstance(definition, TimerEventDefinition):
                due = timer_due(task, definition)
                if due is not None:
                    out.append((str(task.id), element_of(task)[0], due))
    return out


def timer_due(task: Any, definition: TimerEventDefinition) -> datetime | None:
    """When a waiting timer is due (SpiffWorkflow computed it when the timer started waiting)."""
    value = task._get_internal_data("event_value")
    if value is None:
        return None
    if isinstance(definition, CycleTimerEventDefinition):
        if not isinstance(value, dict):
            return None
        if value.get("cycles") == 0:  # all repetitions done; the next update completes the task
            return datetime.fromisoformat(value["next"]) - timedelta(seconds=value.get("duration", 0))
        return datetime.fromisoformat(value["next"])
    parsed = TimerEventDefinition.parse_time_or_duration(value)
    return parsed if isinstance(parsed, datetime) else None


def _sync_timers(step: Step, wanted: list[tuple[str, str, datetime]]) -> None:
    rows = db.session.scalars(select(WaitingTimer).where(WaitingTimer.instance_id == step.instance.id)).all()
    want = {(sid, due): element for sid, element, due in wanted}
    have = {(row.spiff_task_id, row.due_at): row for row in rows}
    stale = [row.id for key, row in have.items() if key not in want]
    if stale:
        db.session.execute(delete(WaitingTimer).where(WaitingTimer.id.in_(stale)))
    for (sid, due), element in want.items():
        if (sid, due) not in have:
            db.session.add(
                WaitingTimer(instance_id=step.instance.id, spiff_task_id=sid, element_id=element, due_at=due)
            )


# --- message and signal subscriptions ----------------------------------------------------------------------


def waiting_subscriptions(step: Step) -> list[tuple[str, str, str | None, str, str]]:
    """(kind, name, correlation key, spiff task id, element id) of every message/signal catch waiting."""
    out = []
    for task in list(step.workflow.event_manager.tasks.values()):
        if not task.has_state(TaskState.WAITING):
            continue
        for definition in sub_definitions(task):
            if isinstance(definition, MessageEventDefinition):
                key = task.data.get("correlation_key", step.instance.business_key)
                out.append(
                    (
                        MESSAGE,
                        definition.name,
                        None if key is None else str(key),
                        str(task.id),
                        element_of(task)[0],
                    )
                )
            elif isinstance(definition, SignalEventDefinition):
                out.append((SIGNAL, definition.name, None, str(task.id), element_of(task)[0]))
    return out


def _sync_subscriptions(step: Step, wanted: list[tuple[str, str, str | None, str, str]]) -> None:
    rows = db.session.scalars(
        select(EventSubscription).where(EventSubscription.instance_id == step.instance.id)
    ).all()
    want = {w[:4]: w[4] for w in wanted}
    have = {(r.kind, r.name, r.correlation_key, r.spiff_task_id): r for r in rows}
    stale = [row.id for key, row in have.items() if key not in want]
    if stale:
        db.session.execute(delete(EventSubscription).where(EventSubscription.id.in_(stale)))
    for (kind, name, key, sid), element in want.items():
        if (kind, name, key, sid) not in have:
            db.session.add(
                EventSubscription(
                    instance_id=step.instance.id,
                    kind=kind,
                    name=name,
                    correlation_key=key,
                    spiff_task_id=sid,
                    element_id=element,
                )
            )
