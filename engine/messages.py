"""Messages and signals, correlated by the engine (SpiffWorkflow does not enforce correlation inside
subprocesses): subscriptions are looked up by name and correlation key, then delivered to that very task.

A message's payload lands in the catch event's ``messageVariable`` when it has one, else it is merged into the
task data. The correlation key of a waiting catch event is the task's ``correlation_key`` variable when set,
else the instance's business key. Messages nobody waits for are stored in ``unmatched_messages``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from engine import events as ev
from engine.db import db, utcnow
from engine.projections import sub_definitions
from engine.runtime_errors import ConcurrentUpdate, InstanceNotRunning, StepFailed
from engine.start_triggers import message_start_definitions, sync_start_triggers
from engine.stepper import Step, element_of, run_step
from engine.wait_models import MESSAGE, SIGNAL, EventSubscription, UnmatchedMessage

DELIVERY_RETRIES = 3


@dataclass
class Delivery:
    """What became of a message or signal."""

    delivered_to: list[int] = field(default_factory=list)  # instance ids that caught it
    started: list[int] = field(default_factory=list)  # instances it started (message/signal start events)
    unmatched_id: int | None = None  # the stored unmatched message, when nobody took it
    failed: list[int] = field(default_factory=list)  # instances whose step failed on it (kept for redelivery)


def catch_in_task(step: Step, task: Any, kind: str, name: str, payload: Any) -> None:
    """Deliver a message/signal to one waiting catch task of the step's workflow and record it."""
    definition = next(
        (d for d in sub_definitions(task) if getattr(d, "name", None) == name),
        task.task_spec.event_definition,
    )
    target_variable = getattr(definition, "message_var", None) or getattr(definition, "variable", None)
    if isinstance(payload, dict) and target_variable is None:
        task.data.update(payload)
    task.task_spec.catch(task, BpmnEvent(definition, payload=payload if target_variable else {}))
    if target_variable is not None and kind == SIGNAL:
        task.data[target_variable] = payload
    task.task_spec._update(task)
    element_id, element_name = element_of(task)
    step.record(
        ev.MESSAGE_RECEIVED if kind == MESSAGE else ev.SIGNAL_RECEIVED,
        element_id=element_id,
        element_name=element_name,
        details={"name": name, "fields": _field_names(payload)},
    )


def _field_names(payload: Any) -> list[str]:
    return sorted(str(k) for k in payload)[:50] if isinstance(payload, dict) else []


def _deliver_to(
    subscription_id: int,
    instance_id: int,
    spiff_task_id: str,
    kind: str,
    name: str,
    payload: Any,
    now: datetime,
) -> bool:
    delivered: list[bool] = []

    def apply(step: Step) -> None:
        task = step.workflow.get_task_from_id(UUID(spiff_task_id))
        if task is None or not task.has_state(TaskState.WAITING):
            delivered.append(False)
            return
        catch_in_task(step, task, kind, name, payload)
        delivered.append(True)

    for _attempt in range(DELIVERY_RETRIES):
        try:
            run_step(instance_id, apply, now=now)
        except ConcurrentUpdate:
            delivered.clear()
            continue
        except InstanceNotRunning:
            return False
        return bool(delivered and delivered[0])
    return False


def _start_by_event(kind: str, name: str, payload: Any, business_key: str | None, now: datetime) -> list[int]:
    from engine.instances import start_instance

    sync_start_triggers(now)
    started = []
    for trigger in message_start_definitions(kind, name):
        element_id = trigger.element_id

        def catch_start(step: Step, e: str | None = element_id) -> None:
            for task in step.workflow.get_tasks(state=TaskState.WAITING):
                if isinstance(task.task_spec, StartEvent) and task.task_spec.bpmn_id == e:
                    catch_in_task(step, task, kind, name, payload)

        instance = start_instance(
            definition_id=trigger.definition_id, business_key=business_key, now=now, prepare=catch_start
        )
        started.append(instance.id)
    return started


def deliver_message(
    name: str,
    correlation_key: str | None = None,
    payload: dict[str, Any] | None = None,
    *,
    now: datetime | None = None,
) -> Delivery:
    """Deliver message ``name`` to every instance waiting for it under ``correlation_key``; commits.

    When nobody waits, definitions with a matching message start event start (with the key as business
    key); when none does either, the message is stored as unmatched (see ``unmatched_messages``).
    """
    now = now or utcnow()
    payload = payload or {}
    result = Delivery()
    subscriptions = db.session.execute(
        select(EventSubscription.id, EventSubscription.instance_id, EventSubscription.spiff_task_id)
        .where(
            EventSubscription.kind == MESSAGE,
            EventSubscription.name == name,
            EventSubscription.correlation_key == correlation_key
            if correlation_key is not None
            else EventSubscription.correlation_key.is_(None),
        )
        .order_by(EventSubscription.id)
    ).all()
    db.session.rollback()
    seen: set[int] = set()
    for sub_id, instance_id, spiff_task_id in subscriptions:
        if instance_id in seen:
            continue  # one delivery per instance: the earliest waiting catch event takes it
        try:
            caught = _deliver_to(sub_id, instance_id, spiff_task_id, MESSAGE, name, payload, now)
        except StepFailed:
            # That instance's step rolled back; the others still get the message, and it is kept below
            # as unmatched so an administrator can redeliver it once the cause is fixed.
            db.session.rollback()
            result.failed.append(instance_id)
            continue
        if caught:
            seen.add(instance_id)
            result.delivered_to.append(instance_id)
    if not result.delivered_to and not result.failed:
        result.started = _start_by_event(MESSAGE, name, payload, correlation_key, now)
    if result.failed or (not result.delivered_to and not result.started):
        row = UnmatchedMessage(name=name, correlation_key=correlation_key, payload=payload, received_at=now)
        db.session.add(row)
        db.session.commit()
        result.unmatched_id = row.id
    return result


def broadcast_signal(
    name: str, payload: dict[str, Any] | None = None, *, now: datetime | None = None
) -> Delivery:
    """Throw signal ``name`` to every instance waiting for it and start signal-start definitions; commits."""
    now = now or utcnow()
    payload = payload or {}
    result = Delivery()
    subscriptions = db.session.execute(
        select(EventSubscription.id, EventSubscription.instance_id, EventSubscription.spiff_task_id)
        .where(EventSubscription.kind == SIGNAL, EventSubscription.name == name)
        .order_by(EventSubscription.id)
    ).all()
    db.session.rollback()
    for sub_id, instance_id, spiff_task_id in subscriptions:
        if _deliver_to(sub_id, instance_id, spiff_task_id, SIGNAL, name, payload, now):
            result.delivered_to.append(instance_id)
    result.started = _start_by_event(SIGNAL, name, payload, None, now)
    return result


def unmatched_messages(*, include_resolved: bool = False, limit: int = 100) -> list[UnmatchedMessage]:
    """Messages nobody was waiting for, newest first (the admin report)."""
    query = select(UnmatchedMessage)
    if not include_resolved:
        query = query.where(UnmatchedMessage.resolved.is_(False))
    return list(db.session.scalars(query.order_by(UnmatchedMessage.id.desc()).limit(limit)))


def redeliver_unmatched(message_id: int, *, now: datetime | None = None) -> Delivery:
    """Try an unmatched message again (after the waiting instance appeared); marks it resolved if taken."""
    row = db.session.get(UnmatchedMessage, message_id)
    if row is None or row.resolved:
        return Delivery()
    name, key, payload = row.name, row.correlation_key, dict(row.payload)
    db.session.rollback()
    result = deliver_message(name, key, payload, now=now)
    if result.unmatched_id is not None:  # still nobody: drop the duplicate we just stored
        db.session.delete(db.session.get(UnmatchedMessage, result.unmatched_id))
        result.unmatched_id = message_id
    else:
        original = db.session.get(UnmatchedMessage, message_id)
        if original is not None:
            original.resolved = True
    db.session.commit()
    return result
