"""Monitoring tables: per-appeal SLA facts (a rollup), alert thresholds, in-app notifications, reference funnel."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow


class TicketSlaFact(Base):
    """Where each appeal's reaction and processing clocks stand, recomputed whenever the appeal changes.

    A running clock stores its deadline and risk instants, so the pages classify it against "now" in SQL;
    ``*_frozen`` holds the state kept while the appeal waits for the client (the clock is stopped).
    """

    __tablename__ = "monitoring_ticket_sla"
    __table_args__ = (
        # Covering (PostgreSQL INCLUDE): the SLA page's report and problem list read only the index.
        Index(
            "ix_monitoring_ticket_sla_created",
            "created_at",
            postgresql_include=[
                "department_id",
                "appeal_type_id",
                "responsible_id",
                "is_open",
                "reaction_target_h",
                "reaction_elapsed_h",
                "reaction_state",
                "reaction_due_at",
                "reaction_risk_at",
                "reaction_frozen",
                "processing_target_h",
                "processing_elapsed_h",
                "processing_state",
                "processing_due_at",
                "processing_risk_at",
                "processing_frozen",
            ],
        ),
        Index("ix_monitoring_ticket_sla_type", "appeal_type_id", "created_at"),
    )

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    appeal_type_id: Mapped[int | None] = mapped_column(Integer)
    responsible_id: Mapped[int | None] = mapped_column(Integer, index=True)
    department_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ticket_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    paused_h: Mapped[float] = mapped_column(Float, default=0.0)
    # reaction: until the first answer; processing: until resolved. target/elapsed in the SLA's own hours.
    reaction_target_h: Mapped[float | None] = mapped_column(Float)
    reaction_elapsed_h: Mapped[float | None] = mapped_column(Float)
    reaction_state: Mapped[str | None] = mapped_column(String(16))  # met | breached | (running: see due/risk)
    reaction_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reaction_risk_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reaction_frozen: Mapped[str | None] = mapped_column(String(16))
    processing_target_h: Mapped[float | None] = mapped_column(Float)
    processing_elapsed_h: Mapped[float | None] = mapped_column(Float)
    processing_state: Mapped[str | None] = mapped_column(String(16))
    processing_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    processing_risk_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    processing_frozen: Mapped[str | None] = mapped_column(String(16))


class AlertRule(Base):
    """A threshold on a monitoring figure; crossing it notifies the rule's recipient (in-app, e-mail hook)."""

    __tablename__ = "monitoring_alert_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    metric: Mapped[str] = mapped_column(String(64))  # see crm.monitoring.alerts.METRICS
    comparison: Mapped[str] = mapped_column(String(2), default=">")  # ">" or "<"
    threshold: Mapped[float] = mapped_column(Float)
    window_days: Mapped[int] = mapped_column(Integer, default=7)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_value: Mapped[float | None] = mapped_column(Float)
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Notification(Base):
    """An in-app notification for one user."""

    __tablename__ = "monitoring_notifications"
    __table_args__ = (Index("ix_monitoring_notifications_user_read", "user_id", "read_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("monitoring_alert_rules.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReferenceFunnelStage(Base):
    """The "ideal" funnel: the share (percent) of interests that should reach each stage."""

    __tablename__ = "monitoring_reference_funnel"

    stage_id: Mapped[int] = mapped_column(
        ForeignKey("interest_stages.id", ondelete="CASCADE"), primary_key=True
    )
    reach_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
