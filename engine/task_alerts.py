"""Read-only queries over the human-task projection for notifications: tasks that appeared or fell due.

Both take a half-open window ``[since, now)`` so a periodic job can scan only what changed since its last run
(callers overlap windows a little and de-duplicate, because a task row may commit after a scan that began
earlier than its commit).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from engine.db import db
from engine.humantask_model import OPEN, HumanTask


def tasks_created_since(since: datetime, now: datetime) -> list[HumanTask]:
    """Open tasks created in ``[since, now)``, oldest first."""
    query = select(HumanTask).where(
        HumanTask.status == OPEN, HumanTask.created_at >= since, HumanTask.created_at < now
    )
    return list(db.session.scalars(query.order_by(HumanTask.created_at, HumanTask.id)))


def tasks_overdue_since(since: datetime, now: datetime) -> list[HumanTask]:
    """Open tasks whose deadline passed in ``[since, now)`` (they became overdue in that window), by deadline."""
    query = select(HumanTask).where(
        HumanTask.status == OPEN, HumanTask.due_at >= since, HumanTask.due_at < now
    )
    return list(db.session.scalars(query.order_by(HumanTask.due_at, HumanTask.id)))
