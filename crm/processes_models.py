"""Tables of the shipped route maps: trigger settings an administrator keeps, and in-app notifications.

``trigger_settings``: one row per trigger of the library (``crm.triggers.TRIGGERS``), switched on/off and
parameterised by an administrator; the trigger route maps read it through the ``triggers/settings`` operation.
``process_notifications``: what the ``notify/in_app`` operation writes — a message for a user (in-app) or for a
client (kept with its ``to_email`` when ``mail/send`` could not write a letter: no address or no mail account).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow

CHANNEL_IN_APP = "in_app"
CHANNEL_EMAIL = "email"


class TriggerSetting(Base):
    __tablename__ = "trigger_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ProcessNotification(Base):
    __tablename__ = "process_notifications"
    __table_args__ = (Index("ix_process_notifications_user_id_read_at", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), default=CHANNEL_IN_APP)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    to_email: Mapped[str] = mapped_column(String(254), default="")
    text: Mapped[str] = mapped_column(Text)
    business_key: Mapped[str | None] = mapped_column(String(64), index=True)
    client_id: Mapped[int | None] = mapped_column(Integer, index=True)
    lead_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
