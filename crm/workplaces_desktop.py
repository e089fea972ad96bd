"""Figures the desktop widgets show, computed from the live data (each one a few indexed queries)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from crm.access import visible_records_clause
from crm.accounts.models import User
from crm.deals.models import Interest, InterestStage
from crm.support.models import OPEN_TICKET_STATUSES, Ticket
from engine.db import db


@dataclass(frozen=True)
class StageFigure:
    stage_code: str
    stage_name: str
    count: int
    amount: Decimal


@dataclass(frozen=True)
class UnprocessedAppeals:
    """Open appeals nobody has answered yet: all the user may see, those on the user, the oldest few."""

    total: int
    mine: int
    oldest: list[Ticket]


def open_interests_by_stage(user: User) -> list[StageFigure]:
    """The user's open interests (they are responsible) per stage, in funnel order, with the amounts."""
    stmt = (
        select(
            InterestStage.code,
            InterestStage.name,
            func.count(Interest.id),
            func.coalesce(func.sum(Interest.amount), 0),
        )
        .join(Interest, Interest.stage_id == InterestStage.id)
        .where(Interest.responsible_id == user.id, Interest.closed_at.is_(None))
        .group_by(InterestStage.code, InterestStage.name, InterestStage.sort_order)
        .order_by(InterestStage.sort_order)
    )
    return [
        StageFigure(code, name, count, Decimal(amount))
        for code, name, count, amount in db.session.execute(stmt)
    ]


def unprocessed_appeals(user: User, oldest: int = 5) -> UnprocessedAppeals:
    """Open appeals without a first response that ``user`` may see (oldest first)."""
    conditions = (
        visible_records_clause(Ticket, user),
        Ticket.status.in_(OPEN_TICKET_STATUSES),
        Ticket.first_response_at.is_(None),
    )
    total = db.session.scalar(select(func.count()).select_from(Ticket).where(*conditions)) or 0
    mine = (
        db.session.scalar(
            select(func.count()).select_from(Ticket).where(*conditions, Ticket.responsible_id == user.id)
        )
        or 0
    )
    rows = list(
        db.session.scalars(
            select(Ticket).where(*conditions).order_by(Ticket.created_at, Ticket.id).limit(oldest)
        )
    )
    return UnprocessedAppeals(total, mine, rows)
