"""Keeps ``monitoring_ticket_sla`` current: each new or changed appeal gets its reaction and processing clocks
recomputed on the work calendar, with the periods it waited for the client as pauses (from the status
history in ``change_log``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select

from crm.accounts.models import User
from crm.history import ChangeLogEntry
from crm.monitoring.models import TicketSlaFact
from crm.support.models import STATUS_WAITING_CLIENT, AppealType, Ticket
from engine.analytics.sla_clock import Pause, SlaClock, sla_clock
from engine.calendar import WorkCalendar
from engine.calendar_service import get_default_calendar
from engine.calendar_sla import SlaSpec, parse_sla_spec
from engine.db import db, utcnow
from engine.errors import CalendarInvalid

CHUNK = 1000
PAGE_CATCH_UP = 200  # appeals a page view computes itself at most (≈ tens of ms); the job does the rest


def refresh_ticket_sla(*, now: datetime | None = None, calendar: WorkCalendar | None = None) -> int:
    """Recompute the SLA facts of new and changed appeals (all of them with ``rebuild``); commits; returns count."""
    now = now or utcnow()
    calendar = calendar or get_default_calendar()
    specs = _appeal_type_specs()
    total = 0
    while True:
        tickets = list(
            db.session.scalars(
                select(Ticket)
                .outerjoin(TicketSlaFact, TicketSlaFact.ticket_id == Ticket.id)
                .where(
                    or_(
                        TicketSlaFact.ticket_id.is_(None),
                        Ticket.updated_at > TicketSlaFact.ticket_updated_at,
                        TicketSlaFact.ticket_updated_at.is_(None),
                    )
                )
                .order_by(Ticket.id)
                .limit(CHUNK)
            )
        )
        if not tickets:
            break
        _recompute(tickets, specs, calendar, now)
        db.session.commit()
        total += len(tickets)
        if len(tickets) < CHUNK:
            break
    return total


def refresh_new_tickets(*, now: datetime | None = None, limit: int = PAGE_CATCH_UP) -> int:
    """Facts for appeals registered after the newest one with facts (at most ``limit``); commits.

    The cheap catch-up of the SLA page: an index range on the primary keys, no scan of all appeals. Changes
    to appeals that already have facts are picked up by ``refresh_ticket_sla`` (the periodic job).
    """
    now = now or utcnow()
    newest = db.session.scalar(select(func.max(TicketSlaFact.ticket_id))) or 0
    tickets = list(
        db.session.scalars(select(Ticket).where(Ticket.id > newest).order_by(Ticket.id).limit(limit))
    )
    if not tickets:
        return 0
    _recompute(tickets, _appeal_type_specs(), get_default_calendar(), now)
    db.session.commit()
    return len(tickets)


def rebuild_ticket_sla(*, now: datetime | None = None, calendar: WorkCalendar | None = None) -> int:
    """Recompute every appeal's SLA facts (after an SLA or calendar change); commits."""
    db.session.query(TicketSlaFact).delete()
    db.session.commit()
    return refresh_ticket_sla(now=now, calendar=calendar)


def ticket_pauses(ticket_ids: Sequence[int]) -> dict[int, list[Pause]]:
    """Periods each appeal spent waiting for the client (an open end: it waits now), from its status history."""
    pauses: dict[int, list[Pause]] = defaultdict(list)
    rows = db.session.execute(
        select(ChangeLogEntry.entity_id, ChangeLogEntry.new_value, ChangeLogEntry.at)
        .where(
            ChangeLogEntry.entity == "ticket",
            ChangeLogEntry.field == "status",
            ChangeLogEntry.entity_id.in_(list(ticket_ids)),
        )
        .order_by(ChangeLogEntry.entity_id, ChangeLogEntry.id)
    )
    for ticket_id, new_status, at in rows:
        spans = pauses[ticket_id]
        if spans and spans[-1][1] is None and new_status != STATUS_WAITING_CLIENT:
            spans[-1] = (spans[-1][0], at)
        elif new_status == STATUS_WAITING_CLIENT and not (spans and spans[-1][1] is None):
            spans.append((at, None))
    return dict(pauses)


def clocks_for(
    ticket: Ticket, specs: dict[int, tuple[SlaSpec | None, SlaSpec | None]], pauses: list[Pause],
    calendar: WorkCalendar, now: datetime,
) -> tuple[SlaClock | None, SlaClock | None]:  # fmt: skip
    """The reaction and processing clocks of one appeal (None where its type sets no SLA)."""
    reaction_spec, processing_spec = specs.get(ticket.appeal_type_id or 0, (None, None))
    resolved = ticket.resolved_at or ticket.closed_at
    reaction_done = ticket.first_response_at or resolved
    reaction = (
        sla_clock(calendar, reaction_spec, ticket.created_at, done_at=reaction_done, now=now, pauses=pauses)
        if reaction_spec
        else None
    )
    processing = (
        sla_clock(calendar, processing_spec, ticket.created_at, done_at=resolved, now=now, pauses=pauses)
        if processing_spec
        else None
    )
    return reaction, processing


def _appeal_type_specs() -> dict[int, tuple[SlaSpec | None, SlaSpec | None]]:
    return {
        t.id: (_spec(t.reaction_sla), _spec(t.processing_sla)) for t in db.session.scalars(select(AppealType))
    }


def _spec(text: str) -> SlaSpec | None:
    if not text or not text.strip():
        return None
    try:
        return parse_sla_spec(text)
    except CalendarInvalid:
        return None  # an unreadable SLA is shown as "no SLA", the appeal-type form validates new ones


def _recompute(
    tickets: list[Ticket], specs: dict[int, tuple[SlaSpec | None, SlaSpec | None]], calendar: WorkCalendar,
    now: datetime,
) -> None:  # fmt: skip
    ids = [t.id for t in tickets]
    pauses = ticket_pauses(ids)
    facts = {
        f.ticket_id: f
        for f in db.session.scalars(select(TicketSlaFact).where(TicketSlaFact.ticket_id.in_(ids)))
    }
    responsible = {t.responsible_id for t in tickets if t.responsible_id}
    departments = dict(
        db.session.execute(select(User.id, User.department_id).where(User.id.in_(responsible))).tuples().all()
    ) if responsible else {}  # fmt: skip
    for ticket in tickets:
        fact = facts.get(ticket.id)
        if fact is None:
            fact = TicketSlaFact(ticket_id=ticket.id)
            db.session.add(fact)
        ticket_pause = pauses.get(ticket.id, [])
        reaction, processing = clocks_for(ticket, specs, ticket_pause, calendar, now)
        fact.appeal_type_id = ticket.appeal_type_id
        fact.responsible_id = ticket.responsible_id
        fact.department_id = departments.get(ticket.responsible_id) if ticket.responsible_id else None
        fact.created_at = ticket.created_at
        fact.computed_at = now
        fact.ticket_updated_at = ticket.updated_at
        fact.is_open = ticket.is_open
        end = ticket.resolved_at or ticket.closed_at or now
        fact.paused_h = sum(((b or end) - a).total_seconds() for a, b in ticket_pause if a < end) / 3600.0
        _store(fact, "reaction", reaction)
        _store(fact, "processing", processing)


def _store(fact: TicketSlaFact, prefix: str, clock: SlaClock | None) -> None:
    values: dict[str, Any] = dict.fromkeys(("target_h", "elapsed_h", "state", "due_at", "risk_at", "frozen"))
    if clock is not None:
        values.update(
            target_h=clock.target.total_seconds() / 3600.0,
            elapsed_h=clock.elapsed.total_seconds() / 3600.0,
            state=clock.state if clock.done else None,
            due_at=clock.due_at,
            risk_at=clock.risk_at,
            frozen=clock.frozen_state,
        )
    for name, value in values.items():
        setattr(fact, f"{prefix}_{name}", value)
