"""Client-base quality rules (SPEC §1.3): which fields must be filled, with weights, per work status."""

from __future__ import annotations

from sqlalchemy import Boolean, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base

TARGET_CLIENT = "client"
TARGET_CONTACT = "contact"
TARGETS = (TARGET_CLIENT, TARGET_CONTACT)


class QualityRule(Base):
    """ "For clients in ``work_status``, ``field`` of the client (or of each contact) should be filled."

    ``field`` is a key of ``crm.quality.fields`` (``inn``, ``phone``, ``contacts`` ...) or ``portrait:<code>``
    for a portrait attribute. The fill percentage is the filled weight over the total weight.
    """

    __tablename__ = "quality_rules"
    __table_args__ = (
        UniqueConstraint("work_status", "target", "field", name="uq_quality_rules_status_target_field"),
        Index("ix_quality_rules_work_status_target", "work_status", "target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    work_status: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(8), default=TARGET_CLIENT)
    field: Mapped[str] = mapped_column(String(80))
    weight: Mapped[int] = mapped_column(Integer, default=1)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
