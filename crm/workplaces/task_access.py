"""Who may open and work on a task page, the step that follows a completion, and what a task is about."""

from __future__ import annotations

from sqlalchemy import select

from crm.access import can_view_record
from crm.accounts.models import ADMINISTRATOR, User
from crm.deals.models import Interest
from crm.feed.process_items import owner_of
from crm.support.models import Ticket
from crm.workplaces.labels import Subject, subjects_for
from engine.db import db
from engine.humantask_model import OPEN, HumanTask


def may_work_on(actor: User, task: HumanTask) -> bool:
    """The engine's rule: the task is the actor's, or unassigned in one of their lanes (or laneless)."""
    if task.assignee_id is not None:
        return task.assignee_id == actor.id
    return task.lane is None or task.lane in actor.lane_keys


def may_view_task(actor: User, task: HumanTask) -> bool:
    """Whoever may work on it, who completed it, administrators, and whoever may see its interest/ticket."""
    if actor.has_role(ADMINISTRATOR) or may_work_on(actor, task) or task.completed_by == actor.id:
        return True
    record = _record(task.business_key)
    return record is not None and can_view_record(actor, record)


def task_subject(actor: User, task: HumanTask) -> Subject | None:
    """The interest/ticket the task is about, if the actor may see it."""
    record = _record(task.business_key)
    if record is None or not can_view_record(actor, record):
        return None
    return subjects_for([task.business_key]).get(task.business_key or "")


def next_task_for(actor: User, instance_id: int) -> HumanTask | None:
    """The first open step of the instance that the actor may work on (to open right after a completion)."""
    query = select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == OPEN)
    for task in db.session.scalars(query.order_by(HumanTask.id)):
        if may_work_on(actor, task):
            return task
    return None


def _record(business_key: str | None) -> Interest | Ticket | None:
    interest_id, ticket_id = owner_of(business_key)
    if interest_id:
        return db.session.get(Interest, interest_id)
    if ticket_id:
        return db.session.get(Ticket, ticket_id)
    return None
