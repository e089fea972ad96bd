"""One notifications service over every store: count, list (newest first, keyset paged), mark read, write.

Reading goes through ``crm.notifications.sources`` (route maps', monitoring's and the CRM's own rows as one
list); writing new rows of the CRM's own kinds goes through ``notify``. Every call is scoped to one user: a
user can neither see nor mark anybody else's notifications.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select, update

from crm.errors import NotFound
from crm.notifications.errors import InvalidCursor, InvalidNotificationId
from crm.notifications.sources import RANKS, STORES, Cursor, NotificationItem, item_from_row, union_for
from engine.db import db, utcnow

MAX_PAGE = 100


@dataclass(frozen=True)
class NotificationPage:
    """A page of notifications and the ``before`` token of the next (older) page, None on the last one."""

    items: list[NotificationItem]
    next_before: str | None


def unread_count(user_id: int) -> int:
    """How many of the user's notifications are unread, over every store (one statement, index-only counts)."""
    counts = [
        select(func.count()).select_from(model).where(model.user_id == user_id, model.read_at.is_(None))
        .scalar_subquery()
        for model in STORES.values()
    ]  # fmt: skip
    return int(db.session.scalar(select(counts[0] + counts[1] + counts[2])) or 0)


def list_notifications(
    user_id: int, *, unread_only: bool = False, before: str | None = None, limit: int = 20
) -> NotificationPage:
    """The user's notifications newest first; ``before`` is a previous page's ``next_before`` token."""
    limit = max(1, min(limit, MAX_PAGE))
    cursor = None
    if before:
        try:
            cursor = Cursor.parse(before)
        except ValueError as exc:
            raise InvalidCursor(f"not a notification page token: {before!r}") from exc
    rows = union_for(user_id, unread_only=unread_only, not_after=cursor.created_at if cursor else None)
    query = select(rows)
    if cursor is not None:
        query = query.where(
            or_(
                rows.c.created_at < cursor.created_at,
                and_(rows.c.created_at == cursor.created_at, rows.c.rank < cursor.rank),
                and_(rows.c.created_at == cursor.created_at, rows.c.rank == cursor.rank,
                     rows.c.row_id < cursor.row_id),
            )
        )  # fmt: skip
    query = query.order_by(rows.c.created_at.desc(), rows.c.rank.desc(), rows.c.row_id.desc()).limit(
        limit + 1
    )
    items = [item_from_row(row) for row in db.session.execute(query)]
    more = len(items) > limit
    items = items[:limit]
    return NotificationPage(items, items[-1].cursor if more and items else None)


def _ids_by_store(ids: Iterable[str]) -> dict[str, set[int]]:
    grouped: dict[str, set[int]] = defaultdict(set)
    for public_id in ids:
        source, _, number = str(public_id).partition("-")
        # ASCII digits within a database key only ("²" passes isdigit; huge numbers overflow the column).
        if source not in STORES or not (number.isascii() and number.isdigit()) or len(number) > 10:
            raise InvalidNotificationId(f"no notification {public_id!r}")
        if int(number) > 2**31 - 1:
            raise InvalidNotificationId(f"no notification {public_id!r}")
        grouped[source].add(int(number))
    return grouped


def get_notification(user_id: int, public_id: str) -> NotificationItem:
    """One of the user's notifications by its public id; ``NotFound`` when it is not the user's."""
    [(source, [row_id])] = [(source, sorted(ids)) for source, ids in _ids_by_store([public_id]).items()]
    rows = union_for(user_id, unread_only=False, not_after=None)
    row = db.session.execute(
        select(rows).where(rows.c.rank == RANKS[source], rows.c.row_id == row_id)
    ).first()
    if row is None:
        raise NotFound(f"notification {public_id} not found")
    return item_from_row(row)


def open_notification(user_id: int, public_id: str) -> NotificationItem:
    """Mark one of the user's notifications read and return it (its ``link`` says where to go); commits."""
    item = get_notification(user_id, public_id)
    mark_read(user_id, [public_id])
    return item


def mark_read(user_id: int, ids: Iterable[str]) -> int:
    """Mark the user's notifications with these public ids read (others' ids change nothing); commits.

    Returns how many were unread and are now read; raises ``InvalidNotificationId`` for a malformed id.
    """
    now, changed = utcnow(), 0
    for source, row_ids in _ids_by_store(ids).items():
        model = STORES[source]
        result = db.session.execute(
            update(model)
            .where(model.user_id == user_id, model.id.in_(sorted(row_ids)), model.read_at.is_(None))
            .values(read_at=now)
        )
        changed += int(result.rowcount or 0)  # type: ignore[attr-defined]
    db.session.commit()
    return changed


def mark_all_read(user_id: int) -> int:
    """Mark every unread notification of the user read, in every store; commits; returns how many changed."""
    now, changed = utcnow(), 0
    for model in STORES.values():
        result = db.session.execute(
            update(model).where(model.user_id == user_id, model.read_at.is_(None)).values(read_at=now)
        )
        changed += int(result.rowcount or 0)  # type: ignore[attr-defined]
    db.session.commit()
    return changed
