"""The CRM side of the process-efficiency page: route maps and versions, departments turned into assignees,
people's names, and the deal/appeal fields outliers are compared on (via their business keys)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from crm.accounts.models import Department, User
from crm.deals.models import Interest, InterestStage
from crm.support.models import AppealType, Ticket
from engine.analytics.filters import AnalyticsFilter
from engine.analytics.rollup import refresh_facts
from engine.db import db
from engine.definition_model import ProcessDefinition

CATCH_UP_EVENTS = (
    500  # a page view rolls up at most this many new events itself (≈0.1 s; the job does the rest)
)


@dataclass(frozen=True)
class ProcessChoice:
    key: str
    name: str
    versions: list[tuple[int, int]]  # (definition id, version), newest first


def route_maps() -> list[ProcessChoice]:
    """Deployed route maps with their versions, by name."""
    rows = db.session.execute(
        select(
            ProcessDefinition.id, ProcessDefinition.key, ProcessDefinition.name, ProcessDefinition.version
        ).order_by(ProcessDefinition.key, ProcessDefinition.version.desc())
    ).all()
    found: dict[str, ProcessChoice] = {}
    for r in rows:
        found.setdefault(r.key, ProcessChoice(r.key, r.name or r.key, [])).versions.append((r.id, r.version))
    return sorted(found.values(), key=lambda c: c.name.lower())


def build_filter(
    key: str, *, version: int | None = None, started_from: datetime | None = None, started_to: datetime | None = None,
    department_id: int | None = None, assignee_id: int | None = None,
) -> tuple[AnalyticsFilter, ProcessDefinition | None]:  # fmt: skip
    """The analytics filter for a route map (one version or all) and the definition whose diagram to show."""
    stmt = (
        select(ProcessDefinition)
        .where(ProcessDefinition.key == key)
        .order_by(ProcessDefinition.version.desc())
    )
    definitions = list(db.session.scalars(stmt))
    chosen = [d for d in definitions if version is None or d.version == version]
    assignees: tuple[int, ...] | None = None
    if assignee_id is not None:
        assignees = (assignee_id,)
    elif department_id is not None:
        assignees = tuple(db.session.scalars(select(User.id).where(User.department_id == department_id)))
    flt = AnalyticsFilter(
        definition_ids=tuple(d.id for d in chosen) or (-1,),
        started_from=started_from,
        started_to=started_to,
        assignee_ids=assignees,
    )
    return flt, (chosen[0] if chosen else None)


def catch_up() -> int:
    """Roll up the newest events before a page is drawn (bounded; the periodic job handles big backlogs)."""
    return refresh_facts(max_events=CATCH_UP_EVENTS)


def people() -> dict[int, str]:
    """User id → full name (for assignee columns and filters)."""
    return {uid: name for uid, name in db.session.execute(select(User.id, User.full_name)).all()}


def departments() -> list[Department]:
    """Active departments, by name."""
    return list(db.session.scalars(select(Department).where(Department.is_active).order_by(Department.name)))


def business_attributes(keys: list[str]) -> dict[str, dict[str, str]]:
    """Deal/appeal fields per business key (``interest:<id>``, ``ticket:<id>``) for the outlier comparison."""
    ids: dict[str, list[int]] = {"interest": [], "ticket": []}
    for key in keys:
        kind, _, raw = key.partition(":")
        if kind in ids and raw.isdigit():
            ids[kind].append(int(raw))
    found: dict[str, dict[str, str]] = {}
    names = people()
    if ids["interest"]:
        for i, stage in db.session.execute(
            select(Interest, InterestStage.name).join(InterestStage).where(Interest.id.in_(ids["interest"]))
        ).all():
            found[f"interest:{i.id}"] = {
                "deal source": i.source or "—",
                "deal stage": stage,
                "deal manager": names.get(i.responsible_id or 0, "—"),
                "deal size": _size_band(float(i.amount or 0)),
            }
    if ids["ticket"]:
        for t, type_name in db.session.execute(
            select(Ticket, AppealType.name).outerjoin(AppealType).where(Ticket.id.in_(ids["ticket"]))
        ).all():
            found[f"ticket:{t.id}"] = {
                "appeal type": type_name or "—",
                "channel": t.channel,
                "priority": t.priority,
                "responsible": names.get(t.responsible_id or 0, "—"),
            }
    return found


def _size_band(amount: float) -> str:
    for limit, label in ((100_000, "< 100 k"), (1_000_000, "100 k – 1 M"), (10_000_000, "1 M – 10 M")):
        if amount < limit:
            return label
    return "≥ 10 M"


def user_label(user_id: Any, names: dict[int, str]) -> str:
    """``user:<id>`` attribute values → the person's name."""
    text = str(user_id)
    if text.startswith("user:") and text[5:].isdigit():
        return names.get(int(text[5:]), text)
    return text
