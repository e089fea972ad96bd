"""Running route maps for the demo company, so a newcomer's My tasks, cards and monitoring are not empty.

Every open interest gets the ``sale`` route map and every open appeal its type's route map; the first
interests also get their qualification step completed, so the Feed shows a "variant chosen" entry and the
diagram shows a taken path.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from crm.accounts.models import User
from crm.deals.models import Interest
from crm.processes import ProcessAlreadyRunning, open_steps, start_interest_process, start_ticket_process
from crm.support.models import Ticket
from engine.db import db
from engine.definitions import latest_definition
from engine.humantasks import complete_task

QUALIFIED_DEMO_INTERESTS = 2


@dataclass(frozen=True)
class DemoProcesses:
    interests: int
    tickets: int
    steps_completed: int


def start_demo_processes() -> DemoProcesses:
    """Start the route maps of open demo interests and appeals that have none (idempotent)."""
    interests = tickets = steps = 0
    if latest_definition("sale") is not None:
        open_interests = db.session.scalars(
            select(Interest)
            .where(Interest.closed_at.is_(None), Interest.process_instance_id.is_(None))
            .order_by(Interest.id)
        ).all()
        for interest in open_interests:
            try:
                start_interest_process(None, interest.id)
            except ProcessAlreadyRunning:
                continue
            interests += 1
            if interests <= QUALIFIED_DEMO_INTERESTS:
                steps += _qualify(interest)
    open_tickets = db.session.scalars(
        select(Ticket)
        .where(Ticket.process_instance_id.is_(None), Ticket.status.in_(("new", "in_progress")))
        .order_by(Ticket.id)
    ).all()
    for ticket in open_tickets:
        key = (ticket.appeal_type.route_map_key if ticket.appeal_type else "") or "support_appeal"
        if latest_definition(key) is None:
            continue
        try:
            start_ticket_process(None, ticket.id)
        except ProcessAlreadyRunning:
            continue
        tickets += 1
    return DemoProcesses(interests, tickets, steps)


def _qualify(interest: Interest) -> int:
    """Complete the interest's qualification step as its responsible manager ("Qualified")."""
    user = db.session.get(User, interest.responsible_id) if interest.responsible_id else None
    if user is None:
        return 0
    for step in open_steps(interest.business_key):
        if step.form_name == "sale_qualify.json":
            complete_task(
                step.id,
                user.id,
                {"verdict": "qualified", "comment": "Demo: budget confirmed"},
                user.lane_keys,
            )
            return 1
    return 0
