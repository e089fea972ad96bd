"""A running (or finished) process instance: one row, serialized state, optimistic-lock version."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow

RUNNING = "running"
SUSPENDED = "suspended"
COMPLETED = "completed"
CANCELLED = "cancelled"
ERROR = "error"
INSTANCE_STATUSES = (RUNNING, SUSPENDED, COMPLETED, CANCELLED, ERROR)


class ProcessInstance(Base):
    __tablename__ = "process_instances"
    __table_args__ = (
        Index("ix_process_instances_definition_status", "definition_id", "status"),
        Index("ix_process_instances_business_key", "business_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition_id: Mapped[int] = mapped_column(Integer, ForeignKey("process_definitions.id"))
    process_key: Mapped[str] = mapped_column(String(255))
    business_key: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default=RUNNING)
    # JSON of the task tree and data without the spec (see engine.serialization).
    state: Mapped[str] = mapped_column(Text, default="")
    # Bumped by every step; a step writes only if the version it read is still current.
    version: Mapped[int] = mapped_column(Integer, default=1)
    started_by: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # SQLAlchemy adds "AND version = :read" to every UPDATE and raises StaleDataError on 0 rows.
    __mapper_args__ = {"version_id_col": version}
