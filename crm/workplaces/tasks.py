"""The "My tasks" list: the engine's human-task projection, narrowed by the employee's filters.

Who sees what is the engine's rule (``engine.task_queries``): tasks assigned to the user plus unassigned
tasks of their lanes (and laneless ones). This module only adds the workplace filters — process, client,
due today, overdue, priority — and labels each row with its interest/ticket and client.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, String, and_, case, cast, func, literal, select

from crm.access import WORKING_ROLES
from crm.accounts.models import Role, User
from crm.deals.models import Interest
from crm.support.models import Ticket
from crm.workplaces.labels import Subject, subjects_for, user_names
from engine.db import db, utcnow
from engine.definition_model import ProcessDefinition
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
    # Every open task the actor may work on, whatever the filters: the navigation badge (None if not counted).
    open_total: int | None = None


def open_task_count(actor: User) -> int:
    """How many open tasks ``actor`` may work on (the navigation badge): one indexed count."""
    return count_open_tasks_for(actor.id, actor.lane_keys)


def process_options() -> list[tuple[str, str]]:
    """``(key, name)`` of every deployed route map (its latest version's name), by key, for the filter."""
    latest = (
        select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("version"))
        .group_by(ProcessDefinition.key)
        .subquery()
    )
    query = (
        select(ProcessDefinition.key, ProcessDefinition.name)
        .join(
            latest,
            (ProcessDefinition.key == latest.c.key) & (ProcessDefinition.version == latest.c.version),
        )
        .order_by(ProcessDefinition.key)
    )
    return [(key, name or key) for key, name in db.session.execute(query).tuples()]


def task_list(
    actor: User,
    filters: TaskListFilters | None = None,
    *,
    order: str = "due",
    page: int = 1,
    per_page: int = 25,
    now: datetime | None = None,
) -> TaskList:
    """One page of the tasks ``actor`` may work on, filtered and sorted (soonest deadline first by default).

    Three queries: both counts (filtered, and all open tasks for the badge) in one pass, the page with its
    process and assignee names joined in, and the interest/ticket labels.
    """
    if order not in ORDERS:
        raise ValueError(f"unknown order {order!r}")
    filters = filters or TaskListFilters()
    page, per_page = max(page, 1), min(max(per_page, 1), MAX_PER_PAGE)
    # The visibility rule stays the engine's: reuse its query rather than restate lanes and assignees here.
    visible = _visible_to(actor.id, actor.lane_keys, TaskFilters())
    narrowing = _narrowing(actor, filters, now or utcnow())
    total, open_total = _counts(visible, narrowing)
    labelled = (
        visible.where(*narrowing)
        .outerjoin(ProcessDefinition, ProcessDefinition.id == HumanTask.definition_id)
        .outerjoin(User, User.id == HumanTask.assignee_id)
        .add_columns(ProcessDefinition.name, ProcessDefinition.key, User.full_name)
        .order_by(*ORDERS[order])
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    found = db.session.execute(labelled).tuples().all()
    subjects = subjects_for(task.business_key for task, *_ in found)
    rows = [
        TaskRow(
            task,
            process_name or process_key or "",
            subjects.get(task.business_key or ""),
            assignee_name or "",
        )
        for task, process_name, process_key, assignee_name in found
    ]
    return TaskList(rows, total, page, per_page, open_total)


def task_row(task: HumanTask) -> TaskRow:
    """One task labelled like a line of the list (after claim/unclaim/delegate)."""
    subject = subjects_for([task.business_key]).get(task.business_key or "")
    assignee = user_names([task.assignee_id]).get(task.assignee_id or 0, "")
    return TaskRow(task, _process_names({task.definition_id}).get(task.definition_id, ""), subject, assignee)


def _counts(visible: Select[tuple[HumanTask]], narrowing: list[ColumnElement[bool]]) -> tuple[int, int]:
    """(tasks matching the filters, all visible open tasks) in one scan."""
    if not narrowing:
        everything = int(db.session.scalar(visible.with_only_columns(func.count())) or 0)
        return everything, everything
    matching = func.count(case((and_(*narrowing), 1)))
    row = db.session.execute(visible.with_only_columns(matching, func.count())).one()
    return int(row[0] or 0), int(row[1] or 0)


def _narrowing(actor: User, filters: TaskListFilters, now: datetime) -> list[ColumnElement[bool]]:
    """The workplace filters as conditions on the visible tasks (an empty list: no filter)."""
    conditions: list[ColumnElement[bool]] = []
    if filters.process_key:
        ids = _definition_ids(filters.process_key)
        conditions.append(HumanTask.definition_id.in_(ids) if ids else literal(False))
    if filters.mine_only:
        conditions.append(HumanTask.assignee_id == actor.id)
    if filters.overdue:
        conditions.append(HumanTask.due_at < now)
    if filters.due_today:
        start, end = _today(actor, now)
        conditions += [HumanTask.due_at >= start, HumanTask.due_at < end]
    if filters.min_priority is not None:
        conditions.append(HumanTask.priority >= filters.min_priority)
    if filters.client_id is not None:
        conditions.append(HumanTask.business_key.in_(_client_business_keys(filters.client_id)))
    return conditions


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
