"""Change history of cards: one ``change_log`` row per changed field, written by the services.

Entities: ``client``, ``contact``, ``lead``, ``interest``, ``ticket`` (plus ``client_relation``). ``user_id`` is
None when a route map (the system) made the change. Values are stored as text: the UI shows them as they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, db, utcnow

# Actions: a field update, or a whole-card event (the field then names what happened).
ACTION_CREATE = "create"
ACTION_UPDATE = "update"
ACTION_MERGE = "merge"
ACTION_CONVERT = "convert"
ACTION_HAND_OVER = "hand_over"
ACTION_DELETE = "delete"


class ChangeLogEntry(Base):
    __tablename__ = "change_log"
    __table_args__ = (Index("ix_change_log_entity_entity_id_id", "entity", "entity_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16), default=ACTION_UPDATE)
    field: Mapped[str] = mapped_column(String(64), default="")
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


def as_text(value: Any) -> str | None:
    """The stored text form of a field value (dates ISO, decimals plain, None stays None)."""
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def record_change(
    entity: str,
    entity_id: int,
    user_id: int | None,
    *,
    field: str = "",
    old: Any = None,
    new: Any = None,
    action: str = ACTION_UPDATE,
) -> ChangeLogEntry:
    """Add one history row to the session (the calling service commits)."""
    entry = ChangeLogEntry(
        entity=entity,
        entity_id=entity_id,
        action=action,
        field=field,
        old_value=as_text(old),
        new_value=as_text(new),
        user_id=user_id,
        at=utcnow(),
    )
    db.session.add(entry)
    return entry


def apply_changes(
    obj: Any, entity: str, changes: Mapping[str, Any], user_id: int | None, fields: Iterable[str]
) -> dict[str, tuple[Any, Any]]:
    """Set each allowed field of ``changes`` on ``obj`` and log those whose value really changed.

    Returns ``{field: (old, new)}`` of the applied changes. ``obj`` must already have an id.
    """
    allowed = set(fields)
    applied: dict[str, tuple[Any, Any]] = {}
    for name, new in changes.items():
        if name not in allowed:
            continue
        old = getattr(obj, name)
        if as_text(old) == as_text(new):
            continue
        setattr(obj, name, new)
        applied[name] = (old, new)
        record_change(entity, obj.id, user_id, field=name, old=old, new=new)
    return applied


def history_of(entity: str, entity_id: int, limit: int = 200) -> list[ChangeLogEntry]:
    """The change history of one card, newest first. Callers check access to the card first."""
    stmt = (
        select(ChangeLogEntry)
        .where(ChangeLogEntry.entity == entity, ChangeLogEntry.entity_id == entity_id)
        .order_by(ChangeLogEntry.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))
