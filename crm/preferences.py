"""Per-user preferences (the desktop's chosen workplaces and widgets, and whatever else a page remembers).

One row per user and key with a JSON value; the pages that own a key validate what they store in it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from crm.errors import ValidationFailed
from engine.db import Base, UTCDateTime, db, utcnow

KEY_MAX_LENGTH = 64


class UserPreference(Base):
    __tablename__ = "user_preferences"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_user_preferences_user_id_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(KEY_MAX_LENGTH))
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


def get_preference(user_id: int, key: str, default: Any = None) -> Any:
    """The stored value of ``key`` for the user, or ``default`` when nothing is stored."""
    stmt = select(UserPreference.value).where(UserPreference.user_id == user_id, UserPreference.key == key)
    row = db.session.execute(stmt).first()
    return default if row is None else row[0]


def save_preference(user_id: int, key: str, value: Any) -> None:
    """Store ``value`` (anything JSON can hold) under ``key`` for the user, replacing the old one; commit."""
    if not key or len(key) > KEY_MAX_LENGTH:
        raise ValidationFailed({"key": f"a preference key has 1 to {KEY_MAX_LENGTH} characters"})
    stmt = select(UserPreference).where(UserPreference.user_id == user_id, UserPreference.key == key)
    row = db.session.scalars(stmt).first()
    if row is None:
        db.session.add(UserPreference(user_id=user_id, key=key, value=value))
    else:
        row.value = value
    db.session.commit()


def forget_preference(user_id: int, key: str) -> None:
    """Remove a stored preference (the page falls back to its default); commit."""
    stmt = select(UserPreference).where(UserPreference.user_id == user_id, UserPreference.key == key)
    row = db.session.scalars(stmt).first()
    if row is not None:
        db.session.delete(row)
        db.session.commit()
