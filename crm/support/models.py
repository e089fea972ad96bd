"""Appeals (support tickets) and the appeal-type directory that picks their route map and SLA."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.db import Base, UTCDateTime, utcnow

CHANNELS = ("phone", "email", "web", "messenger")
PRIORITIES = ("low", "normal", "high", "urgent")

STATUS_NEW = "new"
STATUS_IN_PROGRESS = "in_progress"
STATUS_WAITING_CLIENT = "waiting_client"
STATUS_RESOLVED = "resolved"
STATUS_CLOSED = "closed"
STATUS_REOPENED = "reopened"
TICKET_STATUSES = (
    STATUS_NEW,
    STATUS_IN_PROGRESS,
    STATUS_WAITING_CLIENT,
    STATUS_RESOLVED,
    STATUS_CLOSED,
    STATUS_REOPENED,
)
OPEN_TICKET_STATUSES = (STATUS_NEW, STATUS_IN_PROGRESS, STATUS_WAITING_CLIENT, STATUS_REOPENED)


class AppealType(Base):
    """A kind of appeal (claim, service request, tech support...) with its route map and SLA.

    SLA values are ISO-8601 durations with an optional ``working`` suffix meaning business time, e.g.
    ``"PT4H working"``; the engine's work calendar turns them into due instants.
    """

    __tablename__ = "appeal_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    route_map_key: Mapped[str] = mapped_column(String(255), default="")
    reaction_sla: Mapped[str] = mapped_column(String(64), default="")
    processing_sla: Mapped[str] = mapped_column(String(64), default="")
    default_priority: Mapped[str] = mapped_column(String(16), default="normal")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (Index("ix_tickets_responsible_id_status", "responsible_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_type_id: Mapped[int | None] = mapped_column(ForeignKey("appeal_types.id"))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact_persons.id"))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"), index=True)
    interest_id: Mapped[int | None] = mapped_column(ForeignKey("interests.id"), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    channel: Mapped[str] = mapped_column(String(16), default="phone")
    status: Mapped[str] = mapped_column(String(16), default=STATUS_NEW)
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    process_instance_id: Mapped[int | None] = mapped_column(index=True)  # engine instance, no FK
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    appeal_type: Mapped[AppealType | None] = relationship()

    @property
    def business_key(self) -> str:
        return f"ticket:{self.id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_TICKET_STATUSES
