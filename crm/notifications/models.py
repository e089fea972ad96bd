"""Notifications the CRM itself writes for a user (new and overdue tasks, and any future kind).

The route maps' ``process_notifications`` and monitoring's ``monitoring_notifications`` stay where their
writers put them; ``crm.notifications.services`` reads all three as one list.
``dedup_key`` makes "notify once" a database fact: a second row with the same user and key is never written.
``notification_scans`` keeps how far each periodic scan has read (a watermark per scan name).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow

KIND_TASK_NEW = "task_new"
KIND_TASK_OVERDUE = "task_overdue"


class UserNotification(Base):
    __tablename__ = "user_notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "dedup_key", name="uq_user_notifications_user_id_dedup_key"),
        Index("ix_user_notifications_user_id_read_at", "user_id", "read_at"),
        Index("ix_user_notifications_user_id_created_at", "user_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    dedup_key: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NotificationScan(Base):
    __tablename__ = "notification_scans"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    scanned_until: Mapped[datetime] = mapped_column(UTCDateTime)
