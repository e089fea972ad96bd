"""Read-only queries over process instances for the designers' pages: how many run on each version of a
route map, and which ones, with where each of them is now. No writes, no transactions.

"Running" means live: ``running`` or ``suspended`` (both can still move on, and both can be migrated).
Where an instance is now comes from the projections written with its state (open human tasks, waiting
timers, message and signal subscriptions); nothing here deserializes a workflow.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from engine.db import db
from engine.definition_model import ProcessDefinition
from engine.humantask_model import OPEN, HumanTask
from engine.instance_model import RUNNING, SUSPENDED, ProcessInstance
from engine.wait_models import EventSubscription, WaitingTimer

LIVE_STATUSES = (RUNNING, SUSPENDED)
_LIVE = ProcessInstance.status.in_(LIVE_STATUSES)


@dataclass(frozen=True)
class OpenStep:
    """A step an instance waits at: a human task (``kind="task"``), a timer or a message/signal."""

    kind: str
    element_id: str
    name: str = ""

    @property
    def label(self) -> str:
        """The element's name, or its id when it has none."""
        return self.name or self.element_id


@dataclass(frozen=True)
class RunningInstance:
    """One live instance as the migration page lists it."""

    id: int
    business_key: str | None
    status: str
    started_at: datetime
    open_steps: list[OpenStep] = field(default_factory=list)


def running_counts_by_version(key: str) -> dict[int, int]:
    """version number -> running or suspended instances of route map ``key`` on it (absent = none)."""
    rows = db.session.execute(
        select(ProcessDefinition.version, func.count(ProcessInstance.id))
        .join(ProcessInstance, ProcessInstance.definition_id == ProcessDefinition.id)
        .where(ProcessDefinition.key == key, _LIVE)
        .group_by(ProcessDefinition.version)
    ).all()
    return {int(version): int(count) for version, count in rows}


def running_counts_by_definition(definition_ids: Iterable[int]) -> dict[int, int]:
    """definition id -> running or suspended instances on that version (absent = none); one query for
    any number of route maps, for the list of all of them."""
    ids = list(definition_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(ProcessInstance.definition_id, func.count(ProcessInstance.id))
        .where(ProcessInstance.definition_id.in_(ids), _LIVE)
        .group_by(ProcessInstance.definition_id)
    ).all()
    return {int(definition_id): int(count) for definition_id, count in rows}


def count_running_instances(definition_id: int) -> int:
    """How many instances ``running_instances`` lists without paging."""
    query = select(func.count(ProcessInstance.id)).where(
        ProcessInstance.definition_id == definition_id, _LIVE
    )
    return int(db.session.scalar(query) or 0)


def running_instances(
    definition_id: int, *, limit: int = 25, offset: int = 0, after_id: int | None = None
) -> list[RunningInstance]:
    """Live instances on one definition version, oldest first (by id), with their open steps.

    Page with ``limit``/``offset``, or walk through all of them with ``after_id`` (the last id seen), which
    stays correct while instances leave the version (after a migration) between two calls.
    """
    query = select(
        ProcessInstance.id,
        ProcessInstance.business_key,
        ProcessInstance.status,
        ProcessInstance.started_at,
    ).where(ProcessInstance.definition_id == definition_id, _LIVE)
    if after_id is not None:
        query = query.where(ProcessInstance.id > after_id)
    rows = db.session.execute(query.order_by(ProcessInstance.id).limit(limit).offset(offset)).all()
    steps = open_steps_of([row.id for row in rows])
    return [
        RunningInstance(row.id, row.business_key, row.status, row.started_at, steps.get(row.id, []))
        for row in rows
    ]


def open_steps_of(instance_ids: Iterable[int]) -> dict[int, list[OpenStep]]:
    """instance id -> where it waits now: open human tasks, then timers, then messages and signals."""
    ids = list(instance_ids)
    found: dict[int, list[OpenStep]] = {i: [] for i in ids}
    if not ids:
        return found
    tasks = db.session.execute(
        select(HumanTask.instance_id, HumanTask.element_id, HumanTask.element_name)
        .where(HumanTask.instance_id.in_(ids), HumanTask.status == OPEN)
        .order_by(HumanTask.id)
    )
    for instance_id, element_id, name in tasks:
        found[instance_id].append(OpenStep("task", element_id, name or ""))
    timers = db.session.execute(
        select(WaitingTimer.instance_id, WaitingTimer.element_id)
        .where(WaitingTimer.instance_id.in_(ids))
        .order_by(WaitingTimer.id)
    )
    for instance_id, element_id in timers:
        found[instance_id].append(OpenStep("timer", element_id))
    subscriptions = db.session.execute(
        select(EventSubscription.instance_id, EventSubscription.kind, EventSubscription.element_id)
        .where(EventSubscription.instance_id.in_(ids))
        .order_by(EventSubscription.id)
    )
    for instance_id, kind, element_id in subscriptions:
        found[instance_id].append(OpenStep(kind, element_id))
    return found
