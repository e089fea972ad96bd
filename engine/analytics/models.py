"""Rollup tables of process analytics, maintained incrementally from the process event log.

The event log stays the single source of truth: every row here can be rebuilt from it
(``engine.analytics.rollup.rebuild_facts``). The pages read these small, indexed tables instead of pairing
events of a million-row log on every request.

Durations are stored twice: wall-clock seconds and business seconds (working time of the default work
calendar at the time the fact was rolled up; a calendar change applies to facts rolled up afterwards, or to
all of them after a rebuild).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime

STEP_OPEN = "open"
STEP_COMPLETED = "completed"
STEP_CANCELLED = "cancelled"


class AnalyticsCursor(Base):
    """How far the rollup has read the event log (one row per rollup)."""

    __tablename__ = "analytics_cursors"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_event_id: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InstanceFact(Base):
    """One process instance: when it started and ended, how it ended, how long it took."""

    __tablename__ = "analytics_instances"
    __table_args__ = (
        Index("ix_analytics_instances_definition_started", "definition_id", "started_at"),
        Index("ix_analytics_instances_definition_ended", "definition_id", "ended_at"),
    )

    instance_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    definition_id: Mapped[int] = mapped_column(Integer)
    business_key: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default="running")  # running | completed | cancelled
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_by: Mapped[int | None] = mapped_column(Integer)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_s: Mapped[float | None] = mapped_column(Float)  # wall clock, suspensions excluded
    business_s: Mapped[float | None] = mapped_column(Float)  # working time, suspensions excluded
    paused_s: Mapped[float] = mapped_column(Float, default=0.0)
    # [[start, end | null], ...] ISO instants of suspensions (a null end: suspended now).
    pauses: Mapped[list[Any]] = mapped_column(JSON, default=list)


class StepFact(Base):
    """One human task from creation to completion, split into waiting (unclaimed) and working (claimed)."""

    __tablename__ = "analytics_steps"
    __table_args__ = (
        Index("ix_analytics_steps_definition_element", "definition_id", "element_id", "created_at"),
        Index("ix_analytics_steps_definition_created", "definition_id", "created_at"),
        Index("ix_analytics_steps_instance", "instance_id"),
    )

    task_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    instance_id: Mapped[int] = mapped_column(Integer)
    definition_id: Mapped[int] = mapped_column(Integer)
    element_id: Mapped[str] = mapped_column(String(255))
    element_name: Mapped[str] = mapped_column(String(255), default="")
    lane: Mapped[str | None] = mapped_column(String(255))
    assignee_id: Mapped[int | None] = mapped_column(Integer)  # who holds it now / completed it
    status: Mapped[str] = mapped_column(String(16), default=STEP_OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Since when the current state (waiting or claimed) lasts; claimed = someone holds the task.
    state_since: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed: Mapped[bool] = mapped_column(default=False)
    wait_s: Mapped[float] = mapped_column(Float, default=0.0)
    work_s: Mapped[float] = mapped_column(Float, default=0.0)
    wait_business_s: Mapped[float] = mapped_column(Float, default=0.0)
    work_business_s: Mapped[float] = mapped_column(Float, default=0.0)
    duration_s: Mapped[float | None] = mapped_column(Float)
    business_s: Mapped[float | None] = mapped_column(Float)


class BranchFact(Base):
    """One variant chosen at a gateway (from a ``variant_chosen`` event)."""

    __tablename__ = "analytics_branches"
    __table_args__ = (Index("ix_analytics_branches_definition_gateway", "definition_id", "gateway", "at"),)

    event_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    instance_id: Mapped[int] = mapped_column(Integer, index=True)
    definition_id: Mapped[int] = mapped_column(Integer)
    gateway: Mapped[str] = mapped_column(String(255))
    gateway_name: Mapped[str] = mapped_column(String(255), default="")
    flow: Mapped[str | None] = mapped_column(String(255))
    variant: Mapped[str] = mapped_column(String(255), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class ElementDay(Base):
    """How many times an element was passed on one day (every element kind, for the heat map)."""

    __tablename__ = "analytics_element_days"

    definition_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    element_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    passes: Mapped[int] = mapped_column(Integer, default=0)
