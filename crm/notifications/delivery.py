"""Writing the CRM's own notifications: one row per recipient, at most once per (user, dedup key)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from crm.notifications.models import UserNotification
from engine.db import db, utcnow

TITLE_MAX = 300
LINK_MAX = 500
DEDUP_MAX = 100
CHUNK = 500


@dataclass(frozen=True)
class Message:
    """What to tell: ``dedup_key`` (optional) makes a second send to the same user a no-op."""

    kind: str
    title: str
    body: str = ""
    link: str = ""
    dedup_key: str | None = None


def _rows(user_ids: Iterable[int], message: Message, now: datetime) -> list[dict[str, Any]]:
    title = message.title if len(message.title) <= TITLE_MAX else message.title[: TITLE_MAX - 1] + "…"
    return [
        {"user_id": user_id, "kind": message.kind, "title": title, "body": message.body,
         "link": message.link[:LINK_MAX], "dedup_key": (message.dedup_key or None) and message.dedup_key[:DEDUP_MAX],
         "created_at": now}
        for user_id in sorted(set(user_ids))
    ]  # fmt: skip


def add_notifications_in_session(deliveries: Iterable[tuple[Iterable[int], Message]], now: datetime) -> int:
    """Insert the rows (duplicates of an existing user + dedup key are skipped); no commit; returns inserted."""
    rows = [row for user_ids, message in deliveries for row in _rows(user_ids, message, now)]
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    inserted = 0
    for start in range(0, len(rows), CHUNK):  # bound the statement's parameter count
        statement = insert(UserNotification).values(rows[start : start + CHUNK])
        statement = statement.on_conflict_do_nothing(index_elements=["user_id", "dedup_key"])
        # RETURNING counts what was written on both backends (psycopg reports no rowcount here).
        inserted += len(db.session.execute(statement.returning(UserNotification.id)).all())
    return inserted


def notify(user_ids: Iterable[int], message: Message, *, now: datetime | None = None) -> int:
    """Notify each user in the app (once per dedup key); commits; returns how many rows were written."""
    inserted = add_notifications_in_session([(user_ids, message)], now or utcnow())
    db.session.commit()
    return inserted
