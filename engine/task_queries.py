"""Read-only queries over the human-task projection ("My tasks", a deal's open steps)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.sql import Select

from engine.db import db
from engine.humantask_model import OPEN, HumanTask

ORDERS: dict[str, tuple[Any, ...]] = {
    "due": (HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.priority.desc(), HumanTask.id),
    "priority": (HumanTask.priority.desc(), HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.id),
    "created": (HumanTask.created_at.desc(), HumanTask.id.desc()),
}


@dataclass(frozen=True)
class TaskFilters:
    """Optional narrowing of a task list; ``overdue_at`` keeps tasks whose due_at is before that instant."""

    definition_ids: tuple[int, ...] = ()
    business_key: str | None = None
    element_id: str | None = None
    assigned_to_me_only: bool = False
    overdue_at: datetime | None = None


def _visible_to(user_id: int, lane_keys: Iterable[str], filters: TaskFilters) -> Select[tuple[HumanTask]]:
    lanes = sorted({key.strip().lower() for key in lane_keys})
    mine = HumanTask.assignee_id == user_id
    if filters.assigned_to_me_only:
        who = mine
    else:
        unassigned = HumanTask.assignee_id.is_(None)
        lane_ok = (
            or_(HumanTask.lane.is_(None), HumanTask.lane.in_(lanes)) if lanes else HumanTask.lane.is_(None)
        )
        who = or_(mine, and_(unassigned, lane_ok))
    query = select(HumanTask).where(HumanTask.status == OPEN, who)
    if filters.definition_ids:
        query = query.where(HumanTask.definition_id.in_(filters.definition_ids))
    if filters.business_key is not None:
        query = query.where(HumanTask.business_key == filters.business_key)
    if filters.element_id is not None:
        query = query.where(HumanTask.element_id == filters.element_id)
    if filters.overdue_at is not None:
        query = query.where(HumanTask.due_at < filters.overdue_at)
    return query


def open_tasks_for(
    user_id: int,
    lane_keys: Iterable[str],
    filters: TaskFilters | None = None,
    order: str = "due",
    limit: int = 50,
    offset: int = 0,
) -> list[HumanTask]:
    """Open tasks the user may work on: assigned to them, or unassigned in one of their lanes (or laneless).

    ``order``: ``"due"`` (soonest deadline first, then priority), ``"priority"`` or ``"created"`` (newest).
    """
    if order not in ORDERS:
        raise ValueError(f"unknown task order {order!r}; use one of {sorted(ORDERS)}")
    query = _visible_to(user_id, lane_keys, filters or TaskFilters())
    return list(db.session.scalars(query.order_by(*ORDERS[order]).limit(limit).offset(offset)))


def count_open_tasks_for(user_id: int, lane_keys: Iterable[str], filters: TaskFilters | None = None) -> int:
    """How many tasks ``open_tasks_for`` would list without paging."""
    query = _visible_to(user_id, lane_keys, filters or TaskFilters()).subquery()
    return int(db.session.scalar(select(func.count()).select_from(query)) or 0)


def tasks_for_instance(instance_id: int, *, open_only: bool = False) -> list[HumanTask]:
    """Human tasks of one instance, oldest first."""
    query = select(HumanTask).where(HumanTask.instance_id == instance_id)
    if open_only:
        query = query.where(HumanTask.status == OPEN)
    return list(db.session.scalars(query.order_by(HumanTask.id)))
