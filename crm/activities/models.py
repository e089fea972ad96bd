"""Interactions (calls, meetings, letters, messages) and notes: the documents the Feed shows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow

INTERACTION_KINDS = ("call", "meeting", "letter", "message")
DIRECTIONS = ("incoming", "outgoing")

INTERACTION_PLANNED = "planned"
INTERACTION_DONE = "done"
INTERACTION_CANCELLED = "cancelled"
INTERACTION_STATUSES = (INTERACTION_PLANNED, INTERACTION_DONE, INTERACTION_CANCELLED)


class Interaction(Base):
    """A call/meeting/letter/message. Outgoing ones may stand alone, without client or interest (SPEC #20)."""

    __tablename__ = "interactions"
    __table_args__ = (
        Index("ix_interactions_client_id_created_at", "client_id", "created_at"),
        Index("ix_interactions_responsible_id_status", "responsible_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str] = mapped_column(String(16), default="outgoing")
    status: Mapped[str] = mapped_column(String(16), default=INTERACTION_DONE)
    subject: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    planned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    actual_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[str] = mapped_column(Text, default="")
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact_persons.id"), index=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"), index=True)
    interest_id: Mapped[int | None] = mapped_column(ForeignKey("interests.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def when(self) -> datetime:
        """The instant the Feed orders by: when it happened, else when planned, else when entered."""
        return self.actual_at or self.planned_at or self.created_at


class Note(Base):
    """A note with sanitized HTML; ``is_system`` notes are posted by route maps (``feed/post``)."""

    __tablename__ = "notes"
    __table_args__ = (Index("ix_notes_client_id_created_at", "client_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_html: Mapped[str] = mapped_column(Text)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact_persons.id"), index=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"), index=True)
    interest_id: Mapped[int | None] = mapped_column(ForeignKey("interests.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    is_system: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
