"""The "Sales funnel" report (SPEC #53): interests created in a period, how many (and how much money) reached
each stage, conversion between stages, against the reference ("ideal") funnel.

An interest reached a stage when it is at or past it now (won interests passed every open stage) or was ever
at it (the stage history in ``change_log``) — so a deal lost at "Proposal" counts for every stage up to it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from crm.deals.models import (
    OUTCOME_LOST,
    OUTCOME_WON,
    STAGE_LOST,
    STAGE_OPEN,
    STAGE_WON,
    Interest,
    InterestStage,
)
from crm.errors import ValidationFailed
from crm.history import ChangeLogEntry
from crm.messages import N_
from crm.monitoring.models import ReferenceFunnelStage
from engine.db import db


@dataclass(frozen=True)
class FunnelStage:
    code: str
    name: str
    reached: int
    amount: Decimal
    now_at: int  # open interests at this stage now
    share_of_first: float | None
    conversion: float | None  # from the previous stage
    reference_percent: float | None

    @property
    def gap(self) -> float | None:
        """Share of first minus the reference share (percentage points; negative = below the ideal)."""
        if self.share_of_first is None or self.reference_percent is None:
            return None
        return self.share_of_first * 100 - self.reference_percent

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "amount": float(self.amount), "gap": self.gap}


@dataclass(frozen=True)
class Funnel:
    stages: list[FunnelStage]
    total: int
    won: int
    lost: int
    won_amount: Decimal


def sales_funnel(
    *,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    responsible_ids: list[int] | None = None,
) -> Funnel:
    """The funnel of interests created in ``[created_from, created_to)`` (of these managers)."""
    stages = list(db.session.scalars(select(InterestStage).order_by(InterestStage.sort_order)))
    ladder = [s for s in stages if s.kind == STAGE_OPEN] + [s for s in stages if s.kind == STAGE_WON][:1]
    order = {s.code: i for i, s in enumerate(ladder)}
    by_id = {s.id: s for s in stages}
    stmt = select(Interest.id, Interest.stage_id, Interest.amount, Interest.outcome, Interest.closed_at)
    if created_from is not None:
        stmt = stmt.where(Interest.created_at >= created_from)
    if created_to is not None:
        stmt = stmt.where(Interest.created_at < created_to)
    if responsible_ids is not None:
        stmt = stmt.where(Interest.responsible_id.in_(responsible_ids))
    interests = db.session.execute(stmt).all()
    furthest = {i.id: order.get(by_id[i.stage_id].code, -1) if i.stage_id in by_id else -1 for i in interests}
    for interest_id, code in _stage_history([i.id for i in interests if i.outcome != OUTCOME_WON]):
        furthest[interest_id] = max(furthest[interest_id], order.get(code or "", -1))
    reached = [0] * len(ladder)
    amounts = [Decimal(0)] * len(ladder)
    now_at: dict[int, int] = defaultdict(int)
    for i in interests:
        top = len(ladder) - 1 if i.outcome == OUTCOME_WON else max(furthest[i.id], 0)
        for level in range(top + 1):
            reached[level] += 1
            amounts[level] += Decimal(i.amount or 0)
        if i.closed_at is None:
            now_at[i.stage_id] += 1
    reference = {r.stage_id: float(r.reach_percent) for r in db.session.scalars(select(ReferenceFunnelStage))}
    rows = []
    for level, stage in enumerate(ladder):
        rows.append(
            FunnelStage(
                code=stage.code,
                name=stage.name,
                reached=reached[level],
                amount=amounts[level],
                now_at=now_at.get(stage.id, 0),
                share_of_first=reached[level] / reached[0] if reached and reached[0] else None,
                conversion=(reached[level] / reached[level - 1]) if level and reached[level - 1] else None,
                reference_percent=reference.get(stage.id),
            )
        )
    won = [i for i in interests if i.outcome == OUTCOME_WON]
    return Funnel(
        stages=rows,
        total=len(interests),
        won=len(won),
        lost=sum(1 for i in interests if i.outcome == OUTCOME_LOST),
        won_amount=sum((Decimal(i.amount or 0) for i in won), Decimal(0)),
    )


def set_reference_funnel(percents: dict[str, float]) -> None:
    """Store the reference share (0–100, not increasing along the funnel) per stage code; commits."""
    stages = {s.code: s for s in db.session.scalars(select(InterestStage))}
    previous = 100.0
    ordered = sorted(percents.items(), key=lambda kv: stages[kv[0]].sort_order if kv[0] in stages else 0)
    for code, value in ordered:
        if code not in stages or stages[code].kind == STAGE_LOST:
            raise ValidationFailed({code: N_("not a funnel stage")})
        if not 0 <= value <= 100:
            raise ValidationFailed({code: N_("a percentage from 0 to 100")})
        if value > previous:
            raise ValidationFailed(
                {code: N_("a later stage cannot be reached by more interests than an earlier one")}
            )
        previous = value
    for code, value in ordered:
        row = db.session.get(ReferenceFunnelStage, stages[code].id)
        if row is None:
            db.session.add(ReferenceFunnelStage(stage_id=stages[code].id, reach_percent=Decimal(str(value))))
        else:
            row.reach_percent = Decimal(str(value))
    db.session.commit()


def _stage_history(interest_ids: list[int]) -> list[tuple[int, str | None]]:
    found: list[tuple[int, str | None]] = []
    for i in range(0, len(interest_ids), 1000):
        chunk = interest_ids[i : i + 1000]
        for entity_id, old, new in db.session.execute(
            select(ChangeLogEntry.entity_id, ChangeLogEntry.old_value, ChangeLogEntry.new_value).where(
                ChangeLogEntry.entity == "interest",
                ChangeLogEntry.field == "stage",
                ChangeLogEntry.entity_id.in_(chunk),
            )
        ):
            found.extend(((entity_id, old), (entity_id, new)))
    return found
