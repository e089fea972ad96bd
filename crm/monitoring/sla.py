"""The SLA page: met / at-risk / breached counts and rates per appeal type, department and employee, and the
list of breached and at-risk appeals — read from ``monitoring_ticket_sla`` with "now" applied in SQL."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, literal, or_, select

from crm.accounts.models import Department, User
from crm.monitoring.models import TicketSlaFact
from crm.support.models import AppealType, Ticket
from engine.analytics.sla_clock import AT_RISK, BREACHED, MET, ON_TRACK
from engine.db import db, utcnow

CLOCKS = ("reaction", "processing")
GROUPINGS = ("type", "department", "employee")
NO_SLA = "none"


def state_expression(clock: str, now: datetime) -> Any:
    """SQL: the clock's state at ``now`` (stored for finished and paused clocks, else from its instants)."""
    col = lambda name: getattr(TicketSlaFact, f"{clock}_{name}")  # noqa: E731
    return case(
        (col("target_h").is_(None), literal(NO_SLA)),
        (col("state").is_not(None), col("state")),
        (col("frozen").is_not(None), col("frozen")),
        (col("due_at") < now, literal(BREACHED)),
        (col("risk_at") <= now, literal(AT_RISK)),
        else_=literal(ON_TRACK),
    )


@dataclass
class SlaRow:
    key: int | None
    label: str
    counts: dict[str, dict[str, int]] = field(default_factory=lambda: {c: defaultdict(int) for c in CLOCKS})
    elapsed_sum: dict[str, float] = field(default_factory=lambda: dict.fromkeys(CLOCKS, 0.0))

    def total(self, clock: str) -> int:
        return sum(n for state, n in self.counts[clock].items() if state != NO_SLA)

    def count(self, clock: str, state: str) -> int:
        return self.counts[clock].get(state, 0)

    def rate(self, clock: str, state: str) -> float | None:
        total = self.total(clock)
        return self.count(clock, state) / total if total else None

    def mean_elapsed_h(self, clock: str) -> float | None:
        total = self.total(clock)
        return self.elapsed_sum[clock] / total if total else None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "label": self.label}
        for clock in CLOCKS:
            out[clock] = {
                "total": self.total(clock),
                **{s: self.count(clock, s) for s in (MET, BREACHED, AT_RISK, ON_TRACK)},
                "breach_rate": self.rate(clock, BREACHED),
                "met_rate": self.rate(clock, MET),
                "mean_elapsed_h": self.mean_elapsed_h(clock),
            }
        return out


@dataclass(frozen=True)
class SlaReport:
    now: datetime
    overall: SlaRow
    by_type: list[SlaRow]
    by_department: list[SlaRow]
    by_employee: list[SlaRow]


def sla_report(
    *, created_from: datetime | None = None, created_to: datetime | None = None, now: datetime | None = None,
    department_id: int | None = None,
) -> SlaReport:  # fmt: skip
    """SLA figures of the appeals registered in ``[created_from, created_to)``, in business hours."""
    now = now or utcnow()
    r_state, p_state = state_expression("reaction", now), state_expression("processing", now)
    stmt = select(
        TicketSlaFact.appeal_type_id,
        TicketSlaFact.department_id,
        TicketSlaFact.responsible_id,
        r_state,
        p_state,
        func.count(),
        func.sum(func.coalesce(TicketSlaFact.reaction_elapsed_h, 0.0)),
        func.sum(func.coalesce(TicketSlaFact.processing_elapsed_h, 0.0)),
    ).where(*_period(created_from, created_to, department_id))
    stmt = stmt.group_by(
        TicketSlaFact.appeal_type_id,
        TicketSlaFact.department_id,
        TicketSlaFact.responsible_id,
        r_state,
        p_state,
    )
    overall = SlaRow(None, "")
    groups: dict[str, dict[int | None, SlaRow]] = {g: {} for g in GROUPINGS}
    for type_id, dept_id, user_id, rs, ps, n, r_sum, p_sum in db.session.execute(stmt):
        for grouping, key in (("type", type_id), ("department", dept_id), ("employee", user_id)):
            for row in (
                groups[grouping].setdefault(key, SlaRow(key, "")),
                *((overall,) if grouping == "type" else ()),
            ):
                row.counts["reaction"][rs] += n
                row.counts["processing"][ps] += n
                if rs != NO_SLA:
                    row.elapsed_sum["reaction"] += float(r_sum or 0)
                if ps != NO_SLA:
                    row.elapsed_sum["processing"] += float(p_sum or 0)
    _label(groups["type"], dict(db.session.execute(select(AppealType.id, AppealType.name)).tuples().all()))
    _label(
        groups["department"], dict(db.session.execute(select(Department.id, Department.name)).tuples().all())
    )
    user_ids = [k for k in groups["employee"] if k is not None]
    names = dict(
        db.session.execute(select(User.id, User.full_name).where(User.id.in_(user_ids))).tuples().all()
    )
    _label(groups["employee"], names)
    ordered = {g: sorted(rows.values(), key=lambda r: r.label.lower()) for g, rows in groups.items()}
    return SlaReport(now, overall, ordered["type"], ordered["department"], ordered["employee"])


def sla_problems(
    *, created_from: datetime | None = None, created_to: datetime | None = None, now: datetime | None = None,
    department_id: int | None = None, limit: int = 100,
) -> list[dict[str, Any]]:  # fmt: skip
    """Breached and at-risk appeals (open ones first, then the most recent), with their clocks."""
    now = now or utcnow()
    r_state, p_state = state_expression("reaction", now), state_expression("processing", now)
    bad = (BREACHED, AT_RISK)
    rows = db.session.execute(
        select(
            TicketSlaFact, r_state, p_state, Ticket.subject, Ticket.status, AppealType.name, User.full_name
        )
        .join(Ticket, Ticket.id == TicketSlaFact.ticket_id)
        .outerjoin(AppealType, AppealType.id == TicketSlaFact.appeal_type_id)
        .outerjoin(User, User.id == TicketSlaFact.responsible_id)
        .where(*_period(created_from, created_to, department_id), or_(r_state.in_(bad), p_state.in_(bad)))
        .order_by(TicketSlaFact.is_open.desc(), TicketSlaFact.created_at.desc())
        .limit(limit)
    ).all()
    return [
        {
            "ticket_id": fact.ticket_id,
            "subject": subject,
            "status": status,
            "appeal_type": type_name or "",
            "responsible": user_name or "",
            "created_at": fact.created_at,
            "reaction": rs,
            "processing": ps,
            "reaction_due_at": fact.reaction_due_at,
            "processing_due_at": fact.processing_due_at,
            "reaction_elapsed_h": fact.reaction_elapsed_h,
            "processing_elapsed_h": fact.processing_elapsed_h,
            "reaction_target_h": fact.reaction_target_h,
            "processing_target_h": fact.processing_target_h,
            "paused_h": fact.paused_h,
        }
        for fact, rs, ps, subject, status, type_name, user_name in rows
    ]


def breach_rate(clock: str, *, created_from: datetime, now: datetime | None = None) -> float | None:
    """Share of appeals with an SLA whose ``clock`` is breached, among those registered since ``created_from``."""
    report = sla_report(created_from=created_from, now=now)
    return report.overall.rate(clock, BREACHED)


def _period(
    created_from: datetime | None, created_to: datetime | None, department_id: int | None
) -> list[Any]:
    conditions: list[Any] = []
    if created_from is not None:
        conditions.append(TicketSlaFact.created_at >= created_from)
    if created_to is not None:
        conditions.append(TicketSlaFact.created_at < created_to)
    if department_id is not None:
        conditions.append(TicketSlaFact.department_id == department_id)
    return conditions


def _label(rows: dict[int | None, SlaRow], names: dict[int, str]) -> None:
    for key, row in rows.items():
        row.label = names.get(key, "") if key is not None else ""
