"""Absences and the permanent hand-over as the administration pages need them: a paged list of absences
and a summary of what a hand-over would move, shown before the administrator confirms it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from crm.absences.models import Absence
from crm.absences.services import hand_over_clients
from crm.accounts.models import User
from crm.errors import ValidationFailed
from crm.importing.admin_services import ensure_admin
from crm.messages import N_, Message
from engine.db import db, utcnow
from engine.humantask_model import OPEN, HumanTask

WHEN_CHOICES = ("current", "upcoming", "past", "all")


@dataclass(frozen=True)
class AbsenceRow:
    id: int
    user_name: str
    deputy_name: str
    starts_at: datetime
    ends_at: datetime
    reason: str
    state: str  # current | upcoming | past


def list_absences(
    *,
    when: str = "all",
    user_id: int | None = None,
    page: int = 1,
    per_page: int = 25,
    now: datetime | None = None,
) -> tuple[list[AbsenceRow], int]:
    """Absences (current, upcoming, past or all; of one absent user or deputy), newest start first, paged."""
    if when not in WHEN_CHOICES:
        raise ValidationFailed({"when": Message(N_("One of %(choices)s."), choices=", ".join(WHEN_CHOICES))})
    now = now or utcnow()
    absent, deputy = aliased(User), aliased(User)
    filters = []
    if when == "current":
        filters += [Absence.starts_at <= now, Absence.ends_at > now]
    elif when == "upcoming":
        filters.append(Absence.starts_at > now)
    elif when == "past":
        filters.append(Absence.ends_at <= now)
    if user_id:
        filters.append((Absence.user_id == user_id) | (Absence.deputy_id == user_id))
    total = db.session.scalar(select(func.count()).select_from(Absence).where(*filters)) or 0
    rows = db.session.execute(
        select(Absence, absent.full_name, deputy.full_name)
        .join(absent, absent.id == Absence.user_id)
        .join(deputy, deputy.id == Absence.deputy_id)
        .where(*filters)
        .order_by(Absence.starts_at.desc(), Absence.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return [
        AbsenceRow(a.id, user_name, deputy_name, a.starts_at, a.ends_at, a.reason, _state(a, now))
        for a, user_name, deputy_name in rows
    ], total


def _state(absence: Absence, now: datetime) -> str:
    if absence.ends_at <= now:
        return "past"
    return "upcoming" if absence.starts_at > now else "current"


def hand_over_summary(from_user_id: int) -> dict[str, int]:
    """What a permanent hand-over of ``from_user_id`` would move, per kind, without moving anything.

    The same criteria as ``crm.absences.services.hand_over_clients`` (clients, open leads, open interests,
    open tickets, planned interactions), plus the open process tasks assigned to the user.
    """
    from crm.activities.models import INTERACTION_PLANNED, Interaction
    from crm.clients.models import LEAD_OPEN, Client, Lead
    from crm.deals.models import Interest
    from crm.support.models import OPEN_TICKET_STATUSES, Ticket

    if db.session.get(User, from_user_id) is None:
        raise ValidationFailed({"from_user_id": N_("No such user.")})
    plan = (
        ("clients", Client, Client.responsible_id == from_user_id),
        ("leads", Lead, (Lead.responsible_id == from_user_id) & (Lead.status == LEAD_OPEN)),
        ("interests", Interest, (Interest.responsible_id == from_user_id) & Interest.closed_at.is_(None)),
        ("tickets", Ticket,
         (Ticket.responsible_id == from_user_id) & Ticket.status.in_(OPEN_TICKET_STATUSES)),
        ("interactions", Interaction,
         (Interaction.responsible_id == from_user_id) & (Interaction.status == INTERACTION_PLANNED)),
        ("process_tasks", HumanTask, (HumanTask.assignee_id == from_user_id) & (HumanTask.status == OPEN)),
    )  # fmt: skip
    return {
        label: db.session.scalar(select(func.count()).select_from(model).where(where)) or 0
        for label, model, where in plan
    }


def hand_over_everything(actor: User, from_user_id: int, to_user_id: int) -> dict[str, int]:
    """Permanently hand a leaving user's work to another (administrators): the cards of
    ``hand_over_clients`` in one transaction, then each open process task assigned to them is reassigned.

    Returns the moved counts per kind (the keys of ``hand_over_summary``).
    """
    from engine.humantasks import assign
    from engine.runtime_errors import TaskAlreadyCompleted, TaskNotOpen

    ensure_admin(actor)
    counts = hand_over_clients(actor, from_user_id, to_user_id)
    task_ids = list(
        db.session.scalars(
            select(HumanTask.id).where(HumanTask.assignee_id == from_user_id, HumanTask.status == OPEN)
        )
    )
    moved = 0
    for task_id in task_ids:
        try:
            assign(task_id, to_user_id, actor.id)
        except (TaskAlreadyCompleted, TaskNotOpen):  # completed by someone meanwhile: nothing to move
            db.session.rollback()
            continue
        moved += 1
    counts["process_tasks"] = moved
    return counts
