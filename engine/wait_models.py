"""Projections of what instances wait for (timers, messages, signals) and of start triggers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow


class WaitingTimer(Base):
    """One waiting timer event of one instance; rewritten with the instance's state on every step."""

    __tablename__ = "timers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(Integer, ForeignKey("process_instances.id"), index=True)
    spiff_task_id: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(255))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


MESSAGE = "message"
SIGNAL = "signal"


class EventSubscription(Base):
    """A catch event waiting for a message (name + correlation key) or a signal (name only)."""

    __tablename__ = "event_subscriptions"
    __table_args__ = (Index("ix_event_subscriptions_kind_name_key", "kind", "name", "correlation_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(Integer, ForeignKey("process_instances.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(255))
    correlation_key: Mapped[str | None] = mapped_column(String(255))
    spiff_task_id: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(255))


class UnmatchedMessage(Base):
    """A message nobody waited for: kept and reported, never silently dropped."""

    __tablename__ = "unmatched_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), index=True)
    correlation_key: Mapped[str | None] = mapped_column(String(255))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False, index=True)


class StartTrigger(Base):
    """A timer/message/signal start event of the newest version of a deployed key."""

    __tablename__ = "start_triggers"
    __table_args__ = (Index("ix_start_triggers_kind_name", "kind", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition_id: Mapped[int] = mapped_column(Integer, ForeignKey("process_definitions.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(255), index=True)
    # "timer" | "message" | "signal" | "none" (a marker: this definition was scanned and has no trigger)
    kind: Mapped[str] = mapped_column(String(16))
    element_id: Mapped[str | None] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(255))
    expression: Mapped[str | None] = mapped_column(Text)
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # For cycles: remaining repetitions (-1 = unbounded) and the period in seconds.
    cycles_left: Mapped[int | None] = mapped_column(Integer)
    period_seconds: Mapped[float | None] = mapped_column()
    active: Mapped[bool] = mapped_column(Boolean, default=True)
