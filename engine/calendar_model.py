"""Stored work calendars and their per-date exceptions (the administration page edits these)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.db import Base, UTCDateTime, utcnow


def new_revision() -> str:
    """A fresh revision token; a calendar's changes the token, which invalidates every process's cache."""
    return uuid.uuid4().hex


class WorkCalendarRecord(Base):
    __tablename__ = "work_calendars"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Moscow")
    # ISO 3166 code for the ``holidays`` package; None means no public holidays.
    country: Mapped[str | None] = mapped_column(String(8), default="RU")
    # {"mon": [["09:00", "18:00"]], ..., "sun": []}
    schedule: Mapped[dict[str, Any]] = mapped_column(JSON)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    # Changes on every edit of the calendar or its exceptions (a token, not a counter: it stays unique even
    # when a database is emptied and rows are created again with the same ids).
    revision: Mapped[str] = mapped_column(String(32), default=new_revision)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    exceptions: Mapped[list[WorkCalendarExceptionRecord]] = relationship(
        back_populates="calendar", cascade="all, delete-orphan", order_by="WorkCalendarExceptionRecord.day"
    )


class WorkCalendarExceptionRecord(Base):
    __tablename__ = "work_calendar_exceptions"
    __table_args__ = (
        UniqueConstraint("calendar_id", "date", name="uq_work_calendar_exceptions_calendar_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("work_calendars.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column("date", Date)
    working: Mapped[bool] = mapped_column(Boolean)
    # Hours of a working exception day, e.g. [["10:00", "15:00"]]; empty for a day off.
    intervals: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(String(200), default="")

    calendar: Mapped[WorkCalendarRecord] = relationship(back_populates="exceptions")
