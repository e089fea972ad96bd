"""Support: appeal SLA countdowns (reaction and processing, in business time), the queue in order, "take next".

The queue holds the open appeals nobody has taken yet plus the ones the agent holds, ordered by the nearest
running SLA deadline (reaction until the first answer, then processing), then by priority and age. Unassigned
appeals are the shared queue every working user sees — like potential clients nobody is responsible for
(``crm.access``) — so taking one makes the agent responsible and opens its current step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from crm.access import visible_records_clause
from crm.accounts.models import User
from crm.clients.models import Client, Lead
from crm.support.models import OPEN_TICKET_STATUSES, PRIORITIES, Ticket
from crm.support.services import assign_ticket_responsible_in_session
from crm.workplaces.errors import NothingToTake
from crm.workplaces.labels import user_names
from engine.calendar import WorkCalendar
from engine.calendar_service import get_default_calendar
from engine.calendar_sla import sla_due
from engine.db import db, utcnow
from engine.humantask_model import OPEN, HumanTask
from engine.humantasks import claim
from engine.runtime_errors import TaskNotYours

QUEUE_LIMIT = 300
WARNING_SHARE = 0.25  # amber when less than a quarter of the SLA is left


@dataclass(frozen=True)
class SlaClock:
    """One SLA: when it runs out and when it was met (None while running)."""

    started_at: datetime
    due_at: datetime | None
    met_at: datetime | None

    def state(self, now: datetime) -> str:
        """``none`` (no SLA), ``met``, ``met_late``, ``breached``, ``warning`` or ``ok``."""
        if self.due_at is None:
            return "none"
        if self.met_at is not None:
            return "met" if self.met_at <= self.due_at else "met_late"
        if now >= self.due_at:
            return "breached"
        left = (self.due_at - now).total_seconds()
        whole = max((self.due_at - self.started_at).total_seconds(), 1.0)
        return "warning" if left / whole < WARNING_SHARE else "ok"

    def seconds_left(self, now: datetime) -> int | None:
        return None if self.due_at is None else int((self.due_at - now).total_seconds())


@dataclass(frozen=True)
class TicketSla:
    reaction: SlaClock
    processing: SlaClock

    def next_deadline(self) -> datetime | None:
        """The deadline still running soonest (reaction first, then processing)."""
        running = [c.due_at for c in (self.reaction, self.processing) if c.due_at and c.met_at is None]
        return min(running) if running else None


@dataclass(frozen=True)
class QueueRow:
    ticket: Ticket
    sla: TicketSla
    client_name: str
    responsible_name: str
    task_id: int | None


def ticket_sla(ticket: Ticket, calendar: WorkCalendar | None = None) -> TicketSla:
    """Reaction and processing clocks of an appeal from its type's SLA (``PT4H working`` = business hours)."""
    calendar = calendar or get_default_calendar()
    kind = ticket.appeal_type
    reaction = (kind.reaction_sla if kind else "") or ""
    processing = (kind.processing_sla if kind else "") or ""
    start = ticket.created_at
    return TicketSla(
        SlaClock(start, sla_due(calendar, start, reaction) if reaction else None, ticket.first_response_at),
        SlaClock(start, sla_due(calendar, start, processing) if processing else None, ticket.resolved_at),
    )


def support_queue(actor: User, *, scope: str = "queue") -> list[QueueRow]:
    """Open appeals in working order: ``queue`` = unassigned + mine, ``mine`` = mine, ``all`` = all I may see."""
    query = select(Ticket).where(Ticket.status.in_(OPEN_TICKET_STATUSES))
    if scope == "mine":
        query = query.where(Ticket.responsible_id == actor.id)
    elif scope == "queue":
        query = query.where(or_(Ticket.responsible_id.is_(None), Ticket.responsible_id == actor.id))
    elif scope == "all":
        query = query.where(or_(Ticket.responsible_id.is_(None), visible_records_clause(Ticket, actor)))
    else:
        raise ValueError(f"unknown scope {scope!r}")
    tickets = list(db.session.scalars(query.order_by(Ticket.created_at, Ticket.id).limit(QUEUE_LIMIT)))
    return _ordered(tickets)


def take_ticket(actor: User, ticket_id: int | None = None) -> tuple[Ticket, int | None]:
    """Take an unassigned appeal (the first in order when ``ticket_id`` is None): become responsible and
    claim its current step; commits. Returns the appeal and the claimed task id. Raises ``NothingToTake``."""
    candidates = [r for r in support_queue(actor) if r.ticket.responsible_id is None]
    if ticket_id is not None:
        candidates = [r for r in candidates if r.ticket.id == ticket_id]
    for row in candidates:
        locked = db.session.scalars(
            select(Ticket)
            .where(Ticket.id == row.ticket.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()
        if locked is None or locked.responsible_id is not None:
            db.session.rollback()
            continue  # somebody was quicker: take the next one
        assign_ticket_responsible_in_session(actor, locked, actor.id)
        db.session.commit()
        return locked, _claim_current_step(actor, locked)
    raise NothingToTake(
        "no unassigned appeal is waiting" if ticket_id is None else f"appeal {ticket_id} is taken"
    )


def _claim_current_step(actor: User, ticket: Ticket) -> int | None:
    task = db.session.scalars(
        select(HumanTask)
        .where(HumanTask.business_key == ticket.business_key, HumanTask.status == OPEN)
        .order_by(HumanTask.id)
    ).first()
    if task is None:
        return None
    try:
        return claim(task.id, actor.id, actor.lane_keys).id
    except TaskNotYours:
        return None  # a step for another lane: the agent still holds the appeal


def _ordered(tickets: list[Ticket]) -> list[QueueRow]:
    calendar = get_default_calendar()
    rank = {p: i for i, p in enumerate(reversed(PRIORITIES))}  # urgent first
    slas = {t.id: ticket_sla(t, calendar) for t in tickets}
    far = datetime.max.replace(tzinfo=utcnow().tzinfo)
    tickets.sort(
        key=lambda t: (slas[t.id].next_deadline() or far, rank.get(t.priority, 9), t.created_at, t.id)
    )
    clients = _names(Client, {t.client_id for t in tickets if t.client_id})
    leads = _names(Lead, {t.lead_id for t in tickets if t.lead_id})
    people = user_names(t.responsible_id for t in tickets)
    tasks = _open_tasks([t.business_key for t in tickets])
    return [
        QueueRow(
            t,
            slas[t.id],
            clients.get(t.client_id or 0) or leads.get(t.lead_id or 0, ""),
            people.get(t.responsible_id or 0, ""),
            tasks.get(t.business_key),
        )
        for t in tickets
    ]


def _open_tasks(keys: list[str]) -> dict[str, int]:
    if not keys:
        return {}
    found: dict[str, int] = {}
    rows = db.session.execute(
        select(HumanTask.business_key, HumanTask.id)
        .where(HumanTask.business_key.in_(keys), HumanTask.status == OPEN)
        .order_by(HumanTask.id)
    )
    for key, task_id in rows:
        found.setdefault(key, task_id)
    return found


def _names(model: type[Client] | type[Lead], ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.session.execute(select(model.id, model.name).where(model.id.in_(ids))).tuples().all())
