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

from sqlalchemy import JSON, Date, Float, Index, Integer, String, Text
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
        # Exact percentiles: read the values inside one histogram bucket (engine.analytics.summary_figures);
        # ``people`` last, so that a people-filtered read stays inside the index too.
        Index(
            "ix_analytics_instances_business", "definition_id", "status", "business_s", "started_at", "people"
        ),
        Index("ix_analytics_instances_wall", "definition_id", "status", "duration_s", "started_at", "people"),
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
    # Who holds or did its human steps: the steps' assignee ids, distinct, ascending, comma-separated
    # (``people_key``); None when no step has an assignee. Kept by the rollup for the people-filtered summaries.
    people: Mapped[str | None] = mapped_column(Text)


class StepFact(Base):
    """One human task from creation to completion, split into waiting (unclaimed) and working (claimed)."""

    __tablename__ = "analytics_steps"
    __table_args__ = (
        Index("ix_analytics_steps_definition_element", "definition_id", "element_id", "created_at"),
        Index("ix_analytics_steps_definition_created", "definition_id", "created_at"),
        Index("ix_analytics_steps_instance", "instance_id"),
        Index(
            "ix_analytics_steps_business",
            "definition_id",
            "element_id",
            "status",
            "business_s",
            "created_at",
            "assignee_id",
        ),
        Index("ix_analytics_steps_open", "status", "definition_id", "due_at"),  # open steps late "now"
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


# Per-day summaries (engine.analytics.summary_rollup keeps them equal to what the facts above add up to).
# Histograms are ``{bucket: count}`` of engine.analytics.histogram; sums and histograms skip NULL durations.
# The ``…People…``/``…Assignee…`` tables hold the same figures split by who did the steps, for the department
# and assignee filters: an instance is counted once, under its ``InstanceFact.people`` (so a filter adds up the
# rows of every people set it meets, and an instance worked on by two filtered people is not counted twice); a
# step under its assignee. Instances and steps without anyone are not in them (no people filter selects them).


class _InstanceMeasures:
    instances: Mapped[int] = mapped_column(Integer, default=0)
    business_n: Mapped[int] = mapped_column(Integer, default=0)
    business_sum_s: Mapped[float] = mapped_column(Float, default=0.0)
    business_hist: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    wall_n: Mapped[int] = mapped_column(Integer, default=0)
    wall_sum_s: Mapped[float] = mapped_column(Float, default=0.0)
    wall_hist: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    # Instances per bucket of engine.analytics.histogram.COARSE_EDGES_H (business hours), as the page shows.
    coarse: Mapped[list[int]] = mapped_column(JSON, default=list)


class InstanceDay(_InstanceMeasures, Base):
    """Instances of one definition started on one UTC day with one status: counts, duration sums, histograms."""

    __tablename__ = "analytics_instance_days"

    definition_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    started_day: Mapped[date] = mapped_column(Date, primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)


class InstancePeopleDay(_InstanceMeasures, Base):
    """``InstanceDay`` split by the instances' people set, per day, ISO week and month (engine.analytics.periods):
    ``started_day`` is the first day of the ``period``."""

    __tablename__ = "analytics_instance_people_days"

    definition_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    period: Mapped[str] = mapped_column(String(8), primary_key=True)
    people: Mapped[str] = mapped_column(Text, primary_key=True)
    started_day: Mapped[date] = mapped_column(Date, primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)


class InstanceEndDay(Base):
    """How many instances started on one day ended (completed or cancelled) on another."""

    __tablename__ = "analytics_instance_end_days"

    definition_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    started_day: Mapped[date] = mapped_column(Date, primary_key=True)
    ended_day: Mapped[date] = mapped_column(Date, primary_key=True)
    instances: Mapped[int] = mapped_column(Integer, default=0)


class InstancePeopleEndDay(Base):
    """``InstanceEndDay`` split by the instances' people set."""

    __tablename__ = "analytics_instance_people_end_days"

    definition_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    people: Mapped[str] = mapped_column(Text, primary_key=True)
    started_day: Mapped[date] = mapped_column(Date, primary_key=True)
    ended_day: Mapped[date] = mapped_column(Date, primary_key=True)
    instances: Mapped[int] = mapped_column(Integer, default=0)


class PeopleSet(Base):
    """How many instances of a definition have this people set (the sets a people filter can meet)."""

    __tablename__ = "analytics_people_sets"

    definition_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    people: Mapped[str] = mapped_column(Text, primary_key=True)
    instances: Mapped[int] = mapped_column(Integer, default=0)


class _StepMeasures:
    element_name: Mapped[str] = mapped_column(String(255), default="")
    tasks: Mapped[int] = mapped_column(Integer, default=0)
    business_n: Mapped[int] = mapped_column(Integer, default=0)
    business_sum_s: Mapped[float] = mapped_column(Float, default=0.0)
    business_hist: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    wait_business_sum_s: Mapped[float] = mapped_column(Float, default=0.0)
    work_business_sum_s: Mapped[float] = mapped_column(Float, default=0.0)
    with_due: Mapped[int] = mapped_column(Integer, default=0)
    late_done: Mapped[int] = mapped_column(Integer, default=0)  # completed after the due date


class StepDay(_StepMeasures, Base):
    """Human tasks of one element created on one UTC day with one status."""

    __tablename__ = "analytics_step_days"

    definition_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    element_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    created_day: Mapped[date] = mapped_column(Date, primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)


class StepAssigneeDay(_StepMeasures, Base):
    """``StepDay`` split by the tasks' assignee (who holds or completed them), per day, ISO week and month:
    ``created_day`` is the first day of the ``period``."""

    __tablename__ = "analytics_step_assignee_days"

    definition_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    period: Mapped[str] = mapped_column(String(8), primary_key=True)
    assignee_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    created_day: Mapped[date] = mapped_column(Date, primary_key=True)
    element_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)


class _BranchMeasures:
    instances: Mapped[int] = mapped_column(Integer, default=0)
    business_n: Mapped[int] = mapped_column(Integer, default=0)
    business_sum_s: Mapped[float] = mapped_column(Float, default=0.0)


class BranchDay(_BranchMeasures, Base):
    """Distinct instances (started on one day, with one status) that took a flow at a gateway."""

    __tablename__ = "analytics_branch_days"

    definition_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # instance's
    branch_definition_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    gateway: Mapped[str] = mapped_column(String(255), primary_key=True)
    flow: Mapped[str] = mapped_column(String(255), primary_key=True)  # "" = no flow id recorded
    started_day: Mapped[date] = mapped_column(Date, primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)


class BranchPeopleDay(_BranchMeasures, Base):
    """``BranchDay`` split by the instances' people set."""

    __tablename__ = "analytics_branch_people_days"

    definition_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # instance's
    people: Mapped[str] = mapped_column(Text, primary_key=True)
    branch_definition_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    gateway: Mapped[str] = mapped_column(String(255), primary_key=True)
    flow: Mapped[str] = mapped_column(String(255), primary_key=True)  # "" = no flow id recorded
    started_day: Mapped[date] = mapped_column(Date, primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)


class BranchLabel(Base):
    """The gateway name and variant label of a flow (the greatest seen, as ``max()`` in SQL would give)."""

    __tablename__ = "analytics_branch_labels"

    definition_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    gateway: Mapped[str] = mapped_column(String(255), primary_key=True)
    flow: Mapped[str] = mapped_column(String(255), primary_key=True)
    gateway_name: Mapped[str] = mapped_column(String(255), default="")
    variant: Mapped[str] = mapped_column(String(255), default="")


def people_key(user_ids: Any) -> str | None:
    """``InstanceFact.people`` of these assignee ids (None values skipped; None when there are none)."""
    ids = sorted({int(u) for u in user_ids if u is not None})
    return ",".join(map(str, ids)) if ids else None


def people_ids(people: str) -> set[int]:
    """The user ids of a ``people_key``."""
    return {int(u) for u in people.split(",")}
