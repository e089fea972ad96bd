"""Absences: while one is active the deputy works with the absent user's clients and tasks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow


class Absence(Base):
    """``user_id`` is away from ``starts_at`` (inclusive) to ``ends_at`` (exclusive); ``deputy_id`` stands in."""

    __tablename__ = "absences"
    __table_args__ = (
        CheckConstraint("user_id <> deputy_id", name="not_self"),
        CheckConstraint("starts_at < ends_at", name="period"),
        Index("ix_absences_user_id_starts_at", "user_id", "starts_at"),
        Index("ix_absences_deputy_id_starts_at", "deputy_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    deputy_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
