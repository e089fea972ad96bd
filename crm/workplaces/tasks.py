"""The "My tasks" list: the engine's human-task projection, narrowed by the employee's filters.

Who sees what is the engine's rule (``engine.task_queries``): tasks assigned to the user plus unassigned
tasks of their lanes (and laneless ones). This module only adds the workplace filters — process, client,
due today, overdue, priority — and labels each row with its interest/ticket and client.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import String, cast, func, literal, select

from crm.access import WORKING_ROLES
from crm.accounts.models import Role, User
from crm.deals.models import Interest
from crm.support.models import Ticket
from crm.workplaces.labels import Subject, subjects_for, user_names
from engine.db import db, utcnow
from engine.definition_model import ProcessDefinition
from engine.definitions import list_definitions
from engine.humantask_model import HumanTask
from engine.task_queries import ORDERS, TaskFilters, _visible_to, count_open_tasks_for

SORTS = tuple(ORDERS)  # "due" (default), "priority", "created"
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class TaskListFilters:
    """The filters of "My tasks"; every one is optional."""

    process_key: str | None = None
    client_id: int | None = None
    due_today: bool = False
    overdue: bool = False
    min_priority: int | None = None
    mine_only: bool = False


@dataclass(frozen=True)
class TaskRow:
    task: HumanTask
    process_name: str
    subject: Subject | None
    assignee_name: str


@dataclass(frozen=True)
class TaskList:
    rows: list[TaskRow]
    total: int
    page: int
    per_page: int


def open_task_count(actor: User) -> int:
    """How many open tasks ``actor`` may work on (the navigation badge): one indexed count."""
    return count_open_tasks_for(actor.id, actor.lane_keys)


def process_options() -> list[tuple[str, str]]:
    """``(key, name)`` of every deployed route map, for the process filter."""
    return [(d.key, d.name or d.key) for d in list_definitions()]


def task_list(
    actor: User,
    filters: TaskListFilters | None = None,
    *,
    order: str = "due",
    page: int = 1,
    per_page: int = 25,
    now: datetime | None = None,
) -> TaskList:
    """One page of the tasks ``actor`` may work on, filtered and sorted (soonest deadline first by default)."""
    if order not in ORDERS:
        raise ValueError(f"unknown order {order!r}")
    filters = filters or TaskListFilters()
    page, per_page = max(page, 1), min(max(per_page, 1), MAX_PER_PAGE)
    query = _filtered(actor, filters, now or utcnow())
    total = int(db.session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    tasks = list(
        db.session.scalars(query.order_by(*ORDERS[order]).limit(per_page).offset((page - 1) * per_page))
    )
    subjects = subjects_for(t.business_key for t in tasks)
    names = user_names(t.assignee_id for t in tasks)
    processes = _process_names({t.definition_id for t in tasks})
    rows = [
        TaskRow(
            t,
            processes.get(t.definition_id, ""),
            subjects.get(t.business_key or ""),
            names.get(t.assignee_id or 0, ""),
        )
        for t in tasks
    ]
    return TaskList(rows, total, page, per_page)


def task_row(task: HumanTask) -> TaskRow:
    """One task labelled like a line of the list (after claim/unclaim/delegate)."""
    subject = subjects_for([task.business_key]).get(task.business_key or "")
    assignee = user_names([task.assignee_id]).get(task.assignee_id or 0, "")
    return TaskRow(task, _process_names({task.definition_id}).get(task.definition_id, ""), subject, assignee)


def _filtered(actor: User, filters: TaskListFilters, now: datetime):  # type: ignore[no-untyped-def]
    # The visibility rule stays the engine's: reuse its query rather than restate lanes and assignees here.
    engine_filters = TaskFilters(
        definition_ids=_definition_ids(filters.process_key),
        assigned_to_me_only=filters.mine_only,
        overdue_at=now if filters.overdue else None,
    )
    query = _visible_to(actor.id, actor.lane_keys, engine_filters)
    if filters.process_key and not engine_filters.definition_ids:
        query = query.where(literal(False))
    if filters.due_today:
        start, end = _today(actor, now)
        query = query.where(HumanTask.due_at >= start, HumanTask.due_at < end)
    if filters.min_priority is not None:
        query = query.where(HumanTask.priority >= filters.min_priority)
    if filters.client_id is not None:
        query = query.where(HumanTask.business_key.in_(_client_business_keys(filters.client_id)))
    return query


def _client_business_keys(client_id: int):  # type: ignore[no-untyped-def]
    interests = select(literal("interest:", String) + cast(Interest.id, String)).where(
        Interest.client_id == client_id
    )
    tickets = select(literal("ticket:", String) + cast(Ticket.id, String)).where(
        Ticket.client_id == client_id
    )
    return interests.union_all(tickets)


def _definition_ids(key: str | None) -> tuple[int, ...]:
    if not key:
        return ()
    return tuple(db.session.scalars(select(ProcessDefinition.id).where(ProcessDefinition.key == key)))


def _today(actor: User, now: datetime) -> tuple[datetime, datetime]:
    tz = ZoneInfo(actor.timezone or "UTC")
    local = now.astimezone(tz)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start.astimezone(ZoneInfo("UTC")), (start + timedelta(days=1)).astimezone(ZoneInfo("UTC"))


def _process_names(definition_ids: set[int]) -> dict[int, str]:
    if not definition_ids:
        return {}
    query = select(ProcessDefinition.id, ProcessDefinition.name, ProcessDefinition.key)
    rows = db.session.execute(query.where(ProcessDefinition.id.in_(definition_ids)))
    return {r.id: r.name or r.key for r in rows}


def delegate_targets(actor: User, limit: int = 200) -> list[tuple[int, str]]:
    """``(id, name)`` of the active working users a task can be handed to (everyone but ``actor``)."""
    query = (
        select(User.id, User.full_name)
        .where(User.is_active.is_(True), User.id != actor.id, User.roles.any(Role.code.in_(WORKING_ROLES)))
        .order_by(User.full_name)
        .limit(limit)
    )
    return [(int(i), str(n)) for i, n in db.session.execute(query).tuples()]
