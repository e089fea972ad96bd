"""The "Manager control" traffic-light report (SPEC #55): per manager, problems with interest processing
(overdue route-map tasks, idle and overdue interests) and with client-base quality."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select

from crm.accounts.models import MANAGER, Role, User, user_roles
from crm.activities.models import Interaction
from crm.clients.models import Client
from crm.deals.models import Interest
from crm.quality.services import colour_for, quality_for_clients
from engine.db import db, utcnow
from engine.humantask_model import OPEN, HumanTask

GREEN, AMBER, RED, GREY = "green", "amber", "red", "grey"
_RANK = {GREEN: 0, GREY: 0, AMBER: 1, RED: 2}
DEFAULT_IDLE_DAYS = 14
QUALITY_CLIENT_LIMIT = 2000  # clients per manager whose quality is averaged (the newest ones beyond that)


@dataclass(frozen=True)
class ManagerControlRow:
    user_id: int
    name: str
    open_interests: int
    overdue_tasks: int
    idle_interests: int
    overdue_interests: int  # expected close date passed
    clients: int
    quality_percent: int | None
    lights: dict[str, str]

    @property
    def overall(self) -> str:
        return max(self.lights.values(), key=lambda c: _RANK[c]) if self.lights else GREY

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "overall": self.overall}


def manager_control(
    *, now: datetime | None = None, idle_days: int = DEFAULT_IDLE_DAYS
) -> list[ManagerControlRow]:
    """One row per active user with the manager role, worst first.

    Lights: overdue tasks 0 green / 1–2 amber / 3+ red; idle interests (no change and no interaction for
    ``idle_days``) under 10 % of open ones green / under 25 % amber / else red; overdue interests the same
    way; client-base quality by the quality indicator's own colours (red < 50 %, amber < 80 %).
    """
    now = now or utcnow()
    managers = db.session.execute(
        select(User.id, User.full_name)
        .join(user_roles, user_roles.c.user_id == User.id)
        .join(Role, Role.id == user_roles.c.role_id)
        .where(Role.code == MANAGER, User.is_active)
        .order_by(User.full_name)
    ).all()
    ids = [m.id for m in managers]
    open_interests = _count_by(Interest.responsible_id, ids, Interest.closed_at.is_(None))
    overdue_tasks = _count_by(
        HumanTask.assignee_id, ids, and_(HumanTask.status == OPEN, HumanTask.due_at < now)
    )
    overdue_interests = _count_by(
        Interest.responsible_id,
        ids,
        and_(Interest.closed_at.is_(None), Interest.expected_close_date < now.date()),
    )
    idle = idle_interest_counts(ids, now - timedelta(days=idle_days))
    rows = []
    for manager in managers:
        client_ids = list(
            db.session.scalars(
                select(Client.id)
                .where(Client.responsible_id == manager.id, Client.merged_into_id.is_(None))
                .order_by(Client.id.desc())
                .limit(QUALITY_CLIENT_LIMIT)
            )
        )
        percents = [r.percent for r in quality_for_clients(client_ids).values() if r.percent is not None]
        quality = round(sum(percents) / len(percents)) if percents else None
        n_open = open_interests.get(manager.id, 0)
        lights = {
            "tasks": _by_count(overdue_tasks.get(manager.id, 0)),
            "idle": _by_share(idle.get(manager.id, 0), n_open),
            "overdue_interests": _by_share(overdue_interests.get(manager.id, 0), n_open),
            "quality": colour_for(quality) if quality is not None else GREY,
        }
        rows.append(
            ManagerControlRow(
                user_id=manager.id,
                name=manager.full_name,
                open_interests=n_open,
                overdue_tasks=overdue_tasks.get(manager.id, 0),
                idle_interests=idle.get(manager.id, 0),
                overdue_interests=overdue_interests.get(manager.id, 0),
                clients=len(client_ids),
                quality_percent=quality,
                lights=lights,
            )
        )
    rows.sort(key=lambda r: (-_RANK[r.overall], r.name.lower()))
    return rows


def _count_by(column: Any, ids: list[int], condition: Any) -> dict[int, int]:
    if not ids:
        return {}
    stmt = select(column, func.count()).where(column.in_(ids), condition).group_by(column)
    return {k: int(n) for k, n in db.session.execute(stmt).all()}


def idle_interest_counts(ids: list[int], quiet_since: datetime) -> dict[int, int]:
    if not ids:
        return {}
    last_interaction = (
        select(Interaction.interest_id, func.max(Interaction.created_at).label("last_at"))
        .where(Interaction.interest_id.is_not(None))
        .group_by(Interaction.interest_id)
        .subquery()
    )
    stmt = (
        select(Interest.responsible_id, func.count())
        .outerjoin(last_interaction, last_interaction.c.interest_id == Interest.id)
        .where(
            Interest.responsible_id.in_(ids),
            Interest.closed_at.is_(None),
            Interest.updated_at < quiet_since,
            (last_interaction.c.last_at.is_(None)) | (last_interaction.c.last_at < quiet_since),
        )
        .group_by(Interest.responsible_id)
    )
    return {k: int(n) for k, n in db.session.execute(stmt).all()}


def _by_count(n: int) -> str:
    return GREEN if n == 0 else AMBER if n < 3 else RED


def _by_share(n: int, total: int) -> str:
    if not total:
        return GREEN if not n else RED
    share = n / total
    return GREEN if share < 0.10 else AMBER if share < 0.25 else RED
