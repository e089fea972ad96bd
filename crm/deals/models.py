"""Interests (deals), their stage directory and commercial proposals."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.db import Base, UTCDateTime, utcnow

# Stage kinds: an open stage keeps the interest in the funnel; won/lost close it.
STAGE_OPEN = "open"
STAGE_WON = "won"
STAGE_LOST = "lost"

OUTCOME_WON = "won"
OUTCOME_LOST = "lost"

# (code, name, order, probability %, kind) — created by ``ensure_default_stages``.
DEFAULT_STAGES = (
    ("qualification", "Qualification", 10, 10, STAGE_OPEN),
    ("needs", "Needs analysis", 20, 30, STAGE_OPEN),
    ("proposal", "Proposal", 30, 50, STAGE_OPEN),
    ("negotiation", "Negotiation", 40, 70, STAGE_OPEN),
    ("won", "Won", 90, 100, STAGE_WON),
    ("lost", "Lost", 99, 0, STAGE_LOST),
)

PROPOSAL_DRAFT = "draft"
PROPOSAL_SENT = "sent"
PROPOSAL_ACCEPTED = "accepted"
PROPOSAL_REJECTED = "rejected"
PROPOSAL_STATUSES = (PROPOSAL_DRAFT, PROPOSAL_SENT, PROPOSAL_ACCEPTED, PROPOSAL_REJECTED)


class InterestStage(Base):
    __tablename__ = "interest_stages"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    probability: Mapped[int] = mapped_column(Integer, default=0)  # percent 0..100
    kind: Mapped[str] = mapped_column(String(8), default=STAGE_OPEN)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Interest(Base):
    """A deal: belongs to a client or (before conversion) to a potential client."""

    __tablename__ = "interests"
    __table_args__ = (
        CheckConstraint("client_id IS NOT NULL OR lead_id IS NOT NULL", name="owner"),
        Index("ix_interests_responsible_id_closed_at", "responsible_id", "closed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), index=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact_persons.id"))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    stage_id: Mapped[int] = mapped_column(ForeignKey("interest_stages.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2), default=Decimal("0"))
    currency: Mapped[str] = mapped_column(String(3), default="RUB")
    source: Mapped[str] = mapped_column(String(100), default="")
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    expected_close_date: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(8))  # won | lost, set when closed
    lost_reason: Mapped[str] = mapped_column(String(500), default="")
    process_instance_id: Mapped[int | None] = mapped_column(Integer, index=True)  # engine instance, no FK
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    stage: Mapped[InterestStage] = relationship()
    proposals: Mapped[list[CommercialProposal]] = relationship(
        back_populates="interest", order_by="CommercialProposal.id"
    )

    @property
    def business_key(self) -> str:
        return f"interest:{self.id}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class CommercialProposal(Base):
    __tablename__ = "commercial_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    interest_id: Mapped[int] = mapped_column(ForeignKey("interests.id"), index=True)
    number: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2), default=Decimal("0"))
    currency: Mapped[str] = mapped_column(String(3), default="RUB")
    status: Mapped[str] = mapped_column(String(16), default=PROPOSAL_DRAFT)
    comment: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    interest: Mapped[Interest] = relationship(back_populates="proposals")
