"""Client work statuses (SPEC §1.2): the eight fixed statuses, the rules that assign them, each client's
current status with its hand-set flags, the history of changes and the recalculation schedule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow

NEW = "new"
IN_PROGRESS = "in_progress"
ACTIVE = "active"
LOST = "lost"
RETURNED = "returned"
FOREIGN = "foreign"
NON_TARGET = "non_target"
LIQUIDATED = "liquidated"


@dataclass(frozen=True)
class WorkStatus:
    code: str
    name: str
    name_ru: str
    colour: str  # CSS colour for the badge in lists and on the card


WORK_STATUSES: dict[str, WorkStatus] = {
    s.code: s
    for s in (
        WorkStatus(NEW, "New", "Новый", "#0d6efd"),
        WorkStatus(IN_PROGRESS, "In progress", "В работе", "#fd7e14"),
        WorkStatus(ACTIVE, "Active", "Активный", "#198754"),
        WorkStatus(LOST, "Lost", "Потерянный", "#dc3545"),
        WorkStatus(RETURNED, "Returned", "Возвращённый", "#20c997"),
        WorkStatus(FOREIGN, "Foreign", "Чужой", "#6f42c1"),
        WorkStatus(NON_TARGET, "Non-target", "Нецелевой", "#6c757d"),
        WorkStatus(LIQUIDATED, "Liquidated", "Ликвидирован", "#212529"),
    )
}
STATUS_CODES = tuple(WORK_STATUSES)
DEFAULT_STATUS = NEW

# Flags an employee sets by hand on the card; rules read them with {"type": "flag", "flag": ...}.
FLAG_LIQUIDATED = "liquidated"
FLAG_FOREIGN = "foreign"
FLAG_NON_TARGET = "non_target"
FLAGS = (FLAG_LIQUIDATED, FLAG_FOREIGN, FLAG_NON_TARGET)


class StatusRule(Base):
    """An administrator-edited rule: when ``conditions`` hold, the client gets ``target_status``.

    Enabled rules are tried by ``position`` (then id); the first that matches wins; none -> "New".
    """

    __tablename__ = "status_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=100)
    name: Mapped[str] = mapped_column(String(200))
    target_status: Mapped[str] = mapped_column(String(16))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # The condition tree, see crm.statuses.conditions (validated on save).
    conditions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    description: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ClientWorkState(Base):
    """A client's current work status (with the rule that gave it) and its hand-set flags."""

    __tablename__ = "client_work_states"
    __table_args__ = (Index("ix_client_work_states_status", "status"),)

    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default=DEFAULT_STATUS)
    rule_id: Mapped[int | None] = mapped_column(Integer)  # no FK: deleting a rule keeps the status
    rule_name: Mapped[str] = mapped_column(String(200), default="")
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when status or rule last changed
    is_liquidated: Mapped[bool] = mapped_column(Boolean, default=False)
    is_foreign: Mapped[bool] = mapped_column(Boolean, default=False)
    is_non_target: Mapped[bool] = mapped_column(Boolean, default=False)

    @property
    def flags(self) -> frozenset[str]:
        on = {FLAG_LIQUIDATED: self.is_liquidated, FLAG_FOREIGN: self.is_foreign}
        on[FLAG_NON_TARGET] = self.is_non_target
        return frozenset(flag for flag, value in on.items() if value)


class ClientStatusChange(Base):
    """Append-only history: the client's status changed from ``old_status`` (None: first calculation)."""

    __tablename__ = "client_status_changes"
    __table_args__ = (
        Index("ix_client_status_changes_client_id_id", "client_id", "id"),
        Index("ix_client_status_changes_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    old_status: Mapped[str | None] = mapped_column(String(16))
    new_status: Mapped[str] = mapped_column(String(16))
    rule_id: Mapped[int | None] = mapped_column(Integer)
    rule_name: Mapped[str] = mapped_column(String(200), default="")
    user_id: Mapped[int | None] = mapped_column(Integer)  # who asked (None: the scheduled job)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


SCHEDULE_INTERVAL = "interval"
SCHEDULE_DAILY = "daily"


class StatusRecalcSchedule(Base):
    """The administrator-set schedule of the recalculation of all statuses (one row, id 1)."""

    __tablename__ = "status_recalc_schedule"

    id: Mapped[int] = mapped_column(primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    mode: Mapped[str] = mapped_column(String(16), default=SCHEDULE_DAILY)
    interval_hours: Mapped[int] = mapped_column(Integer, default=24)
    daily_at: Mapped[str] = mapped_column(String(5), default="03:00")  # HH:MM local time
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Moscow")
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
